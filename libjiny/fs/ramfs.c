/*
 * ramfs.c - the memory file system: the root file system, and also
 * registered as "tmpfs" (the same thing here) and used by devfs.c for /dev.
 * Below the VFS (vfs.h vnode_ops/file_ops); everything lives in RAM.
 *
 *   directories  entries in insertion order (readdir cookies are stable
 *                under concurrent create/unlink) plus a hash on the name
 *   regular      data in 4 KiB pages reached through a radix tree of
 *                512-way pages (sparse: holes read as zeros), so files of
 *                tens of MB cost one pointer per page and no big copies
 *   symlinks     the target string
 *   others       fifos, devices, sockets: just the vnode (the VFS opens them)
 *
 * A directory entry holds a reference on its vnode, so a vnode is evicted
 * (its pages freed) once it has no name and nobody has it open. Locks:
 * directory changes run under the directory's vn->lock (taken by the VFS);
 * file data changes take the file's vn->lock here.
 */
#include "fs/vfs.h"
#include "mm/mm.h"

#define RADIX_BITS 9
#define RADIX_FAN (1u << RADIX_BITS)
#define RAMFS_MAX_HEIGHT 4                 /* 2^(12+36) bytes */
#define RAMFS_MAX_SIZE (1ULL << 44)        /* 16 TiB: EFBIG beyond */
#define RAMFS_RESERVE_PAGES 512            /* keep 2 MiB for the kernel: ENOSPC before */

struct ramfs_dirent {
	struct ramfs_dirent *next, *prev;  /* insertion order */
	struct ramfs_dirent *hnext;        /* hash chain */
	uint64_t cookie;                   /* readdir position */
	struct vnode *vn;                  /* a reference */
	size_t len;
	char name[];
};

struct ramfs_node {
	/* directories */
	struct ramfs_dirent *head, *tail;
	struct ramfs_dirent **hash;
	size_t nbuckets, count;
	uint64_t next_cookie;
	/* regular files */
	void **root;                       /* radix tree of data pages */
	int height;
	/* symlinks */
	char *target;
};

static const struct vnode_ops ramfs_vops;
static const struct file_ops ramfs_file_fops, ramfs_dir_fops, ramfs_none_fops;

static unsigned name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static struct ramfs_node *RN(struct vnode *vn)
{
	return vn->priv;
}

static struct vnode *ramfs_new_vnode(struct mount *mnt, unsigned mode, uint32_t rdev)
{
	if (pfa_free_pages() < RAMFS_RESERVE_PAGES)
		return NULL;
	struct vnode *vn = vnode_alloc(mnt, mode);
	struct ramfs_node *n = kzalloc(sizeof(*n));
	if (!vn || !n) {
		kfree(vn);
		kfree(n);
		return NULL;
	}
	vn->priv = n;
	vn->ops = &ramfs_vops;
	vn->rdev = rdev;
	if (S_ISDIR(mode)) {
		vn->fops = &ramfs_dir_fops;
		vn->nlink = 2;
		n->next_cookie = 2; /* 0 and 1 are '.' and '..' */
		vn->size = 0;
	} else if (S_ISREG(mode)) {
		vn->fops = &ramfs_file_fops;
	} else {
		vn->fops = &ramfs_none_fops;
	}
	return vn;
}

/* ---- directories ---- */

static struct ramfs_dirent *dir_find(struct ramfs_node *d, const char *name, size_t len)
{
	if (!d->nbuckets)
		return NULL;
	for (struct ramfs_dirent *e = d->hash[name_hash(name, len) & (d->nbuckets - 1)]; e;
	     e = e->hnext)
		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	return NULL;
}

