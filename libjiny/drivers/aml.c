/*
 * aml.c - a small AML walker (contract in aml.h; ACPI 6.x chapter 20),
 * enough to find devices by _HID in QEMU's DSDT with their _CRS: called by
 * drivers/acpi.c on the mapped table, and by tests/host/test_aml.c on
 * hand-made tables. Pure logic over a byte buffer.
 *
 * What it understands: Scope and Device bodies are
 * walked, Name objects read (_HID as a string or an EISA id, _CRS as a
 * resource-template Buffer), and every other object that carries a
 * PkgLength (Method, If/Else, Field, ...) is skipped whole. An opcode it
 * does not know ends the walk of its enclosing Scope or Device quietly
 * (with `verbose`, a line says where): that part is not describing virtio.
 * A length that runs past its parent's end is malformed AML: an error
 * names the table and the byte offset, and that part is skipped.
 */
#include "drivers/aml.h"
#include "kern/errno.h"

extern bool kern_verbose;

struct aml_walk {
	const uint8_t *base;          /* the table, for offsets in messages */
	const char *table;            /* "DSDT" */
	const char *hid;              /* wanted */
	void (*fn)(const struct acpi_dev_res *r, void *ctx);
	void *ctx;
	int found, errors;
};

static void aml_error(struct aml_walk *w, const uint8_t *p, const char *what)
{
	w->errors++;
	printk("jiny: acpi: %s+%#lx: malformed AML: %s\n", w->table,
	       (unsigned long)(p - w->base), what);
}

/* PkgLength at p: the object's end (p + its length), or NULL if malformed. */
static const uint8_t *aml_pkg_end(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
				  const uint8_t **body)
{
	if (p >= end) {
		aml_error(w, p, "PkgLength past the end");
		return NULL;
	}
	unsigned nb = p[0] >> 6;
	uint32_t len = nb ? p[0] & 0x0f : p[0] & 0x3f;
	if (p + 1 + nb > end) {
		aml_error(w, p, "PkgLength past the end");
		return NULL;
	}
	for (unsigned i = 0; i < nb; i++)
		len |= (uint32_t)p[1 + i] << (4 + 8 * i);
	if (len < 1 + nb || len > (size_t)(end - p)) {
		aml_error(w, p, "object length runs past its parent");
		return NULL;
	}
	*body = p + 1 + nb;
	return p + len;
}

static bool name_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A NameString at p; its last segment into seg[4]. Returns what follows, NULL if malformed. */
static const uint8_t *aml_name(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
			       char seg[4])
{
	while (p < end && (*p == '\\' || *p == '^'))
		p++;
	unsigned nseg = 1;
	if (p < end && *p == 0x2e) {
		nseg = 2, p++;
	} else if (p < end && *p == 0x2f) {
		if (++p >= end)
			goto bad;
		nseg = *p++;
	} else if (p < end && *p == 0x00) {
		memset(seg, 0, 4);
		return p + 1;
	}
	if (!nseg || (size_t)(end - p) < 4 * (size_t)nseg)
		goto bad;
	for (unsigned i = 0; i < 4 * nseg; i++)
		if (!name_char(p[i]))
			goto bad;
	memcpy(seg, p + 4 * (nseg - 1), 4);
	return p + 4 * nseg;
bad:
	aml_error(w, p, "bad NameString");
	return NULL;
}

/* An integer constant (ZeroOp, OneOp, OnesOp, Byte/Word/DWord/QWordPrefix); NULL if not one. */
static const uint8_t *aml_int(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	static const uint8_t size[] = { [0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8 };
	if (p >= end)
		return NULL;
	if (*p == 0x00 || *p == 0x01) {
		*v = *p;
		return p + 1;
	}
	if (*p == 0xff) {
		*v = ~0ULL;
		return p + 1;
	}
	unsigned n = *p < sizeof(size) ? size[*p] : 0;
	if (!n || p + 1 + n > end)
		return NULL;
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return p + 1 + n;
}

/* Decode a compressed EISA id ("PNP0501") from its AML DWord. */
static void eisa_id(uint32_t v, char out[9])
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t b = __builtin_bswap32(v);
	out[0] = (char)('@' + ((b >> 26) & 0x1f));
	out[1] = (char)('@' + ((b >> 21) & 0x1f));
	out[2] = (char)('@' + ((b >> 16) & 0x1f));
	for (int i = 0; i < 4; i++)
		out[3 + i] = hex[(b >> (12 - 4 * i)) & 0xf];
	out[7] = 0;
}

