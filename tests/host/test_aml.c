/*
 * test_aml.c - host tests of the DSDT walker (libjiny/drivers/aml.c) on
 * AML built by hand the way QEMU 7.2 microvm writes its DSDT: Scope(\_SB)
 * with a serial port (EISA _HID, IRQNoFlags), a GED device with a Method,
 * an OperationRegion and a Field (all to be skipped), and virtio-mmio slots
 * (LNRO0005, Memory32Fixed + Extended Interrupt), one of them nested and
 * one behind a multi-byte PkgLength.
 *
 * Checked: every LNRO0005 device is found with its window, GSI and
 * trigger; EISA ids decode ("PNP0501"); malformed AML (a length past its
 * parent, a truncated resource descriptor, a bad NameString, an
 * unterminated string, a table shorter than its header) gives an error
 * naming the table and the exact byte offset, and the devices before it
 * are still found; an opcode the walker does not know ends its scope
 * quietly. A fuzzer flips bytes of the good table: never a crash or an
 * out-of-bounds read (ASan), never a made-up device.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "host_shim.h"
#include "drivers/aml.h"

bool kern_verbose;

struct aml {
	uint8_t b[8192];
	size_t n;
};

static void put(struct aml *a, const void *p, size_t n)
{
	assert_true(a->n + n <= sizeof(a->b));
	memcpy(a->b + a->n, p, n);
	a->n += n;
}
static void put8(struct aml *a, uint8_t v) { put(a, &v, 1); }
static void put32(struct aml *a, uint32_t v) { put(a, &v, 4); }
static void seg(struct aml *a, const char *s) { put(a, s, 4); }

/* op bytes, then a PkgLength for body (minimal encoding unless 'wide'), then body. */
static void pkg(struct aml *a, const uint8_t *op, size_t opn, const struct aml *body, bool wide)
{
	put(a, op, opn);
	size_t len = body->n;
	if (!wide && len + 1 < 64) {
		put8(a, (uint8_t)(len + 1));
	} else {
		size_t total = len + 2;
		assert_true(total < 4096);
		put8(a, (uint8_t)(0x40 | (total & 0xf)));
		put8(a, (uint8_t)(total >> 4));
	}
	put(a, body->b, body->n);
}

static void name_str(struct aml *a, const char *name, const char *s)
{
	put8(a, 0x08);
	seg(a, name);
	put8(a, 0x0d);
	put(a, s, strlen(s) + 1);
}

static void name_int(struct aml *a, const char *name, uint32_t v)
{
	put8(a, 0x08);
	seg(a, name);
	put8(a, 0x0c);
	put32(a, v);
}

/* Name(_CRS, ResourceTemplate() { Memory32Fixed(base, len), Interrupt(Level, High) {gsi} }) */
static void crs_virtio(struct aml *a, uint32_t base, uint32_t len, uint32_t gsi)
{
	struct aml r = { .n = 0 };
	put8(&r, 0x0a); /* BufferSize: a byte constant */
	put8(&r, 9 + 3 + 9 + 2);
	const uint8_t m32[] = { 0x86, 0x09, 0x00, 0x01 };
	put(&r, m32, sizeof(m32));
	put32(&r, base);
	put32(&r, len);
	const uint8_t ext[] = { 0x89, 0x06, 0x00, 0x01, 0x01 }; /* consumer, level, high; 1 irq */
	put(&r, ext, sizeof(ext));
	put32(&r, gsi);
	const uint8_t end[] = { 0x79, 0x00 };
	put(&r, end, 2);
	put8(a, 0x08);
	seg(a, "_CRS");
	const uint8_t op = 0x11;
	pkg(a, &op, 1, &r, false);
}

static const uint8_t DEVICE[] = { 0x5b, 0x82 };

static void virtio_dev(struct aml *a, const char *name, uint32_t base, uint32_t gsi, bool wide)
{
	struct aml d = { .n = 0 };
	seg(&d, name);
	name_str(&d, "_HID", "LNRO0005");
	name_int(&d, "_UID", gsi);
	put8(&d, 0x08), seg(&d, "_CCA"), put8(&d, 0x01);
	crs_virtio(&d, base, 0x200, gsi);
	pkg(a, DEVICE, 2, &d, wide);
}

