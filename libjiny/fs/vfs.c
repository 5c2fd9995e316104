/*
 * vfs.c - the VFS core objects (fs/vfs.h): vnodes, the dentry cache, the
 * mount table, file-system types, the task's fs context, permission checks
 * and vfs_init(), which mounts the root ramfs, /dev and /proc at
 * INITCALL_FS. The path walk is in namei.c, open files and fd tables in
 * file.c, the operations the system calls use in fsops.c; the file systems
 * (ramfs.c, devfs.c, procfs.c, pipe.c) sit below through vnode_ops.
 *
 * The dentry cache is a tree (parent, children list) plus a hash table on
 * (parent, name), all guarded by one spinlock, dcache_lock. A dentry names a
 * vnode or nothing (a cached miss). A child holds a reference on its parent;
 * the cache itself holds none: a hashed dentry stays cached at refcount 0 and
 * is freed only once unhashed (unlink, rename over it, umount) and unused.
 * Directory operations run with the directory's vn->lock (a kmutex) held,
 * which also serialises filling the cache for that directory.
 */
#include "fs/vfs.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "mm/mm.h"
#include "arch/arch.h"
#include "kern/initcall.h"

static struct fs_type *fs_types;
static spinlock_t types_lock = SPINLOCK_INIT;

/* ---- vnodes ---- */

static uint64_t anon_ino = 1;

uint64_t vfs_now(void)
{
	return clock_realtime_ns();
}

struct vnode *vnode_alloc(struct mount *mnt, unsigned mode)
{
	struct vnode *vn = kzalloc(sizeof(*vn));
	if (!vn)
		return NULL;
	vn->mnt = mnt;
	vn->mode = mode;
	vn->nlink = 1;
	vn->refcount = 1;
	vn->ino = mnt ? __atomic_add_fetch(&mnt->next_ino, 1, __ATOMIC_RELAXED)
		      : __atomic_add_fetch(&anon_ino, 1, __ATOMIC_RELAXED);
	vn->atime_ns = vn->mtime_ns = vn->ctime_ns = vfs_now();
	kmutex_init(&vn->lock);
	waitq_init(&vn->poll_wq);
	return vn;
}

struct vnode *vfs_anon_vnode(unsigned mode)
{
	return vnode_alloc(NULL, mode);
}

