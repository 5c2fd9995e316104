/*
 * lock.c - fcntl(2) record locks (F_GETLK, F_SETLK, F_SETLKW). POSIX locks
 * belong to a process; here every lock is recorded as the HP app's (pid 1),
 * a compat process's too, and a process never conflicts with itself, so
 * F_SETLKW never waits and F_GETLK always answers F_UNLCK. The bookkeeping
 * is real all the same: each vnode keeps its sorted list of locked ranges
 * (owner pid, type), setting a range splits or replaces what it overlaps,
 * and closing any fd of the file drops the locks on it (POSIX), so that
 * locks per process only need the owner's real pid and the conflict check
 * added. Guarded by vn->lock.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "proc/proc.h"

#define OFF_MAX INT64_MAX

struct vfs_lock {
	int64_t start, end;     /* inclusive range; end = OFF_MAX: to EOF and beyond */
	int type;               /* F_RDLCK / F_WRLCK */
	int pid;                /* owner */
	struct vfs_lock *next;  /* sorted by start */
};

/* The range of fl as [start, end], or -EINVAL / -EOVERFLOW. */
static int lock_range(struct file *f, const struct flock_k *fl, int64_t *s, int64_t *e)
{
	int64_t base;
	switch (fl->l_whence) {
	case 0: base = 0; break;
	case 1: base = (int64_t)f->pos; break;
	case 2: base = (int64_t)f->vnode->size; break;
	default: return -EINVAL;
	}
	int64_t start = base + fl->l_start, len = fl->l_len;
	if ((fl->l_start > 0 && start < base) || start < 0)
		return -EINVAL;
	if (len > 0) {
		*s = start;
		*e = start + len - 1 < start ? OFF_MAX : start + len - 1;
	} else if (len < 0) {
		if (start + len < 0)
			return -EINVAL;
		*s = start + len;
		*e = start - 1;
	} else {
		*s = start;
		*e = OFF_MAX;
	}
	return 0;
}

int vfs_lock_get(struct file *f, struct flock_k *fl)
{
	int64_t s, e;
	if (fl->l_type != F_RDLCK_K && fl->l_type != F_WRLCK_K)
		return -EINVAL;
	int r = lock_range(f, fl, &s, &e);
	if (r < 0)
		return r;
	/* Locks of other processes would be reported here; ours never conflict. */
	fl->l_type = F_UNLCK_K;
	return 0;
}

/* Remove pid's locks in [s, e], splitting those that straddle it (vn->lock held). */
static int unlock_range(struct vnode *vn, int pid, int64_t s, int64_t e)
{
	for (struct vfs_lock **pp = &vn->locks; *pp;) {
		struct vfs_lock *l = *pp;
		if (l->pid != pid || l->end < s || l->start > e) {
			pp = &l->next;
			continue;
		}
		if (l->start < s && l->end > e) { /* split in two */
			struct vfs_lock *t = kmalloc(sizeof(*t));
			if (!t)
				return -ENOLCK;
			*t = *l;
			t->start = e + 1;
			l->end = s - 1;
			t->next = l->next;
			l->next = t;
			return 0;
		}
		if (l->start < s) {
			l->end = s - 1;
			pp = &l->next;
		} else if (l->end > e) {
			l->start = e + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			kfree(l);
		}
	}
	return 0;
}

int vfs_lock_set(struct file *f, const struct flock_k *fl, bool wait)
{
	struct vnode *vn = f->vnode;
	unsigned acc = f->flags & O_ACCMODE_K;
	int64_t s, e;
	if (fl->l_type != F_RDLCK_K && fl->l_type != F_WRLCK_K && fl->l_type != F_UNLCK_K)
		return -EINVAL;
	int r = lock_range(f, fl, &s, &e);
	if (r < 0)
		return r;
	if ((fl->l_type == F_RDLCK_K && acc == O_WRONLY_K) ||
	    (fl->l_type == F_WRLCK_K && acc == O_RDONLY_K))
		return -EBADF;
	struct vfs_lock *n = NULL;
	if (fl->l_type != F_UNLCK_K && !(n = kmalloc(sizeof(*n))))
		return -ENOLCK;
	kmutex_lock(&vn->lock);
	r = unlock_range(vn, HP_PID, s, e);
	if (r >= 0 && n) {
		*n = (struct vfs_lock){ .start = s, .end = e, .type = fl->l_type, .pid = HP_PID };
		struct vfs_lock **pp = &vn->locks;
		while (*pp && (*pp)->start < s)
			pp = &(*pp)->next;
		n->next = *pp;
		*pp = n;
		n = NULL;
	}
	kmutex_unlock(&vn->lock);
	kfree(n);
	return r;
}

void vfs_lock_release_all(struct vnode *vn)
{
	if (!READ_ONCE(vn->locks))
		return;
	kmutex_lock(&vn->lock);
	struct vfs_lock *l = vn->locks;
	vn->locks = NULL;
	kmutex_unlock(&vn->lock);
	while (l) {
		struct vfs_lock *n = l->next;
		kfree(l);
		l = n;
	}
}
