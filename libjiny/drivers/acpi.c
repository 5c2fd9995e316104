/*
 * acpi.c - just enough ACPI: RSDP (from PVH start_info) -> XSDT or RSDT ->
 * MADT, whose Local APIC / x2APIC entries list the CPUs (arch/x86_64/smp.c)
 * and whose IOAPIC entries give the interrupt controllers (ioapic.c); and
 * FADT -> DSDT, whose devices are found by _HID with the small AML walker
 * of aml.c (virtio-mmio's LNRO0005 devices on microvm: drivers/virtio/mmio.c).
 * Tables are mapped read-only one at a time through a temporary MMIO
 * window, every length and checksum checked before use: a bad table means
 * "one CPU" or "no such device" and a message naming table and offset,
 * never a fault.
 */
#include "drivers/acpi.h"
#include "drivers/aml.h"
#include "kern/errno.h"
#include "mm/mm.h"

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum, reserved[3];
} __packed;

static bool checksum_ok(const void *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

/* Map a whole table (header first, to learn its length); NULL if bad. */
static const struct sdt_header *map_table(paddr_t pa, size_t *mapped)
{
	const struct sdt_header *h = vmarea_map_mmio(pa, sizeof(*h));
	if (!h)
		return NULL;
	uint32_t len = h->length;
	vmarea_free((void *)ALIGN_DOWN((uintptr_t)h, PAGE_SIZE),
		    ALIGN_UP((pa & (PAGE_SIZE - 1)) + sizeof(*h), PAGE_SIZE), 0);
	if (len < sizeof(*h) || len > (1 << 20))
		return NULL;
	h = vmarea_map_mmio(pa, len);
	if (!h)
		return NULL;
	*mapped = ALIGN_UP((pa & (PAGE_SIZE - 1)) + len, PAGE_SIZE);
	if (!checksum_ok(h, len)) {
		vmarea_free((void *)ALIGN_DOWN((uintptr_t)h, PAGE_SIZE), *mapped, 0);
		return NULL;
	}
	return h;
}

static void unmap_table(const struct sdt_header *h, size_t mapped)
{
	vmarea_free((void *)ALIGN_DOWN((uintptr_t)h, PAGE_SIZE), mapped, 0);
}

static void parse_madt(const struct sdt_header *h, struct acpi_madt_info *out)
{
	const uint8_t *p = (const uint8_t *)h + sizeof(*h);
	const uint8_t *end = (const uint8_t *)h + h->length;
	if (p + 8 > end)
		return;
	out->lapic_base = *(const uint32_t *)p;
	for (p += 8; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		uint8_t type = p[0], len = p[1];
		if (type == 0 && len >= 8) { /* Processor Local APIC */
			uint32_t flags = *(const uint32_t *)(p + 4);
			if ((flags & 3) && out->nr_cpus < ACPI_MAX_CPUS)
				out->apic_ids[out->nr_cpus++] = p[3];
		} else if (type == 9 && len >= 16) { /* Processor Local x2APIC */
			uint32_t flags = *(const uint32_t *)(p + 8);
			if ((flags & 3) && out->nr_cpus < ACPI_MAX_CPUS)
				out->apic_ids[out->nr_cpus++] = *(const uint32_t *)(p + 4);
		} else if (type == 1 && len >= 12 && out->nr_ioapics < 4) { /* IOAPIC */
			out->ioapic_base[out->nr_ioapics] = *(const uint32_t *)(p + 4);
			out->ioapic_gsi_base[out->nr_ioapics++] = *(const uint32_t *)(p + 8);
		} else if (type == 5 && len >= 12) { /* Local APIC address override */
			out->lapic_base = *(const uint64_t *)(p + 4);
		}
	}
}

/*
 * Map the first table with signature sig listed by the RSDP's XSDT (or
 * RSDT); NULL if there is none or it is bad. Unmap with unmap_table().
 */
static const struct sdt_header *find_table(paddr_t rsdp_pa, const char *sig, size_t *mapped)
{
	if (!rsdp_pa)
		return NULL;
	const struct rsdp *r = vmarea_map_mmio(rsdp_pa, sizeof(*r));
	if (!r)
		return NULL;
	size_t rmap = ALIGN_UP((rsdp_pa & (PAGE_SIZE - 1)) + sizeof(*r), PAGE_SIZE);
	bool ok = !memcmp(r->sig, "RSD PTR ", 8) && checksum_ok(r, 20);
	bool x = ok && r->revision >= 2 && r->xsdt && checksum_ok(r, 36);
	paddr_t root = x ? r->xsdt : r->rsdt;
	vmarea_free((void *)ALIGN_DOWN((uintptr_t)r, PAGE_SIZE), rmap, 0);
	if (!ok)
		return NULL;

	size_t rootmap;
	const struct sdt_header *rt = map_table(root, &rootmap);
	if (!rt)
		return NULL;
	size_t esz = x ? 8 : 4, n = (rt->length - sizeof(*rt)) / esz;
	const struct sdt_header *found = NULL;
	for (size_t i = 0; i < n && !found; i++) {
		const uint8_t *e = (const uint8_t *)rt + sizeof(*rt) + i * esz;
		paddr_t pa = x ? *(const uint64_t *)e : *(const uint32_t *)e;
		size_t m;
		const struct sdt_header *t = map_table(pa, &m);
		if (!t)
			continue;
		if (!memcmp(t->sig, sig, 4)) {
			found = t;
			*mapped = m;
		} else {
			unmap_table(t, m);
		}
	}
	unmap_table(rt, rootmap);
	return found;
}

int acpi_read_madt(paddr_t rsdp_pa, struct acpi_madt_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!rsdp_pa)
		return -ENOENT;
	size_t m;
	const struct sdt_header *t = find_table(rsdp_pa, "APIC", &m);
	if (!t)
		return -ENOENT;
	parse_madt(t, out);
	unmap_table(t, m);
	return out->nr_cpus ? 0 : -EINVAL;
}

int acpi_find_devices(paddr_t rsdp, const char *hid,
		      void (*fn)(const struct acpi_dev_res *r, void *ctx), void *ctx)
{
	size_t fm, dm;
	const struct sdt_header *fadt = find_table(rsdp, "FACP", &fm);
	if (!fadt)
		return -ENOENT;
	paddr_t dsdt = fadt->length >= 44 ? *(const uint32_t *)((const uint8_t *)fadt + 40) : 0;
	if (fadt->length >= 148 && *(const uint64_t *)((const uint8_t *)fadt + 140))
		dsdt = *(const uint64_t *)((const uint8_t *)fadt + 140);
	unmap_table(fadt, fm);
	if (!dsdt)
		return -ENOENT;
	const struct sdt_header *t = map_table(dsdt, &dm);
	if (!t) {
		printk("jiny: acpi: the DSDT at %#lx is unreadable (bad length or checksum)\n",
		       (unsigned long)dsdt);
		return -EINVAL;
	}
	if (memcmp(t->sig, "DSDT", 4)) {
		unmap_table(t, dm);
		return -EINVAL;
	}
	int n = aml_find_devices((const uint8_t *)t, t->length, "DSDT", hid, fn, ctx);
	unmap_table(t, dm);
	return n;
}