void vnode_get(struct vnode *vn)
{
	__atomic_add_fetch(&vn->refcount, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *vn)
{
	if (!vn || __atomic_sub_fetch(&vn->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (vn->ops && vn->ops->evict)
		vn->ops->evict(vn);
	vfs_lock_release_all(vn);
	kfree(vn);
}

void vfs_touch(struct vnode *vn, bool atime, bool mtime_ctime)
{
	uint64_t now = vfs_now();
	if (atime)
		vn->atime_ns = now;
	if (mtime_ctime)
		vn->mtime_ns = vn->ctime_ns = now;
}

/* Root is the only user: Linux's rules for CAP_DAC_OVERRIDE/READ_SEARCH apply. */
int vfs_permission(struct vnode *vn, int mask)
{
	if ((mask & MAY_WRITE) && vn->mnt && (vn->mnt->flags & MS_RDONLY_K) &&
	    (S_ISREG(vn->mode) || S_ISDIR(vn->mode) || S_ISLNK(vn->mode)))
		return -EROFS;
	if (S_ISDIR(vn->mode))
		return 0;
	if ((mask & MAY_EXEC) && !(vn->mode & 0111))
		return -EACCES;
	return 0;
}

/* ---- file-system types ---- */

void vfs_register(struct fs_type *t)
{
	uint64_t f = spin_lock_irqsave(&types_lock);
	t->next = fs_types;
	fs_types = t;
	spin_unlock_irqrestore(&types_lock, f);
}

struct fs_type *vfs_find_type(const char *name)
{
	uint64_t f = spin_lock_irqsave(&types_lock);
	struct fs_type *t = fs_types;
	while (t && strcmp(t->name, name))
		t = t->next;
	spin_unlock_irqrestore(&types_lock, f);
	return t;
}

/* ---- the dentry cache ---- */

#define DHASH_SIZE 8192
static struct dentry *dhash[DHASH_SIZE]; /* dcache_lock */
static spinlock_t dcache_lock = SPINLOCK_INIT;

static unsigned dhash_of(const struct dentry *parent, const char *name, size_t len)
{
	uint64_t h = (uintptr_t)parent * 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ULL;
	return (unsigned)(h ^ (h >> 29)) & (DHASH_SIZE - 1);
}

static uint64_t dlock(void)
{
	return spin_lock_irqsave(&dcache_lock);
}

static void dunlock(uint64_t f)
{
	spin_unlock_irqrestore(&dcache_lock, f);
}

/* A new dentry (refcount 1) under parent, not yet hashed nor listed. */
static struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len)
{
	struct dentry *d = kzalloc(sizeof(*d) + len + 1);
	if (!d)
		return NULL;
	d->name = (char *)(d + 1);
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = len;
	d->refcount = 1;
	d->unhashed = true;
	if (parent) {
		d->parent = parent;
		d->mnt = parent->mnt;
	} else {
		d->parent = d;
	}
	return d;
}

/* Insert d in the hash and its parent's children (dcache_lock held). */
static void d_hash_locked(struct dentry *d)
{
	struct dentry *p = d->parent;
	unsigned h = dhash_of(p, d->name, d->len);
	d->hash_next = dhash[h];
	if (d->hash_next)
		d->hash_next->hash_pprev = &d->hash_next;
	d->hash_pprev = &dhash[h];
	dhash[h] = d;
	d->sibling = p->child;
	if (d->sibling)
		d->sibling->sib_pprev = &d->sibling;
	d->sib_pprev = &p->child;
	p->child = d;
	p->refcount++; /* a child pins its parent */
	d->unhashed = false;
}

/* Remove d from hash and children (dcache_lock held); the parent ref stays until free. */
static void d_unhash_locked(struct dentry *d)
{
	if (d->unhashed)
		return;
	*d->hash_pprev = d->hash_next;
	if (d->hash_next)
		d->hash_next->hash_pprev = d->hash_pprev;
	*d->sib_pprev = d->sibling;
	if (d->sibling)
		d->sibling->sib_pprev = d->sib_pprev;
	d->hash_next = d->sibling = NULL;
	d->unhashed = true;
}

static struct dentry *d_find_locked(struct dentry *parent, const char *name, size_t len)
{
	for (struct dentry *d = dhash[dhash_of(parent, name, len)]; d; d = d->hash_next)
		if (d->parent == parent && d->len == len && !memcmp(d->name, name, len))
			return d;
	return NULL;
}

void dentry_get(struct dentry *d)
{
	uint64_t f = dlock();
	d->refcount++;
	dunlock(f);
}

/*
 * Drop a reference; free unhashed dentries that nobody uses, walking up
 * (the freed dentry's parent loses a reference too). Vnode references are
 * dropped after the lock is released: eviction may block.
 */
void dentry_put(struct dentry *d)
{
	struct vnode *drop[16];
	int ndrop = 0;
	while (d) {
		uint64_t f = dlock();
		struct dentry *parent = NULL;
		if (--d->refcount > 0 || !d->unhashed || d->mounted) {
			BUG_ON(d->refcount < 0);
			dunlock(f);
			break;
		}
		if (d->parent != d)
			parent = d->parent;
		dunlock(f);
		if (d->vnode) {
			if (ndrop == ARRAY_SIZE(drop)) {
				vnode_put(d->vnode);
			} else {
				drop[ndrop++] = d->vnode;
			}
		}
		if (d->name != (char *)(d + 1))
			kfree(d->name);
		kfree(d);
		d = parent;
		if (d) { /* the child's pin on its parent, dropped like a reference */
			f = dlock();
			d->refcount++;
			dunlock(f);
		}
	}
	for (int i = 0; i < ndrop; i++)
		vnode_put(drop[i]);
}

/* The cached entry for name in parent, with a reference, or NULL. */
static struct dentry *d_lookup_cached(struct dentry *parent, const char *name, size_t len)
{
	uint64_t f = dlock();
	struct dentry *d = d_find_locked(parent, name, len);
	if (d)
		d->refcount++;
	dunlock(f);
	return d;
}

/* Like vfs_lookup_child, with parent->vnode->lock already held. */
int vfs_lookup_child_locked(struct dentry *parent, const char *name, size_t len,
			    struct dentry **out)
{
	struct vnode *dir = parent->vnode;
	struct dentry *d = NULL;
	if (!(dir->vflags & VN_NOCACHE) && (d = d_lookup_cached(parent, name, len))) {
		*out = d;
		return 0;
	}
	struct vnode *vn = NULL;
	int r = dir->ops && dir->ops->lookup ? dir->ops->lookup(dir, name, len, &vn) : -ENOENT;
	if (r < 0 && r != -ENOENT)
		return r;
	d = d_alloc(parent, name, len);
	if (!d) {
		vnode_put(vn);
		return -ENOMEM;
	}
	d->vnode = r < 0 ? NULL : vn;
	uint64_t f = dlock();
	if (dir->vflags & VN_NOCACHE)
		parent->refcount++; /* never hashed, but still pins its parent */
	else
		d_hash_locked(d);
	dunlock(f);
	*out = d;
	return 0;
}

int vfs_lookup_child(struct dentry *parent, const char *name, size_t len, struct dentry **out)
{
	struct vnode *dir = parent->vnode;
	if (!dir)
		return -ENOENT;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!(dir->vflags & VN_NOCACHE)) {
		struct dentry *d = d_lookup_cached(parent, name, len);
		if (d) {
			*out = d;
			return 0;
		}
	}
	kmutex_lock(&dir->lock);
	int r = vfs_lookup_child_locked(parent, name, len, out);
	kmutex_unlock(&dir->lock);
	return r;
}

/* Make a (negative or stale) dentry name vn (dir lock held by the caller). */
void d_instantiate(struct dentry *d, struct vnode *vn)
{
	uint64_t f = dlock();
	struct vnode *old = d->vnode;
	d->vnode = vn;
	dunlock(f);
	vnode_put(old);
}

/*
 * The name d was removed from its directory: forget it. Users keep their
 * reference (an open file's dentry, a cwd) and see it as deleted.
 */
void d_delete(struct dentry *d)
{
	uint64_t f = dlock();
	d_unhash_locked(d);
	dunlock(f);
}

/* Drop cached negative children of dir (rmdir): they pin it. */
void d_prune_negative(struct dentry *dir)
{
	for (;;) {
		uint64_t f = dlock();
		struct dentry *c = dir->child;
		while (c && (c->vnode || c->refcount))
			c = c->sibling;
		if (c) {
			d_unhash_locked(c);
			c->refcount++;
		}
		dunlock(f);
		if (!c)
			return;
		dentry_put(c);
	}
}

/* Move d under newparent as newname (rename; both dir locks held). */
int d_move(struct dentry *d, struct dentry *newparent, const char *name, size_t len)
{
	char *nn = NULL;
	if (len > d->len || d->name != (char *)(d + 1)) {
		nn = kmalloc(len + 1);
		if (!nn)
			return -ENOMEM;
	}
	uint64_t f = dlock();
	struct dentry *oldparent = d->parent;
	bool was_hashed = !d->unhashed;
	d_unhash_locked(d);
	if (nn) {
		if (d->name != (char *)(d + 1))
			kfree(d->name); /* only ever a kmalloc'd name here */
		d->name = nn;
	}
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->len = len;
	d->parent = newparent;
	newparent->refcount++;
	if (was_hashed)
		d_hash_locked(d);
	if (was_hashed)
		newparent->refcount--; /* d_hash_locked took the pin already */
	dunlock(f);
	/* The old parent lost its child's pin. */
	dentry_put(oldparent);
	return 0;
}

/* Is 'anc' d or an ancestor of d (within the tree, crossing mounts upward)? */
bool d_is_ancestor(struct dentry *anc, struct dentry *d)
{
	uint64_t f = dlock();
	bool r = false;
	for (;;) {
		if (d == anc) {
			r = true;
			break;
		}
		if (d->parent == d) {
			if (d->mnt && d->mnt->mountpoint && d == d->mnt->root) {
				d = d->mnt->mountpoint;
				continue;
			}
			break;
		}
		d = d->parent;
	}
	dunlock(f);
	return r;
}

/* ---- mounts ---- */

static struct mount *mounts;       /* the mount table, in mount order; dcache_lock */
static uint32_t next_dev = 1;

void vfs_for_each_mount(void (*fn)(struct mount *m, void *ctx), void *ctx)
{
	uint64_t f = dlock();
	for (struct mount *m = mounts; m; m = m->next)
		fn(m, ctx);
	dunlock(f);
}

void vfs_fill_stat_dev(struct vnode *vn, uint64_t *dev)
{
	*dev = vn->mnt ? vn->mnt->dev : 0xf;
}

/* Follow mounts down from d: the root of the topmost mount on it (reference moved). */
struct dentry *d_follow_mounts(struct dentry *d)
{
	for (;;) {
		uint64_t f = dlock();
		struct mount *m = d->mounted;
		struct dentry *r = m ? m->root : NULL;
		if (r)
			r->refcount++;
		dunlock(f);
		if (!r)
			return d;
		dentry_put(d);
		d = r;
	}
}

/* '..' of d, not above root, crossing mounts upward (reference moved). */
struct dentry *d_parent_of(struct dentry *d, struct dentry *root)
{
	uint64_t f = dlock();
	struct dentry *p = d;
	while (p != root && p->mnt && p == p->mnt->root && p->mnt->mountpoint)
		p = p->mnt->mountpoint;
	if (p != root)
		p = p->parent;
	p->refcount++;
	dunlock(f);
	dentry_put(d);
	return d_follow_mounts(p);
}

/* Attach a new instance of type t on mp (NULL: the root). */
static int mount_at(struct dentry *mp, struct fs_type *t, const char *source, const char *data,
		    unsigned flags, struct mount **out)
{
	struct vnode *rootvn;
	struct mount *m = kzalloc(sizeof(*m));
	char *src = kmalloc(strlen(source) + 1);
	if (!m || !src) {
		kfree(m);
		kfree(src);
		return -ENOMEM;
	}
	strlcpy(src, source, strlen(source) + 1);
	m->type = t;
	m->source = src;
	m->flags = flags;
	int r = t->mount(t, source, data, &rootvn);
	if (r < 0) {
		kfree(src);
		kfree(m);
		return r;
	}
	rootvn->mnt = m;
	rootvn->ino = ++m->next_ino;
	struct dentry *root = d_alloc(NULL, "", 0);
	if (!root) {
		vnode_put(rootvn);
		kfree(src);
		kfree(m);
		return -ENOMEM;
	}
	root->vnode = rootvn;
	root->mnt = m;
	root->unhashed = false; /* a mount root is never freed by dentry_put */
	m->root = root;
	uint64_t f = dlock();
	if (mp && mp->mounted) { /* stack over the topmost mount */
		while (mp->mounted)
			mp = mp->mounted->root;
	}
	m->mountpoint = mp;
	m->dev = next_dev++;
	if (mp) {
		mp->mounted = m;
		mp->refcount++;
	}
	struct mount **pp = &mounts;
	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	dunlock(f);
	if (out)
		*out = m;
	return 0;
}

int vfs_mount(const char *source, const char *target, const char *type, unsigned flags,
	      const char *data)
{
	struct fs_type *t = vfs_find_type(type);
	if (!t)
		return -ENODEV;
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, target, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d, NULL, NULL);
	if (r < 0)
		return r;
	r = mount_at(d, t, source ? source : type, data, flags & MS_RDONLY_K, NULL);
	dentry_put(d);
	return r;
}

