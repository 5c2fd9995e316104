/*
 * tst-virtio-rng: the virtio core, its transports and the virtio-rng driver
 * end to end. Calling jiny_virtio_rng_read() links the driver (and with it
 * the core and both transports) into this image.
 *
 * Variants (TST_VIRTIO tells the program what to expect):
 *   mmio-legacy  microvm, virtio-mmio version 1 (QEMU's default), found in
 *                the ACPI DSDT (LNRO0005), interrupt through the IOAPIC
 *   mmio         microvm, virtio-mmio version 2 (force-legacy=false)
 *   cmdline      microvm with ACPI off: the device found from QEMU's own
 *                virtio_mmio.device=SIZE@ADDR:GSI kernel option
 *   pci          q35, virtio-pci (modern capabilities), MSI-X per queue
 *   pci-intx     q35, virtio-pci without MSI-X (vectors=0): INTx via IOAPIC
 *   none         no device: the driver is linked but finds nothing,
 *                jiny_virtio_rng_read says -ENODEV, getrandom still works
 *
 * Checked: /proc/virtio lists the device with the expected transport,
 * driver and state; VERSION_1 negotiated exactly on modern transports;
 * EVENT_IDX and INDIRECT_DESC negotiated (QEMU offers both); the queue's
 * interrupt count grows with a read (the read sleeps until the interrupt:
 * no interrupt, no bytes); bytes read through the driver are not constant
 * and two reads differ; a 2 MiB getrandom() makes the kernel's pool ask
 * the device for a reseed (the queue's kick count grows) and the answer
 * comes back by interrupt (its interrupt count grows); getrandom and
 * /dev/urandom work in every variant. Nothing here is timed: the waits are
 * bounded (5 s per read inside the driver, 30 s for the reseed) only to end
 * a failure.
 */
// EXPECT: ^tst: tst-virtio-rng: [0-9]+ checks, 0 failures$
// EXPECT-NOT: ^FAIL
// EXPECT-NOT: malformed AML
// TIMEOUT: 120
// VARIANT: mmio-legacy --rng -e TST_VIRTIO=mmio-legacy
// VARIANT: mmio --rng --virtio-mmio modern -e TST_VIRTIO=mmio
// VARIANT: cmdline --rng --qemu-arg -M --qemu-arg microvm,x-option-roms=off,pit=on,rtc=on,acpi=off -e TST_VIRTIO=mmio-legacy
// VARIANT: pci --rng --machine q35 -e TST_VIRTIO=pci
// VARIANT: pci-intx --machine q35 --qemu-arg -device --qemu-arg virtio-rng-pci,vectors=0 -e TST_VIRTIO=pci-intx
// VARIANT: none -e TST_VIRTIO=none
#include "tst.h"
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <jiny/virtio.h>

static char text[8192];

static void read_proc(void)
{
	int fd = open("/proc/virtio", O_RDONLY);
	CHECK(fd >= 0);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	CHECK(n >= 0);
	text[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* A number after 'key' in the line of /proc/virtio that starts with 'start'. */
static unsigned long long field(const char *start, const char *key)
{
	const char *l = strstr(text, start);
	const char *k = l ? strstr(l, key) : NULL;
	return k ? strtoull(k + strlen(key), NULL, 0) : ~0ULL;
}

static bool not_constant(const unsigned char *b, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (b[i] != b[0])
			return true;
	return false;
}

int main(void)
{
	const char *want = getenv("TST_VIRTIO");
	CHECK(want != NULL);
	if (!want)
		want = "none";
	bool none = !strcmp(want, "none");
	const char *transport = !strcmp(want, "pci-intx") ? "pci" : want;
	bool modern = strcmp(transport, "mmio-legacy") != 0;

	read_proc();
	printf("/proc/virtio before:\n%s", text);
	unsigned char a[256], b[256];
	if (none) {
		CHECK(strstr(text, "virtio-rng") == NULL);
		CHECK_EQ(jiny_virtio_rng_read(a, sizeof(a)), -ENODEV);
	} else {
		char line[96];
		snprintf(line, sizeof(line), ": type 4 transport %s driver virtio-rng state bound",
			 transport);
		CHECK(strstr(text, "virtio-rng0 (") != NULL);
		CHECK(strstr(text, line) != NULL);
		unsigned long long f = field("  features", "negotiated ");
		printf("negotiated features %#llx\n", f);
		CHECK_EQ(!!(f & (1ULL << 32)), modern);  /* VERSION_1 */
		CHECK(f & (1ULL << 29));                 /* EVENT_IDX */
		CHECK(f & (1ULL << 28));                 /* INDIRECT_DESC */
		if (!strcmp(want, "pci"))
			CHECK(strstr(text, "interrupts msix") != NULL);
		else if (!strcmp(want, "pci-intx"))
			CHECK(strstr(text, "interrupts intx") != NULL);
		else
			CHECK(strstr(text, "interrupts ioapic gsi") != NULL);
		unsigned long long irq0 = field("  queue 0", "interrupts ");
		CHECK(irq0 != ~0ULL);

		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		CHECK_EQ(jiny_virtio_rng_read(a, sizeof(a)), (long)sizeof(a));
		CHECK_EQ(jiny_virtio_rng_read(b, sizeof(b)), (long)sizeof(b));
		CHECK(not_constant(a, sizeof(a)));
		CHECK(memcmp(a, b, sizeof(a)) != 0);
		read_proc();
		unsigned long long irq1 = field("  queue 0", "interrupts ");
		printf("queue 0 interrupts %llu -> %llu\n", irq0, irq1);
		CHECK(irq1 != ~0ULL && irq1 > irq0);

		/* 2 MiB of getrandom: the pool asks the device for more. */
		unsigned long long k0 = field("  queue 0", "kicks ");
		static unsigned char big[1 << 20];
		for (int i = 0; i < 2; i++)
			CHECK_EQ(getrandom(big, sizeof(big), 0), (ssize_t)sizeof(big));
		unsigned long long k1 = k0;
		for (int t = 0; t < 300 && k1 <= k0; t++) {
			read_proc();
			k1 = field("  queue 0", "kicks ");
			if (k1 <= k0)
				usleep(100000);
		}
		printf("queue 0 kicks %llu -> %llu after 2 MiB of getrandom\n", k0, k1);
		CHECK(k1 > k0);
		/* ... and the device's answer comes back by interrupt. */
		unsigned long long irq2 = irq1;
		for (int t = 0; t < 300 && irq2 <= irq1; t++) {
			read_proc();
			irq2 = field("  queue 0", "interrupts ");
			if (irq2 <= irq1)
				usleep(100000);
		}
		printf("queue 0 interrupts %llu -> %llu after the reseed request\n", irq1, irq2);
		CHECK(irq2 != ~0ULL && irq2 > irq1);
		read_proc();
		printf("/proc/virtio after:\n%s", text);
		CHECK(strstr(text, "BROKEN") == NULL);
	}

	/* The kernel's pool, with or without the device. */
	CHECK_EQ(getrandom(a, sizeof(a), 0), (ssize_t)sizeof(a));
	CHECK_EQ(getrandom(b, sizeof(b), 0), (ssize_t)sizeof(b));
	CHECK(not_constant(a, sizeof(a)));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	int fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(read(fd, a, sizeof(a)), (ssize_t)sizeof(a));
	CHECK(not_constant(a, sizeof(a)));
	close(fd);
	return tst_done();
}