/* The whole table; *vr_off gets the offset of the third virtio device's DeviceOp. */
static void build(struct aml *t, size_t *vr_off)
{
	struct aml sb = { .n = 0 };
	put8(&sb, '\\');
	seg(&sb, "_SB_");
	/* COM1: EisaId("PNP0501"), IRQNoFlags() {4} */
	struct aml com = { .n = 0 };
	seg(&com, "COM1");
	name_int(&com, "_HID", 0x0105d041);
	put8(&com, 0x08), seg(&com, "_UID"), put8(&com, 0x01);
	struct aml r = { .n = 0 };
	const uint8_t res[] = { 0x0a, 5, 0x22, 0x10, 0x00, 0x79, 0x00 };
	put(&r, res, sizeof(res));
	put8(&com, 0x08), seg(&com, "_CRS");
	const uint8_t bop = 0x11;
	pkg(&com, &bop, 1, &r, false);
	pkg(&sb, DEVICE, 2, &com, false);
	/* GED: a Method, an OperationRegion, a Field */
	struct aml ged = { .n = 0 };
	seg(&ged, "GED_");
	name_str(&ged, "_HID", "ACPI0013");
	struct aml m = { .n = 0 };
	seg(&m, "_EVT");
	const uint8_t body[] = { 0x01, 0xa0, 0x05, 0x93, 0x68, 0x0a, 0x10, 0xa4, 0x01 };
	put(&m, body, sizeof(body));
	const uint8_t mop = 0x14;
	pkg(&ged, &mop, 1, &m, false);
	const uint8_t opreg[] = { 0x5b, 0x80, 'R', 'E', 'G', 'N', 0x00, 0x0c, 0x00, 0x00, 0xea, 0xfe,
				  0x0a, 0x10 };
	put(&ged, opreg, sizeof(opreg));
	struct aml f = { .n = 0 };
	const uint8_t fbody[] = { 'R', 'E', 'G', 'N', 0x03, 'E', 'S', 'E', 'L', 0x20 };
	put(&f, fbody, sizeof(fbody));
	const uint8_t fop[] = { 0x5b, 0x81 };
	pkg(&ged, fop, 2, &f, false);
	pkg(&sb, DEVICE, 2, &ged, false);
	/* three virtio slots: plain, nested in a device, with a 2-byte PkgLength */
	virtio_dev(&sb, "VR00", 0xfeb00000, 16, false);
	struct aml outer = { .n = 0 };
	seg(&outer, "OUTR");
	virtio_dev(&outer, "VR01", 0xfeb00200, 17, false);
	pkg(&sb, DEVICE, 2, &outer, false);
	*vr_off = sb.n;
	virtio_dev(&sb, "VR23", 0xfeb02e00, 47, true);

	t->n = 0;
	struct aml hdr = { .n = 36 };
	memcpy(hdr.b, "DSDT", 4);
	put(t, hdr.b, 36);
	const uint8_t sop = 0x10;
	size_t before = t->n;
	pkg(t, &sop, 1, &sb, true);
	*vr_off += before + 1 + 2; /* ScopeOp, 2-byte PkgLength */
	uint32_t len = (uint32_t)t->n;
	memcpy(t->b + 4, &len, 4);
}

struct found {
	int n;
	struct acpi_dev_res r[8];
};

static void collect(const struct acpi_dev_res *r, void *ctx)
{
	struct found *f = ctx;
	if (f->n < 8)
		f->r[f->n] = *r;
	f->n++;
}

static void test_microvm_like(void **state)
{
	struct aml t;
	size_t off;
	build(&t, &off);
	struct found f = { 0 };
	assert_int_equal(aml_find_devices(t.b, t.n, "DSDT", "LNRO0005", collect, &f), 3);
	assert_int_equal(f.n, 3);
	const char *names[] = { "VR00", "VR01", "VR23" };
	uint32_t base[] = { 0xfeb00000, 0xfeb00200, 0xfeb02e00 }, gsi[] = { 16, 17, 47 };
	for (int i = 0; i < 3; i++) {
		assert_string_equal(f.r[i].name, names[i]);
		assert_true(f.r[i].has_mem && f.r[i].has_irq);
		assert_int_equal(f.r[i].mem_base, base[i]);
		assert_int_equal(f.r[i].mem_len, 0x200);
		assert_int_equal(f.r[i].irq, gsi[i]);
		assert_true(f.r[i].level);
		assert_false(f.r[i].active_low);
	}
	assert_int_equal(f.r[2].aml_offset, off);
	struct found c = { 0 };
	assert_int_equal(aml_find_devices(t.b, t.n, "DSDT", "PNP0501", collect, &c), 1);
	assert_string_equal(c.r[0].hid, "PNP0501");
	assert_int_equal(c.r[0].irq, 4);
	assert_false(c.r[0].level); /* IRQNoFlags: ISA edge, high */
	assert_false(c.r[0].has_mem);
}