struct busy_ctx {
	struct mount *m;
	bool busy;
};

static void check_child_mount(struct mount *c, void *ctx)
{
	struct busy_ctx *b = ctx;
	if (c != b->m && c->mountpoint && c->mountpoint->mnt == b->m)
		b->busy = true;
}

int vfs_umount(const char *target, unsigned flags)
{
	struct dentry *d;
	int r = vfs_walk(AT_FDCWD_K, target, LOOKUP_FOLLOW, &d, NULL, NULL);
	if (r < 0)
		return r;
	struct mount *m = d->mnt;
	if (d != m->root) {
		dentry_put(d);
		return -EINVAL;
	}
	if (!m->mountpoint) {
		dentry_put(d);
		return -EBUSY; /* the root */
	}
	struct busy_ctx b = { m, false };
	vfs_for_each_mount(check_child_mount, &b);
	struct fs_context *ctx = vfs_task();
	if (b.busy || __atomic_load_n(&m->nopen, __ATOMIC_RELAXED) > 0 ||
	    (ctx->cwd && ctx->cwd->mnt == m)) {
		dentry_put(d);
		return -EBUSY;
	}
	uint64_t f = dlock();
	struct mount **pp = &mounts;
	while (*pp && *pp != m)
		pp = &(*pp)->next;
	if (*pp)
		*pp = m->next;
	struct dentry *mp = m->mountpoint;
	mp->mounted = NULL;
	dunlock(f);
	dentry_put(d);
	dentry_put(mp);
	/* The detached tree (and its data) stays allocated: see the report's known gaps. */
	return 0;
}

