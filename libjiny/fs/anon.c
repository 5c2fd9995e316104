/*
 * anon.c - anonymous files (contract: anon.h). Their fstat shows a regular
 * file of mode 0600, as Linux's anon_inode does.
 */
#include "fs/anon.h"

int anon_fd(const char *name, const struct file_ops *ops, void *priv, unsigned flags,
	    unsigned fd_flags)
{
	struct vnode *vn = vnode_alloc(NULL, S_IFREG_K | 0600);
	if (!vn)
		return -ENOMEM;
	vn->fops = ops;
	struct file *f = file_alloc(vn, NULL, ops, flags);
	vnode_put(vn); /* the file holds its own reference */
	if (!f)
		return -ENOMEM;
	f->priv = priv;
	int fd = fd_install(f, fd_flags); /* the table takes our reference */
	if (fd < 0) {
		f->priv = NULL; /* the caller frees it */
		f->ops = NULL;
		file_put(f);
	}
	return fd;
}