/* AML data is byte-packed: multi-byte fields are read unaligned. */
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Resource descriptors of a _CRS buffer [p, end). */
static void aml_resources(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
			  struct acpi_dev_res *r)
{
	while (p < end) {
		if (!(p[0] & 0x80)) { /* small item */
			unsigned type = (p[0] >> 3) & 0x0f, len = p[0] & 7;
			if (p + 1 + len > end) {
				aml_error(w, p, "resource descriptor past the end of _CRS");
				return;
			}
			if (type == 0x0f) /* end tag */
				return;
			if (type == 0x04 && len >= 2 && !r->has_irq) { /* IRQ: ISA edge high unless flags */
				uint16_t mask = (uint16_t)(p[1] | p[2] << 8);
				uint8_t fl = len >= 3 ? p[3] : 1;
				if (mask) {
					r->has_irq = true;
					r->irq = (uint32_t)__builtin_ctz(mask);
					r->level = !(fl & 1);
					r->active_low = fl & 8;
				}
			}
			p += 1 + len;
			continue;
		}
		if (p + 3 > end) {
			aml_error(w, p, "resource descriptor past the end of _CRS");
			return;
		}
		unsigned type = p[0] & 0x7f, len = (unsigned)(p[1] | p[2] << 8);
		const uint8_t *d = p + 3;
		if (d + len > end) {
			aml_error(w, p, "resource descriptor past the end of _CRS");
			return;
		}
		if (type == 0x06 && len >= 9 && !r->has_mem) { /* Memory32Fixed */
			r->has_mem = true;
			r->mem_base = get32(d + 1);
			r->mem_len = get32(d + 5);
		} else if (type == 0x05 && len >= 17 && !r->has_mem) { /* Memory32: its minimum */
			r->has_mem = true;
			r->mem_base = get32(d + 1);
			r->mem_len = get32(d + 13);
		} else if (type == 0x09 && len >= 6 && d[1] && !r->has_irq) { /* Extended Interrupt */
			r->has_irq = true;
			r->level = !(d[0] & 2);
			r->active_low = d[0] & 4;
			r->irq = get32(d + 2);
		}
		p = d + len;
	}
}

static void aml_terms(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
		      struct acpi_dev_res *dev);

/* Name(SEG, DataObject): _HID and _CRS are kept for the enclosing Device. */
static const uint8_t *aml_name_obj(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
				   struct acpi_dev_res *dev)
{
	char seg[4];
	const uint8_t *q = aml_name(w, p, end, seg);
	if (!q || q >= end) {
		if (q)
			aml_error(w, q, "Name without a value");
		return NULL;
	}
	bool hid = dev && !memcmp(seg, "_HID", 4), crs = dev && !memcmp(seg, "_CRS", 4);
	uint64_t v;
	const uint8_t *after = aml_int(q, end, &v);
	if (after) {
		if (hid && *q == 0x0c)
			eisa_id((uint32_t)v, dev->hid);
		return after;
	}
	if (*q == 0x0d) { /* String */
		const uint8_t *s = q + 1;
		while (s < end && *s)
			s++;
		if (s >= end) {
			aml_error(w, q, "unterminated String");
			return NULL;
		}
		if (hid) {
			size_t n = MIN((size_t)(s - q - 1), sizeof(dev->hid) - 1);
			memcpy(dev->hid, q + 1, n);
			dev->hid[n] = 0;
		}
		return s + 1;
	}
	if (*q == 0x11 || *q == 0x12 || *q == 0x13) { /* Buffer, Package, VarPackage */
		const uint8_t *body, *oend = aml_pkg_end(w, q + 1, end, &body);
		if (!oend)
			return NULL;
		if (crs && *q == 0x11) {
			const uint8_t *data = aml_int(body, oend, &v); /* BufferSize */
			if (!data) {
				aml_error(w, body, "_CRS Buffer without a constant size");
				return oend;
			}
			aml_resources(w, data, oend, dev);
		}
		return oend;
	}
	return NULL; /* not understood: the caller stops this scope */
}