static int dir_rehash(struct ramfs_node *d, size_t nb)
{
	struct ramfs_dirent **h = kzalloc(nb * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (struct ramfs_dirent *e = d->head; e; e = e->next) {
		unsigned b = name_hash(e->name, e->len) & (nb - 1);
		e->hnext = h[b];
		h[b] = e;
	}
	kfree(d->hash);
	d->hash = h;
	d->nbuckets = nb;
	return 0;
}

/* Add name -> vn (the entry takes over the caller's reference). */
static int dir_add(struct vnode *dir, const char *name, size_t len, struct vnode *vn)
{
	struct ramfs_node *d = RN(dir);
	if (d->count + 1 > d->nbuckets * 2 && dir_rehash(d, d->nbuckets ? d->nbuckets * 4 : 8) < 0 &&
	    !d->nbuckets)
		return -ENOSPC;
	struct ramfs_dirent *e = kmalloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOSPC;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	e->len = len;
	e->vn = vn;
	e->cookie = d->next_cookie++;
	e->next = NULL;
	e->prev = d->tail;
	if (d->tail)
		d->tail->next = e;
	else
		d->head = e;
	d->tail = e;
	unsigned b = name_hash(name, len) & (d->nbuckets - 1);
	e->hnext = d->hash[b];
	d->hash[b] = e;
	d->count++;
	dir->size = d->count;
	return 0;
}

/* Unlink entry e; returns its vnode reference to the caller. */
static struct vnode *dir_del(struct vnode *dir, struct ramfs_dirent *e)
{
	struct ramfs_node *d = RN(dir);
	struct ramfs_dirent **pp = &d->hash[name_hash(e->name, e->len) & (d->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		d->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		d->tail = e->prev;
	d->count--;
	dir->size = d->count;
	struct vnode *vn = e->vn;
	kfree(e);
	return vn;
}

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct ramfs_dirent *e = dir_find(RN(dir), name, len);
	if (!e)
		return -ENOENT;
	vnode_get(e->vn);
	*out = e->vn;
	return 0;
}

static int ramfs_create(struct vnode *dir, const char *name, size_t len, unsigned mode,
			uint32_t rdev, struct vnode **out)
{
	if (dir_find(RN(dir), name, len))
		return -EEXIST;
	struct vnode *vn = ramfs_new_vnode(dir->mnt, mode, rdev);
	if (!vn)
		return -ENOSPC;
	int r = dir_add(dir, name, len, vn);
	if (r < 0) {
		vnode_put(vn);
		return r;
	}
	if (S_ISDIR(mode))
		dir->nlink++;
	vnode_get(vn);
	*out = vn;
	return 0;
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target)
{
	size_t tl = strlen(target);
	char *t = kmalloc(tl + 1);
	if (!t)
		return -ENOSPC;
	memcpy(t, target, tl + 1);
	struct vnode *vn;
	int r = ramfs_create(dir, name, len, S_IFLNK_K | 0777, 0, &vn);
	if (r < 0) {
		kfree(t);
		return r;
	}
	RN(vn)->target = t;
	vn->size = tl;
	vnode_put(vn);
	return 0;
}

static int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *target)
{
	if (dir_find(RN(dir), name, len))
		return -EEXIST;
	vnode_get(target);
	int r = dir_add(dir, name, len, target);
	if (r < 0) {
		vnode_put(target);
		return r;
	}
	target->nlink++;
	return 0;
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len)
{
	struct ramfs_dirent *e = dir_find(RN(dir), name, len);
	if (!e)
		return -ENOENT;
	if (S_ISDIR(e->vn->mode))
		return -EISDIR;
	struct vnode *vn = dir_del(dir, e);
	vn->nlink--;
	vnode_put(vn);
	return 0;
}

static int ramfs_rmdir(struct vnode *dir, const char *name, size_t len)
{
	struct ramfs_dirent *e = dir_find(RN(dir), name, len);
	if (!e)
		return -ENOENT;
	if (!S_ISDIR(e->vn->mode))
		return -ENOTDIR;
	if (RN(e->vn)->count)
		return -ENOTEMPTY;
	struct vnode *vn = dir_del(dir, e);
	vn->nlink = 0;
	dir->nlink--;
	vnode_put(vn);
	return 0;
}

static int ramfs_rename(struct vnode *olddir, const char *oldname, size_t oldlen,
			struct vnode *newdir, const char *newname, size_t newlen)
{
	struct ramfs_dirent *oe = dir_find(RN(olddir), oldname, oldlen);
	if (!oe)
		return -ENOENT;
	struct ramfs_dirent *ne = dir_find(RN(newdir), newname, newlen);
	struct vnode *vn = oe->vn;
	bool isdir = S_ISDIR(vn->mode);
	if (ne) {
		struct vnode *victim = ne->vn;
		if (S_ISDIR(victim->mode) && RN(victim)->count)
			return -ENOTEMPTY;
		/* Make room for the new entry before removing anything. */
		struct ramfs_dirent *e = kmalloc(sizeof(*e) + newlen + 1);
		if (!e)
			return -ENOSPC;
		kfree(e);
		dir_del(newdir, ne);
		if (S_ISDIR(victim->mode)) {
			victim->nlink = 0;
			newdir->nlink--;
		} else {
			victim->nlink--;
		}
		victim->ctime_ns = vfs_now();
		vnode_put(victim);
	}
	vnode_get(vn);
	int r = dir_add(newdir, newname, newlen, vn);
	if (r < 0) {
		vnode_put(vn);
		return r;
	}
	oe = dir_find(RN(olddir), oldname, oldlen);
	vnode_put(dir_del(olddir, oe));
	if (isdir && olddir != newdir) {
		olddir->nlink--;
		newdir->nlink++;
	}
	return 0;
}

static int ramfs_exchange(struct vnode *olddir, const char *oldname, size_t oldlen,
			  struct vnode *newdir, const char *newname, size_t newlen)
{
	struct ramfs_dirent *oe = dir_find(RN(olddir), oldname, oldlen);
	struct ramfs_dirent *ne = dir_find(RN(newdir), newname, newlen);
	if (!oe || !ne)
		return -ENOENT;
	struct vnode *a = oe->vn, *b = ne->vn;
	oe->vn = b;
	ne->vn = a;
	if (olddir != newdir && S_ISDIR(a->mode) != S_ISDIR(b->mode)) {
		int d = S_ISDIR(a->mode) ? 1 : -1;
		olddir->nlink -= d;
		newdir->nlink += d;
	}
	a->ctime_ns = b->ctime_ns = vfs_now();
	return 0;
}

static ssize_t ramfs_readlink(struct vnode *vn, char *buf, size_t n)
{
	const char *t = RN(vn)->target;
	size_t len = t ? strlen(t) : 0;
	len = MIN(len, n);
	memcpy(buf, t, len);
	return (ssize_t)len;
}

static int ramfs_readdir(struct file *f, struct vfs_dirent_sink *sink)
{
	struct vnode *dir = f->vnode;
	if (!vfs_emit_dots(f, sink))
		return 0;
	kmutex_lock(&dir->lock);
	uint64_t start = sink->pos;
	for (struct ramfs_dirent *e = RN(dir)->head; e; e = e->next) {
		if (e->cookie < start)
			continue;
		unsigned type = (e->vn->mode & S_IFMT_K) >> 12;
		if (!sink->emit(sink, e->name, e->len, e->vn->ino, type, e->cookie + 1))
			break;
		sink->pos = e->cookie + 1;
	}
	kmutex_unlock(&dir->lock);
	return 0;
}

/* ---- file data: a radix tree of pages ---- */

static uint64_t radix_cap(int height)
{
	return height ? 1ULL << (RADIX_BITS * height) : 0;
}

/* The slot of page idx; with create, interior nodes are added (NULL: no memory). */
static void **radix_slot(struct ramfs_node *n, uint64_t idx, bool create)
{
	while (idx >= radix_cap(n->height)) {
		if (!create)
			return NULL;
		if (n->height == RAMFS_MAX_HEIGHT)
			return NULL;
		if (n->root) {
			void **top = page_alloc(0);
			if (!top)
				return NULL;
			top[0] = n->root;
			n->root = top;
		}
		n->height++;
	}
	if (!n->root) {
		if (!create || !(n->root = page_alloc(0)))
			return NULL;
	}
	void **node = n->root;
	for (int level = n->height - 1; level > 0; level--) {
		unsigned i = (idx >> (RADIX_BITS * level)) & (RADIX_FAN - 1);
		if (!node[i]) {
			if (!create || !(node[i] = page_alloc(0)))
				return NULL;
		}
		node = node[i];
	}
	return &node[idx & (RADIX_FAN - 1)];
}

/* Free data pages with index >= from (and interior nodes left empty below 'node'). */
static size_t radix_trim(void **node, int level, uint64_t base, uint64_t from)
{
	size_t freed = 0;
	uint64_t span = 1ULL << (RADIX_BITS * level);
	for (unsigned i = 0; i < RADIX_FAN; i++) {
		uint64_t lo = base + i * span;
		if (!node[i] || lo + span <= from)
			continue;
		if (level == 0) {
			page_free(node[i], 0);
			node[i] = NULL;
			freed++;
		} else {
			freed += radix_trim(node[i], level - 1, lo, from);
			if (lo >= from) {
				page_free(node[i], 0);
				node[i] = NULL;
			}
		}
	}
	return freed;
}

static void ramfs_free_data(struct vnode *vn, uint64_t from_page)
{
	struct ramfs_node *n = RN(vn);
	if (!n->root)
		return;
	size_t freed = radix_trim(n->root, n->height - 1, 0, from_page);
	vn->blocks -= freed * (PAGE_SIZE / 512);
	if (!from_page) {
		page_free(n->root, 0);
		n->root = NULL;
		n->height = 0;
	}
}

static ssize_t ramfs_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct vnode *vn = f->vnode;
	kmutex_lock(&vn->lock);
	uint64_t off = *pos;
	if (off >= vn->size) {
		kmutex_unlock(&vn->lock);
		return 0;
	}
	len = MIN(len, vn->size - off);
	size_t done = 0;
	while (done < len) {
		uint64_t p = off + done;
		size_t in = p & (PAGE_SIZE - 1), chunk = MIN(PAGE_SIZE - in, len - done);
		void **slot = radix_slot(RN(vn), p >> PAGE_SHIFT, false);
		if (slot && *slot)
			memcpy((char *)buf + done, (char *)*slot + in, chunk);
		else
			memset((char *)buf + done, 0, chunk);
		done += chunk;
	}
	*pos = off + done;
	if (!(f->flags & O_NOATIME_K))
		vn->atime_ns = vfs_now();
	kmutex_unlock(&vn->lock);
	return (ssize_t)done;
}