/* ---- paths of dentries ---- */

ssize_t vfs_d_path(struct dentry *d, char *buf, size_t n, bool deleted_ok)
{
	struct fs_context *ctx = vfs_task();
	if (n < 2)
		return -ERANGE;
	size_t at = n - 1;
	buf[at] = 0;
	bool deleted = false;
	uint64_t f = dlock();
	for (struct dentry *p = d; p != ctx->root;) {
		if (p->unhashed && p != p->parent &&
		    !(p->parent->vnode && (p->parent->vnode->vflags & VN_NOCACHE)))
			deleted = true;
		if (p == p->parent) {
			if (p->mnt && p->mnt->mountpoint) {
				p = p->mnt->mountpoint;
				continue;
			}
			break;
		}
		if (at < p->len + 1) {
			dunlock(f);
			return -ERANGE;
		}
		at -= p->len;
		memcpy(buf + at, p->name, p->len);
		buf[--at] = '/';
		p = p->parent;
	}
	dunlock(f);
	if (deleted && !deleted_ok)
		return -ENOENT;
	if (at == n - 1)
		buf[--at] = '/';
	size_t len = n - 1 - at;
	memmove(buf, buf + at, len + 1);
	if (deleted) {
		static const char sfx[] = " (deleted)";
		if (len + sizeof(sfx) > n)
			return -ERANGE;
		memcpy(buf + len, sfx, sizeof(sfx));
		len += sizeof(sfx) - 1;
	}
	return (ssize_t)len;
}

