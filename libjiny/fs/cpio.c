/*
 * cpio.c - the newc/crc cpio parser (contract in cpio.h). Pure logic over a
 * memory buffer: fs/initramfs.c uses it at boot, tests/host/test_cpio.c on
 * the host (with archives from the real cpio and a fuzzer).
 *
 * An entry is: a 110-byte header ("070701" or "070702", then 13 fields of 8
 * hex digits), the name (namesize bytes, NUL included), NUL padding to a
 * multiple of 4 bytes, the data (filesize bytes), padding to 4 again. The
 * offsets are counted from the start of the buffer; every archive of a
 * concatenation starts on a 4-byte boundary. parse_entry() checks all of it
 * before the walk calls anything.
 */
#include "fs/cpio.h"
#include "kern/errno.h"

/* File types (Linux values); kept local so the parser needs only kern.h. */
#define C_IFMT 0170000
#define C_IFSOCK 0140000
#define C_IFLNK 0120000
#define C_IFREG 0100000
#define C_IFBLK 0060000
#define C_IFDIR 0040000
#define C_IFCHR 0020000
#define C_IFIFO 0010000

enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR,
	F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT
};
static const char *const field_names[F_COUNT] = {
	"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor",
	"devminor", "rdevmajor", "rdevminor", "namesize", "check",
};

/* One header, decoded and checked. */
struct raw {
	uint32_t f[F_COUNT];
	const char *name;  /* NUL-terminated inside the buffer */
	size_t data_off;   /* start of the data */
	size_t next_off;   /* the next header (or the end of the buffer) */
	bool crc;          /* 070702: the check field is the data's byte sum */
	bool trailer;      /* "TRAILER!!!" */
};