static ssize_t ramfs_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct vnode *vn = f->vnode;
	kmutex_lock(&vn->lock);
	uint64_t off = (f->flags & O_APPEND_K) ? vn->size : *pos;
	if (!len) {
		kmutex_unlock(&vn->lock);
		return 0;
	}
	if (off >= RAMFS_MAX_SIZE) {
		kmutex_unlock(&vn->lock);
		return -EFBIG;
	}
	len = MIN(len, RAMFS_MAX_SIZE - off);
	size_t done = 0;
	ssize_t err = 0;
	while (done < len) {
		uint64_t p = off + done;
		size_t in = p & (PAGE_SIZE - 1), chunk = MIN(PAGE_SIZE - in, len - done);
		void **slot = NULL;
		if (pfa_free_pages() >= RAMFS_RESERVE_PAGES)
			slot = radix_slot(RN(vn), p >> PAGE_SHIFT, true);
		if (slot && !*slot && pfa_free_pages() >= RAMFS_RESERVE_PAGES &&
		    (*slot = page_alloc(0)))
			vn->blocks += PAGE_SIZE / 512;
		if (!slot || !*slot) {
			err = -ENOSPC;
			break;
		}
		memcpy((char *)*slot + in, (const char *)buf + done, chunk);
		done += chunk;
	}
	if (done) {
		*pos = off + done;
		if (off + done > vn->size)
			vn->size = off + done;
		vn->mtime_ns = vn->ctime_ns = vfs_now();
		vn->mode &= ~(unsigned)(S_ISUID_K | ((vn->mode & 010) ? S_ISGID_K : 0));
	}
	kmutex_unlock(&vn->lock);
	return done ? (ssize_t)done : err;
}