/* ---- the task's context ---- */

static struct fs_context app_ctx = { .umask = 022 };

struct fs_context *vfs_task(void)
{
	struct thread *t = sched_current();
	struct proc *p = t ? t->proc : NULL;
	return p && p->fs ? p->fs : &app_ctx;
}

struct fs_context *vfs_app_context(void) { return &app_ctx; }

struct dentry *vfs_ctx_cwd(struct fs_context *ctx)
{
	uint64_t f = dlock();
	struct dentry *d = ctx->cwd;
	if (d)
		d->refcount++;
	dunlock(f);
	return d;
}

int vfs_chdir(struct dentry *d)
{
	struct fs_context *ctx = vfs_task();
	if (!d->vnode)
		return -ENOENT;
	if (!S_ISDIR(d->vnode->mode))
		return -ENOTDIR;
	int r = vfs_permission(d->vnode, MAY_EXEC);
	if (r < 0)
		return r;
	dentry_get(d);
	uint64_t f = dlock();
	struct dentry *old = ctx->cwd;
	ctx->cwd = d;
	dunlock(f);
	if (old)
		dentry_put(old);
	return 0;
}

/* ---- snapshot files and small helpers ---- */

bool snap_put(struct vfs_snapshot *s, const void *data, size_t len)
{
	if (s->len + len + 1 > s->cap) {
		size_t cap = MAX(s->cap * 2, s->len + len + 256);
		char *nb = kmalloc(cap);
		if (!nb)
			return false;
		if (s->buf)
			memcpy(nb, s->buf, s->len);
		kfree(s->buf);
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = 0;
	return true;
}

bool snap_printf(struct vfs_snapshot *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	return snap_put(s, tmp, MIN((size_t)n, sizeof(tmp) - 1));
}

void snap_free(struct vfs_snapshot *s)
{
	kfree(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

bool vfs_emit_dots(struct file *f, struct vfs_dirent_sink *sink)
{
	if (sink->pos == 0) {
		if (!sink->emit(sink, ".", 1, f->vnode->ino, DT_DIR_K, 1))
			return false;
		sink->pos = 1;
	}
	if (sink->pos == 1) {
		uint64_t ino = f->vnode->ino;
		if (f->dentry) {
			struct dentry *p = f->dentry;
			uint64_t fl = dlock();
			while (p == p->parent && p->mnt && p->mnt->mountpoint)
				p = p->mnt->mountpoint;
			if (p->parent->vnode)
				ino = p->parent->vnode->ino;
			dunlock(fl);
		}
		if (!sink->emit(sink, "..", 2, ino, DT_DIR_K, 2))
			return false;
		sink->pos = 2;
	}
	return true;
}

/* ---- boot ---- */

extern struct fs_type ramfs_type, tmpfs_type;
void devfs_populate(void);

void vfs_init(void)
{
	struct mount *m;
	if (mount_at(NULL, &ramfs_type, "rootfs", NULL, 0, &m) < 0)
		panic("vfs: cannot mount the root ramfs");
	m->root->vnode->mode = S_IFDIR_K | 0755;
	app_ctx.root = m->root;
	app_ctx.cwd = m->root;
	m->root->refcount += 2;
	int r;
	if ((r = vfs_mkdir_p("/dev", 0755)) < 0 || (r = vfs_mkdir_p("/proc", 0555)) < 0 ||
	    (r = vfs_mkdir_p("/tmp", 01777)) < 0)
		panic("vfs: cannot create the root directories (%d)", r);
	if ((r = vfs_mount("devfs", "/dev", "devfs", 0, NULL)) < 0)
		printk("vfs: mounting devfs on /dev failed (%d)\n", r);
	else
		devfs_populate();
	if ((r = vfs_mount("proc", "/proc", "proc", 0, NULL)) < 0)
		printk("vfs: mounting proc on /proc failed (%d)\n", r);
}

static int vfs_initcall(void)
{
	vfs_init();
	return 0;
}
INITCALL(INITCALL_FS, vfs_initcall);