static void aml_terms(struct aml_walk *w, const uint8_t *p, const uint8_t *end,
		      struct acpi_dev_res *dev)
{
	char seg[4];
	while (p < end) {
		const uint8_t *op = p, *body, *oend;
		uint64_t v;
		uint8_t c = *p++;
		if (c == 0x5b) {
			if (p >= end)
				break;
			uint8_t c2 = *p++;
			switch (c2) {
			case 0x82: { /* Device */
				if (!(oend = aml_pkg_end(w, p, end, &body)))
					return;
				const uint8_t *q = aml_name(w, body, oend, seg);
				if (q) {
					struct acpi_dev_res r = { .aml_offset = (uint32_t)(op - w->base) };
					memcpy(r.name, seg, 4);
					aml_terms(w, q, oend, &r);
					if (w->hid && !strcmp(r.hid, w->hid)) {
						w->found++;
						w->fn(&r, w->ctx);
					}
				}
				p = oend;
				continue;
			}
			case 0x81: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
				/* Field, Processor, PowerResource, ThermalZone, IndexField, BankField */
				if (!(oend = aml_pkg_end(w, p, end, &body)))
					return;
				p = oend;
				continue;
			case 0x80: /* OperationRegion: name, space, offset, length (constants) */
				if (!(p = aml_name(w, p, end, seg)) || ++p > end ||
				    !(p = aml_int(p, end, &v)) || !(p = aml_int(p, end, &v)))
					goto unknown;
				continue;
			case 0x01: /* Mutex: name, flags */
				if (!(p = aml_name(w, p, end, seg)) || ++p > end)
					return;
				continue;
			case 0x02: /* Event */
				if (!(p = aml_name(w, p, end, seg)))
					return;
				continue;
			default:
				goto unknown;
			}
		}
		switch (c) {
		case 0x10: /* Scope */
			if (!(oend = aml_pkg_end(w, p, end, &body)))
				return;
			if ((body = aml_name(w, body, oend, seg)))
				aml_terms(w, body, oend, NULL);
			p = oend;
			continue;
		case 0x14: case 0xa0: case 0xa1: case 0xa2: /* Method, If, Else, While */
		case 0x11: case 0x12: case 0x13:            /* Buffer, Package, VarPackage */
			if (!(oend = aml_pkg_end(w, p, end, &body)))
				return;
			p = oend;
			continue;
		case 0x08: /* Name */
			if (!(p = aml_name_obj(w, p, end, dev)))
				goto unknown;
			continue;
		case 0x06: /* Alias */
			if (!(p = aml_name(w, p, end, seg)) || !(p = aml_name(w, p, end, seg)))
				return;
			continue;
		case 0x15: /* External: name, type, argument count */
			if (!(p = aml_name(w, p, end, seg)) || (p += 2) > end)
				return;
			continue;
		default:
			goto unknown;
		}
	unknown:
		if (kern_verbose)
			printk("jiny: acpi: %s+%#lx: AML opcode %#x not walked; the rest of "
			       "its scope is skipped\n", w->table, (unsigned long)(op - w->base), *op);
		return;
	}
}

int aml_find_devices(const uint8_t *table, size_t len, const char *sig, const char *hid,
		     void (*fn)(const struct acpi_dev_res *r, void *ctx), void *ctx)
{
	struct aml_walk w = { table, sig, hid, fn, ctx, 0, 0 };
	if (len < 36) {
		aml_error(&w, table, "table shorter than its header");
		return -EINVAL;
	}
	aml_terms(&w, table + 36, table + len, NULL);
	return w.found;
}