static int ramfs_truncate(struct vnode *vn, uint64_t size)
{
	if (size > RAMFS_MAX_SIZE)
		return -EFBIG;
	kmutex_lock(&vn->lock);
	if (size < vn->size) {
		uint64_t keep = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
		ramfs_free_data(vn, keep);
		if (size & (PAGE_SIZE - 1)) { /* zero the tail of the last page */
			void **slot = radix_slot(RN(vn), size >> PAGE_SHIFT, false);
			if (slot && *slot)
				memset((char *)*slot + (size & (PAGE_SIZE - 1)), 0,
				       PAGE_SIZE - (size & (PAGE_SIZE - 1)));
		}
	}
	vn->size = size;
	vn->mtime_ns = vn->ctime_ns = vfs_now();
	kmutex_unlock(&vn->lock);
	return 0;
}

static void ramfs_evict(struct vnode *vn)
{
	struct ramfs_node *n = RN(vn);
	if (!n)
		return;
	if (S_ISREG(vn->mode))
		ramfs_free_data(vn, 0);
	if (S_ISDIR(vn->mode)) {
		while (n->head)
			vnode_put(dir_del(vn, n->head));
		kfree(n->hash);
	}
	kfree(n->target);
	kfree(n);
	vn->priv = NULL;
}

static int ramfs_fsync(struct file *f)
{
	return 0;
}

