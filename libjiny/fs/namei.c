/*
 * namei.c - the path walk (vfs_walk): from the task's root, its cwd or a
 * directory fd, one component at a time through the dentry cache (vfs.c),
 * crossing mount points down (d_follow_mounts) and up ('..' at a mount's
 * root goes to the mountpoint's parent), following symlinks (at most
 * VFS_SYMLINK_MAX in one walk: ELOOP). A symlink's target replaces the
 * walked part of the path in a scratch buffer; the rest of the path is
 * always a suffix of the caller's string, so LOOKUP_PARENT can hand back
 * the last name as a pointer into it. Magic links (/proc/PID/exe, cwd,
 * root, fd/N: vnode_ops.magic) are not re-walked as text: the walk jumps
 * to the object they stand for, as on Linux, so they work whatever their
 * text (a deleted file, a pipe). Called by fsops.c and the syscalls.
 */
#include "fs/vfs.h"
#include "mm/mm.h"

struct dentry *d_follow_mounts(struct dentry *d);
struct dentry *d_parent_of(struct dentry *d, struct dentry *root);

int vfs_dirfd_dentry(int dirfd, struct dentry **out)
{
	if (dirfd == AT_FDCWD_K) {
		struct fs_context *ctx = vfs_task();
		dentry_get(ctx->cwd);
		*out = ctx->cwd;
		return 0;
	}
	struct file *f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	if (!f->dentry) {
		file_put(f);
		return -ENOTDIR;
	}
	dentry_get(f->dentry);
	*out = f->dentry;
	file_put(f);
	return 0;
}

static bool is_dot(const char *s, size_t len)
{
	return len == 1 && s[0] == '.';
}

static bool is_dotdot(const char *s, size_t len)
{
	return len == 2 && s[0] == '.' && s[1] == '.';
}

int vfs_magic_follow(struct dentry **d, bool is_last)
{
	struct vnode *vn = (*d)->vnode;
	struct dentry *to = NULL;
	struct file *f = NULL;
	if (!vn || !S_ISLNK(vn->mode) || !vn->ops || !vn->ops->magic)
		return 1;
	int r = vn->ops->magic(vn, &to, &f);
	if (r < 0)
		return r;
	if (!to && !f)
		return 1;
	if (f) { /* pathless: the caller takes the file from the link (vfs_magic_file) */
		file_put(f);
		return is_last ? 0 : -ENOTDIR;
	}
	dentry_put(*d);
	*d = to;
	return 0;
}

struct file *vfs_magic_file(struct dentry *d)
{
	struct vnode *vn = d->vnode;
	struct dentry *to = NULL;
	struct file *f = NULL;
	if (!vn || !S_ISLNK(vn->mode) || !vn->ops || !vn->ops->magic ||
	    vn->ops->magic(vn, &to, &f) < 0)
		return NULL;
	if (to)
		dentry_put(to);
	return f;
}

/* The walk itself; *links counts symlinks followed across nested calls. */
int vfs_walk_links(struct dentry *start, const char *path, unsigned flags, int *links,
		   struct dentry **out, const char **last, size_t *lastlen)
{
	struct fs_context *ctx = vfs_task();
	size_t plen = strnlen(path, VFS_PATH_MAX);
	if (plen >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (!plen)
		return -ENOENT;
	char *buf = NULL; /* symlink expansion */
	const char *p = path;
	struct dentry *cur = *p == '/' ? ctx->root : (start ? start : ctx->cwd);
	bool must_dir = flags & LOOKUP_DIRECTORY;
	int r = 0;
	dentry_get(cur);
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - s);
		const char *q = p;
		while (*q == '/')
			q++;
		bool is_last = !*q, trailing = is_last && *p == '/';
		if (len > VFS_NAME_MAX) {
			r = -ENAMETOOLONG;
			goto fail;
		}
		struct vnode *dv = cur->vnode;
		if (!dv) {
			r = -ENOENT;
			goto fail;
		}
		if (!S_ISDIR(dv->mode)) {
			r = -ENOTDIR;
			goto fail;
		}
		if (is_last && (flags & LOOKUP_PARENT)) {
			*last = path + plen - strlen(s);
			*lastlen = len;
			*out = cur;
			kfree(buf);
			return 0;
		}
		if ((r = vfs_permission(dv, MAY_EXEC)) < 0)
			goto fail;
		if (trailing)
			must_dir = true;
		if (is_dot(s, len))
			continue;
		if (is_dotdot(s, len)) {
			cur = d_parent_of(cur, ctx->root);
			continue;
		}
		struct dentry *child;
		if ((r = vfs_lookup_child(cur, s, len, &child)) < 0)
			goto fail;
		if (!child->vnode) {
			dentry_put(child);
			r = -ENOENT;
			goto fail;
		}
		child = d_follow_mounts(child);
		if (S_ISLNK(child->vnode->mode) &&
		    (!is_last || (flags & LOOKUP_FOLLOW) || trailing)) {
			if (++*links > VFS_SYMLINK_MAX) {
				dentry_put(child);
				r = -ELOOP;
				goto fail;
			}
			r = vfs_magic_follow(&child, is_last);
			if (r < 0) {
				dentry_put(child);
				goto fail;
			}
			if (r == 0) { /* at the object itself (or a pathless one's link) */
				dentry_put(cur);
				cur = child;
				continue;
			}
			char *nb = kmalloc(VFS_PATH_MAX);
			if (!nb) {
				dentry_put(child);
				r = -ENOMEM;
				goto fail;
			}
			ssize_t n = vfs_readlink(child->vnode, nb, VFS_PATH_MAX);
			dentry_put(child);
			size_t rest = strlen(p);
			if (n <= 0 || (size_t)n + rest >= VFS_PATH_MAX) {
				kfree(nb);
				r = n < 0 ? (int)n : n == 0 ? -ENOENT : -ENAMETOOLONG;
				goto fail;
			}
			memmove(nb + n, p, rest + 1);
			kfree(buf);
			buf = nb;
			p = buf;
			if (*p == '/') {
				dentry_put(cur);
				cur = ctx->root;
				dentry_get(cur);
			}
			continue;
		}
		dentry_put(cur);
		cur = child;
	}
	if (flags & LOOKUP_PARENT) {
		/* "/", or a path ending in a followed symlink to "/": no last name. */
		*last = path + plen;
		*lastlen = 0;
	} else if (!cur->vnode) {
		r = -ENOENT;
		goto fail;
	} else if (must_dir && !S_ISDIR(cur->vnode->mode)) {
		r = -ENOTDIR;
		goto fail;
	}
	kfree(buf);
	*out = cur;
	return 0;
fail:
	kfree(buf);
	dentry_put(cur);
	return r;
}

int vfs_walk_at(struct dentry *start, const char *path, unsigned flags, struct dentry **out,
		const char **last, size_t *lastlen)
{
	int links = 0;
	return vfs_walk_links(start, path, flags, &links, out, last, lastlen);
}

int vfs_walk(int dirfd, const char *path, unsigned flags, struct dentry **out,
	     const char **last, size_t *lastlen)
{
	struct dentry *start = NULL;
	if (path[0] != '/') {
		int r = vfs_dirfd_dentry(dirfd, &start);
		if (r < 0)
			return r;
	}
	int r = vfs_walk_at(start, path, flags, out, last, lastlen);
	if (start)
		dentry_put(start);
	return r;
}