/* Expect one malformed-AML message at exactly 'at'. */
static void expect_error(const uint8_t *b, size_t n, size_t at, const char *what, int found)
{
	char want[160];
	snprintf(want, sizeof(want), "acpi: DSDT+%#zx: malformed AML: %s", at, what);
	host_printk_last[0] = 0;
	struct found f = { 0 };
	uint8_t *copy = malloc(n); /* exact size: ASan sees any overread */
	memcpy(copy, b, n);
	assert_int_equal(aml_find_devices(copy, n, "DSDT", "LNRO0005", collect, &f), found);
	free(copy);
	if (!strstr(host_printk_last, want))
		fail_msg("got \"%s\", want \"%s\"", host_printk_last, want);
}

static void test_malformed(void **state)
{
	struct aml t;
	size_t off;
	build(&t, &off);
	/* VR23's PkgLength (2 bytes after its DeviceOp) claims 0x7ff bytes. */
	struct aml bad = t;
	bad.b[off + 2] = 0x4f, bad.b[off + 3] = 0x7f;
	expect_error(bad.b, bad.n, off + 2, "object length runs past its parent", 2);
	/* The table cut inside VR23's _CRS: the Scope's length runs past the table. */
	expect_error(t.b, t.n - 10, 37, "object length runs past its parent", 0);
	/* VR23's _CRS: Memory32Fixed's length 9 -> 0x40 runs past the buffer. */
	bad = t;
	uint8_t *m = memmem(bad.b + off, bad.n - off, "\x86\x09\x00\x01", 4);
	assert_non_null(m);
	m[1] = 0x40;
	expect_error(bad.b, bad.n, (size_t)(m - bad.b), "resource descriptor past the end of _CRS", 3);
	/* a bad NameString: VR23's own name */
	bad = t;
	bad.b[off + 4] = '!';
	expect_error(bad.b, bad.n, off + 4, "bad NameString", 2);
	/* an unterminated string: VR23's _HID runs into ... the table's end */
	bad = t;
	uint8_t *h = memmem(bad.b + off, bad.n - off, "LNRO0005", 8);
	assert_non_null(h);
	memset(h, 'A', bad.b + bad.n - h);
	expect_error(bad.b, bad.n, (size_t)(h - 1 - bad.b), "unterminated String", 2);
	/* shorter than its header */
	expect_error(t.b, 20, 0, "table shorter than its header", -EINVAL);
}

static void test_unknown_opcode_skips_scope(void **state)
{
	struct aml t;
	size_t off;
	build(&t, &off);
	/* VR23's DeviceOp replaced by an opcode the walker does not know (0x70,
	 * Store): the walk of \_SB stops there, the two devices before it are
	 * found, and nothing is reported as malformed. */
	t.b[off] = 0x70;
	host_printk_last[0] = 0;
	struct found f = { 0 };
	assert_int_equal(aml_find_devices(t.b, t.n, "DSDT", "LNRO0005", collect, &f), 2);
	assert_null(strstr(host_printk_last, "malformed"));
}

static void test_fuzz(void **state)
{
	struct aml t;
	size_t off;
	build(&t, &off);
	srand(11);
	for (int i = 0; i < 20000; i++) {
		size_t n = 36 + rand() % (t.n - 35);
		uint8_t *c = malloc(n);
		memcpy(c, t.b, n);
		for (int k = 0; n > 36 && k < 1 + rand() % 4; k++)
			c[36 + rand() % (n - 36)] = (uint8_t)rand();
		struct found f = { 0 };
		int r = aml_find_devices(c, n, "DSDT", "LNRO0005", collect, &f);
		assert_true(r >= 0 && r <= 3 + 1);
		for (int k = 0; k < f.n && k < 8; k++)
			assert_string_equal(f.r[k].hid, "LNRO0005");
		free(c);
	}
}

int main(void)
{
	host_kmalloc_setup();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_microvm_like),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_opcode_skips_scope),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