static const struct vnode_ops ramfs_vops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.exchange = ramfs_exchange,
	.readlink = ramfs_readlink,
	.truncate = ramfs_truncate,
	.evict = ramfs_evict,
};

static const struct file_ops ramfs_file_fops = {
	.read = ramfs_read,
	.write = ramfs_write,
	.fsync = ramfs_fsync,
	.seekable = true,
};

static const struct file_ops ramfs_dir_fops = {
	.readdir = ramfs_readdir,
	.fsync = ramfs_fsync,
	.seekable = true,
};

/* Symlinks and special files reach here only through O_PATH. */
static const struct file_ops ramfs_none_fops = { .seekable = false };

static int ramfs_mount(struct fs_type *t, const char *source, const char *data,
		       struct vnode **root)
{
	struct vnode *vn = ramfs_new_vnode(NULL, S_IFDIR_K | 01777, 0);
	if (!vn)
		return -ENOMEM;
	/* tmpfs's mode= option (octal), e.g. mount -t tmpfs -o mode=755 */
	const char *m = data ? data : "";
	while (*m) {
		if (!strncmp(m, "mode=", 5)) {
			unsigned v = 0;
			for (m += 5; *m >= '0' && *m <= '7'; m++)
				v = v * 8 + (unsigned)(*m - '0');
			vn->mode = S_IFDIR_K | (v & 07777);
		}
		while (*m && *m != ',')
			m++;
		if (*m == ',')
			m++;
	}
	*root = vn;
	return 0;
}

struct fs_type ramfs_type = { .name = "ramfs", .mount = ramfs_mount };
struct fs_type tmpfs_type = { .name = "tmpfs", .mount = ramfs_mount };

static int ramfs_register(void)
{
	vfs_register(&ramfs_type);
	vfs_register(&tmpfs_type);
	return 0;
}
#include "kern/initcall.h"
INITCALL(INITCALL_DRIVER, ramfs_register);