/* The error text of an entry: "entry 'name' at offset 0x..: ..." (err may be NULL). */
static void __attribute__((format(printf, 5, 6)))
entry_err(char *err, const char *name, unsigned index, size_t off, const char *fmt, ...)
{
	char shown[72];
	va_list ap;
	int n;

	if (!err)
		return;
	if (name) {
		/* At most 64 bytes of the name, unprintable bytes as '?'. */
		size_t i;
		for (i = 0; name[i] && i < 64; i++)
			shown[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
		if (name[i])
			shown[i++] = '.', shown[i++] = '.', shown[i++] = '.';
		shown[i] = 0;
		n = ksnprintf(err, CPIO_ERR_MAX, "entry '%s' at offset 0x%zx: ", shown, off);
	} else {
		n = ksnprintf(err, CPIO_ERR_MAX, "entry #%u at offset 0x%zx: ", index, off);
	}
	if (n < 0 || n >= CPIO_ERR_MAX)
		return;
	va_start(ap, fmt);
	kvsnprintf(err + n, CPIO_ERR_MAX - n, fmt, ap);
	va_end(ap);
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Printable copy of n bytes for a message (n <= 8). */
static void show_bytes(const uint8_t *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	out[n] = 0;
}

const char *cpio_normalize_path(const char *name, size_t len, char *out)
{
	const char *s = name, *end = name + len;
	size_t o = 0;

	while (s < end) {
		const char *c;
		size_t n;

		while (s < end && *s == '/')
			s++;
		c = s;
		while (s < end && *s != '/')
			s++;
		n = s - c;
		if (n == 0)
			break;
		if (n == 1 && c[0] == '.')
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "the path has a '..' component";
		if (n > CPIO_NAME_MAX)
			return "a path component is longer than 255 bytes";
		if (o + 1 + n + 1 > CPIO_PATH_MAX)
			return "the path is longer than 4095 bytes";
		out[o++] = '/';
		memcpy(out + o, c, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return NULL;
}

/* What a buffer that is not a newc/crc cpio looks like, for the error message. */
static const char *compressed_kind(const uint8_t *b, size_t n)
{
	static const struct { const char *name; uint8_t len, magic[6]; } kinds[] = {
		{ "gzip", 2, { 0x1f, 0x8b } },
		{ "gzip", 2, { 0x1f, 0x9e } },
		{ "bzip2", 3, { 'B', 'Z', 'h' } },
		{ "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0 } },
		{ "lzma", 3, { 0x5d, 0, 0 } },
		{ "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd } },
		{ "lz4", 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ "lzo", 4, { 0x89, 'L', 'Z', 'O' } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (n >= kinds[i].len && memcmp(b, kinds[i].magic, kinds[i].len) == 0)
			return kinds[i].name;
	return NULL;
}

/*
 * Decode and check the entry at off (index: its number, for messages). With
 * path != NULL also normalize its name there; with target != NULL copy a
 * symlink's target there. 0 or -EINVAL with err set (err may be NULL).
 */
static int parse_entry(const uint8_t *b, size_t len, size_t off, unsigned index,
		       struct raw *r, char *path, char *target, char *err)
{
	size_t left = len - off, namesize, filesize, name_end;
	const char *name = NULL, *why;
	unsigned type;
	char shown[9];

	memset(r, 0, sizeof(*r));
	if (left < 6 || memcmp(b + off, "07070", 5) != 0 ||
	    (b[off + 5] != '1' && b[off + 5] != '2')) {
		show_bytes(b + off, MIN(left, 6), shown);
		if (left >= 6 && memcmp(b + off, "070707", 6) == 0)
			entry_err(err, NULL, index, off, "old portable (odc) cpio format, not "
				  "supported: use 'cpio -o -H newc'");
		else
			entry_err(err, NULL, index, off, "bad magic \"%s\" (expected 070701 newc "
				  "or 070702 crc)", shown);
		return -EINVAL;
	}
	r->crc = b[off + 5] == '2';
	if (left < CPIO_HEADER_SIZE) {
		entry_err(err, NULL, index, off, "truncated header: %zu of %d bytes before the "
			  "end of the archive (%zu bytes)", left, CPIO_HEADER_SIZE, len);
		return -EINVAL;
	}
	for (int i = 0; i < F_COUNT; i++) {
		const uint8_t *h = b + off + 6 + 8 * i;
		uint32_t v = 0;
		for (int j = 0; j < 8; j++) {
			int d = hexval(h[j]);
			if (d < 0) {
				show_bytes(h, 8, shown);
				entry_err(err, NULL, index, off, "header field %s is not 8 hex "
					  "digits: \"%s\"", field_names[i], shown);
				return -EINVAL;
			}
			v = v << 4 | d;
		}
		r->f[i] = v;
	}

	/* The name: namesize counts its NUL. */
	namesize = r->f[F_NAMESIZE];
	if (namesize < 2) {
		entry_err(err, NULL, index, off, "name size %zu: an empty name (the size "
			  "counts the NUL)", namesize);
		return -EINVAL;
	}
	if (namesize > CPIO_PATH_MAX) {
		entry_err(err, NULL, index, off, "name size %zu exceeds the path limit of %d "
			  "bytes", namesize, CPIO_PATH_MAX);
		return -EINVAL;
	}
	if (namesize > left - CPIO_HEADER_SIZE) {
		entry_err(err, NULL, index, off, "name (%zu bytes) runs past the end of the "
			  "archive (%zu bytes)", namesize, len);
		return -EINVAL;
	}
	name = (const char *)b + off + CPIO_HEADER_SIZE;
	if (name[namesize - 1] != 0) {
		entry_err(err, NULL, index, off, "name is not NUL-terminated (name size %zu)",
			  namesize);
		return -EINVAL;
	}
	if (strnlen(name, namesize) != namesize - 1) {
		entry_err(err, name, index, off, "name has a NUL byte at %zu but the name size "
			  "is %zu", strnlen(name, namesize), namesize);
		return -EINVAL;
	}
	r->name = name;

	/* From here on the messages name the entry. */
	name_end = off + CPIO_HEADER_SIZE + namesize;
	r->trailer = strcmp(name, "TRAILER!!!") == 0;
	r->data_off = ALIGN_UP(name_end, 4);
	filesize = r->f[F_FILESIZE];
	if (r->trailer && filesize == 0) {
		/* Lenient: an archive cut right after its trailer's name is whole. */
		r->next_off = MIN(r->data_off, len);
		return 0;
	}
	if (r->data_off > len) {
		entry_err(err, name, index, off, "the archive ends (%zu bytes) inside the "
			  "padding after the name", len);
		return -EINVAL;
	}
	for (size_t i = name_end; i < r->data_off; i++) {
		if (b[i]) {
			entry_err(err, name, index, off, "padding after the name is not NUL "
				  "(byte 0x%02x at offset 0x%zx)", b[i], i);
			return -EINVAL;
		}
	}
	if (filesize > len - r->data_off) {
		entry_err(err, name, index, off, "file size %zu runs past the end of the "
			  "archive (%zu bytes)", filesize, len);
		return -EINVAL;
	}
	r->next_off = MIN(ALIGN_UP(r->data_off + filesize, 4), len);
	if (r->trailer)
		return 0;

	/* The type, and what each type may carry. */
	if (r->f[F_MODE] & ~0177777u) {
		entry_err(err, name, index, off, "mode 0%o has bits beyond the file type and "
			  "permissions", r->f[F_MODE]);
		return -EINVAL;
	}
	type = r->f[F_MODE] & C_IFMT;
	switch (type) {
	case C_IFREG:
		if (r->crc) {
			uint32_t sum = 0;
			for (size_t i = 0; i < filesize; i++)
				sum += b[r->data_off + i];
			if (sum != r->f[F_CHECK]) {
				entry_err(err, name, index, off, "checksum mismatch: the header "
					  "says 0x%08x, the data sums to 0x%08x",
					  r->f[F_CHECK], sum);
				return -EINVAL;
			}
		}
		break;
	case C_IFDIR:
		if (filesize) {
			entry_err(err, name, index, off, "a directory with file size %zu",
				  filesize);
			return -EINVAL;
		}
		break;
	case C_IFLNK:
		if (filesize == 0 || filesize >= CPIO_PATH_MAX) {
			entry_err(err, name, index, off, "symlink target of %zu bytes (1 to "
				  "%d allowed)", filesize, CPIO_PATH_MAX - 1);
			return -EINVAL;
		}
		if (strnlen((const char *)b + r->data_off, filesize) != filesize) {
			entry_err(err, name, index, off, "symlink target contains a NUL byte");
			return -EINVAL;
		}
		if (target) {
			memcpy(target, b + r->data_off, filesize);
			target[filesize] = 0;
		}
		break;
	case C_IFCHR:
	case C_IFBLK:
	case C_IFIFO:
	case C_IFSOCK:
		if (filesize) {
			entry_err(err, name, index, off, "a device, fifo or socket with file "
				  "size %zu", filesize);
			return -EINVAL;
		}
		break;
	default:
		entry_err(err, name, index, off, "unknown file type in mode 0%o",
			  r->f[F_MODE]);
		return -EINVAL;
	}

	if (path) {
		why = cpio_normalize_path(name, namesize - 1, path);
		if (why) {
			entry_err(err, name, index, off, "%s", why);
			return -EINVAL;
		}
		if (type != C_IFDIR && strcmp(path, "/") == 0) {
			entry_err(err, name, index, off, "only a directory can be the root");
			return -EINVAL;
		}
	}
	return 0;
}

static bool same_link_group(const struct raw *a, const struct raw *b)
{
	return (a->f[F_MODE] & C_IFMT) == C_IFREG && a->f[F_NLINK] > 1 &&
	       a->f[F_INO] == b->f[F_INO] && a->f[F_DEVMAJOR] == b->f[F_DEVMAJOR] &&
	       a->f[F_DEVMINOR] == b->f[F_DEVMINOR];
}

/*
 * A hard-linked file r at off, in the archive that starts at 'start': if an
 * earlier entry of its group exists, copy its path into 'first' and return
 * true. Otherwise return false and point *data, *size at the group's data
 * (the first entry at or after off that has some; none: empty).
 */
static bool find_link_group(const uint8_t *b, size_t len, size_t start, size_t off,
			    const struct raw *r, char *first, const void **data, size_t *size)
{
	struct raw o;
	size_t at;

	for (at = start; at < off; at = o.next_off) {
		if (parse_entry(b, len, at, 0, &o, NULL, NULL, NULL) || o.trailer)
			break; /* cannot happen: these entries were checked already */
		if (same_link_group(&o, r)) {
			if (cpio_normalize_path(o.name, o.f[F_NAMESIZE] - 1, first))
				break;
			return true;
		}
	}
	*data = b + r->data_off;
	*size = r->f[F_FILESIZE];
	for (at = off; !*size && at < len; at = o.next_off) {
		if (parse_entry(b, len, at, 0, &o, NULL, NULL, NULL) || o.trailer)
			break; /* a bad entry ends the search; the walk reports it */
		if (same_link_group(&o, r) && o.f[F_FILESIZE]) {
			*data = b + o.data_off;
			*size = o.f[F_FILESIZE];
		}
	}
	return false;
}

/* Between archives: skip NUL padding; 1 at the end, 0 at the next archive, or an error. */
static int next_archive(struct cpio_parser *p, const uint8_t *b, size_t len, size_t *off)
{
	const char *kind;

	while (*off < len && b[*off] == 0)
		(*off)++;
	if (*off >= len) {
		if (p->archives)
			return 1;
		ksnprintf(p->err, CPIO_ERR_MAX, "empty archive (%zu bytes, no entries and no "
			  "TRAILER!!!)", len);
		return -EINVAL;
	}
	kind = compressed_kind(b + *off, len - *off);
	if (kind) {
		ksnprintf(p->err, CPIO_ERR_MAX, "compressed initramfs (%s, at offset 0x%zx) "
			  "not supported, use an uncompressed cpio (cpio -o -H newc)", kind, *off);
		return -ENOTSUP;
	}
	if (*off & 3 || len - *off < 5 || memcmp(b + *off, "07070", 5) != 0) {
		if (p->archives)
			ksnprintf(p->err, CPIO_ERR_MAX, "junk at offset 0x%zx after the "
				  "TRAILER!!! of archive %u", *off, p->archives);
		/* else parse_entry says what is wrong with the magic */
		return p->archives ? -EINVAL : 0;
	}
	return 0;
}

int cpio_parse(struct cpio_parser *p, const void *buf, size_t len,
	       const struct cpio_ops *ops, void *ctx)
{
	const uint8_t *b = buf;
	size_t off = 0, start = 0;
	bool in_archive = false;
	unsigned index = 0;
	int rc;

	p->err[0] = 0;
	p->entries = p->archives = 0;
	for (;;) {
		struct raw r;
		struct cpio_entry e;
		int (*cb)(void *, const struct cpio_entry *);
		const char *what;

		if (!in_archive) {
			rc = next_archive(p, b, len, &off);
			if (rc)
				goto out;
			in_archive = true;
			start = off;
		}
		if (off >= len) {
			ksnprintf(p->err, CPIO_ERR_MAX, "the archive ends at offset 0x%zx "
				  "without a TRAILER!!! entry (truncated?)", off);
			rc = -EINVAL;
			goto out;
		}
		rc = parse_entry(b, len, off, index, &r, p->path, p->target, p->err);
		if (rc)
			goto out;
		if (r.trailer) {
			p->archives++;
			in_archive = false;
			off = r.next_off;
			continue;
		}

		e = (struct cpio_entry){
			.path = p->path, .raw_name = r.name, .mode = r.f[F_MODE],
			.uid = r.f[F_UID], .gid = r.f[F_GID], .mtime = r.f[F_MTIME],
			.nlink = r.f[F_NLINK], .ino = r.f[F_INO],
			.dev_major = r.f[F_DEVMAJOR], .dev_minor = r.f[F_DEVMINOR],
			.rdev_major = r.f[F_RDEVMAJOR], .rdev_minor = r.f[F_RDEVMINOR],
			.data = b + r.data_off, .size = r.f[F_FILESIZE],
			.offset = off, .index = index,
		};
		switch (r.f[F_MODE] & C_IFMT) {
		case C_IFDIR:
			cb = ops->dir, what = "creating the directory";
			e.size = 0;
			break;
		case C_IFLNK:
			cb = ops->symlink, what = "creating the symlink";
			e.target = p->target;
			e.data = NULL, e.size = 0;
			break;
		case C_IFREG:
			cb = ops->file, what = "creating the file";
			if (r.f[F_NLINK] > 1 &&
			    find_link_group(b, len, start, off, &r, p->target, &e.data, &e.size)) {
				cb = ops->link, what = "creating the hard link";
				e.target = p->target;
				e.data = NULL, e.size = 0;
			}
			break;
		default:
			cb = ops->node, what = "creating the node";
			e.data = NULL, e.size = 0;
			break;
		}
		if (cb) {
			rc = cb(ctx, &e);
			if (rc) {
				entry_err(p->err, r.name, index, off, "%s failed (error %d)",
					  what, rc);
				goto out;
			}
			p->entries++;
		}
		index++;
		off = r.next_off;
	}
out:
	p->offset = off;
	return rc < 0 ? rc : 0;
}
