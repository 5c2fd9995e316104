/*
 * procfs.c - /proc, enough for programs that read it (busybox ps, top,
 * uptime, free; musl and glibc helpers): a directory per live process,
 * /proc/PID/{stat,status,cmdline,comm,exe,cwd,root,fd/,maps,mounts}, the
 * link /proc/self to the caller's pid, and /proc/{meminfo,cpuinfo,uptime,
 * loadavg,stat,mounts}, plus files that drivers add at boot
 * (procfs_add_file: /proc/virtio). Below the VFS like any file system; its vnodes are
 * made at each lookup (directories are VN_NOCACHE, so /proc lists the
 * processes alive now and /proc/PID/fd the fds open now) and a file's text
 * is generated at open into a snapshot that reads then page through, so
 * small reads see one consistent view. exe, cwd, root and fd/N are magic
 * links (proc_magic): their text is Linux's ("/abs/path", "... (deleted)",
 * "pipe:[INO]"), but a walk through one reaches the object itself.
 *
 * Processes come from proc/proc.c (proc_for_each, proc_get): every node
 * below /proc/PID remembers the pid and looks the process up again when it
 * is used, so a node of a process that has gone answers ENOENT. Pid 1 is
 * the HP app, whose memory is the kernel's: its maps come from the image's
 * program headers and the kernel virtual areas (mm/vmarea.c), its memory
 * sizes from the page allocator; a compat process's maps come from its
 * address space (mm/uvm.c). Other sources: the fd tables (file.c), the
 * mount table (vfs.c), CPUID and the scheduler.
 */
#include "fs/vfs.h"
#include "mm/mm.h"
#include "mm/vmarea.h"
#include "kern/cmdline.h"
#include "kern/initcall.h"
#include "sched/sched.h"
#include "arch/arch.h"
#include "mm/uvm.h"
#include "proc/proc.h"
#include "kern/elf.h"

#define NS_PER_TICK (1000000000ULL / USER_HZ_K)
#define CONSOLE_TTY_NR ((4 << 8) | 64) /* ttyS0 (major 4, minor 64), stat's encoding */
#define PID_POS 0x1000                 /* readdir of /proc: pid entries from here */

enum pkind {
	P_ROOT, P_SELF, P_MEMINFO, P_CPUINFO, P_UPTIME, P_MOUNTS, P_LOADAVG, P_STAT,
	P_PID, P_MAPS, P_STATUS, P_CMDLINE, P_EXE, P_FDDIR, P_FD, P_PID_MOUNTS,
	P_PID_STAT, P_COMM, P_CWD, P_PID_ROOT,
	P_EXT, /* last: a procfs_add_file() file; pnode.fd is its slot */
};

struct pentry {
	const char *name;
	enum pkind kind;
	unsigned mode;
};

static const struct pentry root_entries[] = {
	{ "self", P_SELF, S_IFLNK_K | 0777 },
	{ "meminfo", P_MEMINFO, S_IFREG_K | 0444 }, { "cpuinfo", P_CPUINFO, S_IFREG_K | 0444 },
	{ "uptime", P_UPTIME, S_IFREG_K | 0444 },  { "mounts", P_MOUNTS, S_IFLNK_K | 0777 },
	{ "loadavg", P_LOADAVG, S_IFREG_K | 0444 }, { "stat", P_STAT, S_IFREG_K | 0444 },
};
static const struct pentry pid_entries[] = {
	{ "maps", P_MAPS, S_IFREG_K | 0444 },     { "status", P_STATUS, S_IFREG_K | 0444 },
	{ "cmdline", P_CMDLINE, S_IFREG_K | 0444 }, { "exe", P_EXE, S_IFLNK_K | 0777 },
	{ "fd", P_FDDIR, S_IFDIR_K | 0500 },      { "mounts", P_PID_MOUNTS, S_IFREG_K | 0444 },
	{ "stat", P_PID_STAT, S_IFREG_K | 0444 },  { "comm", P_COMM, S_IFREG_K | 0444 },
	{ "cwd", P_CWD, S_IFLNK_K | 0777 },        { "root", P_PID_ROOT, S_IFLNK_K | 0777 },
};

struct pnode {
	enum pkind kind;
	int pid;                 /* below /proc/PID; 0 at the top */
	int fd;                  /* P_FD */
};

/* Files added by drivers at boot (set before /proc is used, then read-only). */
#define NR_EXT 4
static struct {
	const char *name;
	void (*gen)(struct vfs_snapshot *s);
} ext_files[NR_EXT];
static int nr_ext;

int procfs_add_file(const char *name, void (*gen)(struct vfs_snapshot *s))
{
	if (nr_ext >= NR_EXT)
		return -ENOSPC;
	ext_files[nr_ext].name = name;
	ext_files[nr_ext].gen = gen;
	__atomic_store_n(&nr_ext, nr_ext + 1, __ATOMIC_RELEASE);
	return 0;
}

static const struct vnode_ops proc_vops;
static const struct file_ops proc_dir_fops, proc_file_fops, proc_none_fops;
extern struct cmdline kernel_cmdline; /* kern/start.c */

static struct pnode *PN(struct vnode *vn)
{
	return vn->priv;
}

static uint64_t proc_ino(enum pkind kind, int pid, int fd)
{
	if (!pid)
		return 2 + (uint64_t)kind + (kind == P_EXT ? (uint64_t)fd : 0);
	return (uint64_t)pid << 32 | (uint64_t)kind << 24 | (uint64_t)fd;
}

/* A node of process p (NULL at the top): owned by p's effective ids, as on
 * Linux (ps shows the owner of /proc/PID as the process's user). */
static struct vnode *proc_vnode(struct mount *mnt, enum pkind kind, unsigned mode,
				struct proc *p, int fd)
{
	struct vnode *vn = vnode_alloc(mnt, mode);
	struct pnode *n = kzalloc(sizeof(*n));
	if (!vn || !n) {
		kfree(vn);
		kfree(n);
		return NULL;
	}
	n->kind = kind;
	n->pid = p ? p->pid : 0;
	n->fd = fd;
	vn->priv = n;
	vn->ops = &proc_vops;
	vn->ino = proc_ino(kind, n->pid, fd);
	if (p) {
		vn->uid = p->euid;
		vn->gid = p->egid;
	}
	if (S_ISDIR(mode)) {
		vn->fops = &proc_dir_fops;
		vn->vflags |= VN_NOCACHE;
		vn->nlink = 2;
	} else {
		vn->fops = S_ISREG(mode) ? &proc_file_fops : &proc_none_fops;
	}
	return vn;
}

static bool name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(name, s, len);
}

/* A decimal number without sign or leading zeros (an fd, a pid), or -1. */
static int parse_num(const char *name, size_t len)
{
	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

/* ---- processes ---- */

/* The process a node belongs to, with a reference (proc_put), or NULL if it has gone. */
static struct proc *node_proc(struct vnode *vn)
{
	return proc_get(PN(vn)->pid);
}

/*
 * What procfs takes from another process's fs context, mm and names is read
 * under p->lock, which guards those pointers against exit (p->fs goes) and
 * exec (p->mm, p->exe, p->cmdline are replaced): a reference is taken (a
 * file, a dentry, the mm) or the bytes are copied before the lock is let go.
 */
static struct file *proc_fd_get(struct proc *p, int fd)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct file *file = p->fs ? fdt_get(&p->fs->fds, fd) : NULL;
	spin_unlock_irqrestore(&p->lock, f);
	return file;
}

static int proc_fd_next(struct proc *p, int from)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	int fd = p->fs ? fdt_next_open(&p->fs->fds, from) : -1;
	spin_unlock_irqrestore(&p->lock, f);
	return fd;
}

static struct dentry *proc_cwd_get(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct dentry *d = p->fs ? vfs_ctx_cwd(p->fs) : NULL;
	spin_unlock_irqrestore(&p->lock, f);
	return d;
}

static struct dentry *proc_root_get(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct dentry *d = p->fs ? p->fs->root : NULL;
	if (d)
		dentry_get(d); /* never changes (no chroot): held by the context */
	spin_unlock_irqrestore(&p->lock, f);
	return d;
}

/* The program p runs (its dentry, referenced), or NULL (pid 1: no file). */
static struct dentry *proc_exe_get(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct dentry *d = p->exe;
	if (d)
		dentry_get(d);
	spin_unlock_irqrestore(&p->lock, f);
	return d;
}

/* p's address space with a reference (uvm_put), or NULL (pid 1, a zombie). A
 * live thread holds the mm while nthreads > 0, and exec swaps it under p->lock. */
static struct mm *proc_mm_get(struct proc *p)
{
	uint64_t f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->nthreads > 0 ? p->mm : NULL;
	if (mm)
		uvm_get(mm);
	spin_unlock_irqrestore(&p->lock, f);
	return mm;
}

static void hp_comm(char name[16]);

/* p's name: the program's base name (pid 1: the kernel command line's argv[0]). */
static void proc_comm(struct proc *p, char name[16])
{
	if (p == &hp_proc) {
		hp_comm(name);
		return;
	}
	uint64_t f = spin_lock_irqsave(&p->lock);
	memcpy(name, p->comm, 16);
	spin_unlock_irqrestore(&p->lock, f);
	name[15] = 0;
}

/* A kmalloc'd copy of p->cmdline (*len bytes), or NULL when it has none. */
static char *proc_cmdline_copy(struct proc *p, size_t *len)
{
	for (int tries = 0; tries < 4; tries++) {
		size_t want = READ_ONCE(p->cmdline_len);
		char *buf = want ? kmalloc(want) : NULL;
		if (!buf)
			return NULL;
		uint64_t f = spin_lock_irqsave(&p->lock);
		bool fits = p->cmdline && p->cmdline_len <= want;
		if (fits) {
			*len = p->cmdline_len;
			memcpy(buf, p->cmdline, *len);
		}
		spin_unlock_irqrestore(&p->lock, f);
		if (fits)
			return buf;
		kfree(buf); /* an exec changed it meanwhile */
	}
	return NULL;
}

/* Fields of the process tree, read under proc_lock (proc_for_each). */
struct tree_info {
	int pid;                 /* wanted */
	bool found;
	int ppid, pgid, sid, state;
	bool stopped;
};

static void read_tree(struct proc *p, void *ctx)
{
	struct tree_info *ti = ctx;
	if (p->pid != ti->pid)
		return;
	ti->found = true;
	ti->ppid = p->parent ? p->parent->pid : 0;
	ti->pgid = p->pgid;
	ti->sid = p->sid;
	ti->state = p->state;
	ti->stopped = p->stopped;
}

static void tree_info(struct proc *p, struct tree_info *ti)
{
	*ti = (struct tree_info){ .pid = p->pid, .ppid = 0, .pgid = p->pgid, .sid = p->sid,
				  .state = p->state, .stopped = p->stopped };
	proc_for_each(read_tree, ti);
}

/* Every live pid, ascending, in a kmalloc'd array (*n of them), or NULL. */
struct pid_list {
	int *pids;
	int n, cap, total;
	int nthreads;
};

static void collect_pid(struct proc *p, void *ctx)
{
	struct pid_list *l = ctx;
	l->total++;
	l->nthreads += p->nthreads;
	if (l->n < l->cap)
		l->pids[l->n++] = p->pid;
}

static int *list_pids(int *n, int *nthreads)
{
	struct pid_list l = { .cap = 64 };
	for (;;) {
		l.pids = kmalloc(sizeof(int) * (size_t)l.cap);
		if (!l.pids)
			return NULL;
		l.n = l.total = l.nthreads = 0;
		proc_for_each(collect_pid, &l);
		if (l.total <= l.cap)
			break;
		kfree(l.pids);
		l.cap = l.total + 32; /* more came since: try again with room */
	}
	for (int gap = l.n / 2; gap > 0; gap /= 2) /* shell sort */
		for (int i = gap; i < l.n; i++)
			for (int j = i; j >= gap && l.pids[j - gap] > l.pids[j]; j -= gap) {
				int t = l.pids[j];
				l.pids[j] = l.pids[j - gap];
				l.pids[j - gap] = t;
			}
	*n = l.n;
	if (nthreads)
		*nthreads = l.nthreads;
	return l.pids;
}

/* ---- directories ---- */

static int table_lookup(struct vnode *dir, const struct pentry *t, size_t n, const char *name,
			size_t len, struct proc *p, struct vnode **out)
{
	for (size_t i = 0; i < n; i++) {
		if (name_is(name, len, t[i].name)) {
			*out = proc_vnode(dir->mnt, t[i].kind, t[i].mode, p, 0);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int proc_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	if (PN(dir)->kind == P_ROOT) {
		int r = table_lookup(dir, root_entries, ARRAY_SIZE(root_entries), name, len, NULL,
				     out);
		int next = __atomic_load_n(&nr_ext, __ATOMIC_ACQUIRE);
		for (int i = 0; r == -ENOENT && i < next; i++)
			if (name_is(name, len, ext_files[i].name)) {
				*out = proc_vnode(dir->mnt, P_EXT, S_IFREG_K | 0444, NULL, i);
				return *out ? 0 : -ENOMEM;
			}
		int pid = parse_num(name, len);
		struct proc *p = r == -ENOENT && pid > 0 ? proc_get(pid) : NULL;
		if (!p)
			return r;
		*out = proc_vnode(dir->mnt, P_PID, S_IFDIR_K | 0555, p, 0);
		proc_put(p);
		return *out ? 0 : -ENOMEM;
	}
	if (PN(dir)->kind != P_PID && PN(dir)->kind != P_FDDIR)
		return -ENOTDIR;
	struct proc *p = node_proc(dir);
	if (!p)
		return -ENOENT;
	int r;
	if (PN(dir)->kind == P_PID) {
		r = table_lookup(dir, pid_entries, ARRAY_SIZE(pid_entries), name, len, p, out);
	} else {
		int fd = parse_num(name, len);
		struct file *f = fd >= 0 ? proc_fd_get(p, fd) : NULL;
		r = -ENOENT;
		if (f) {
			file_put(f);
			*out = proc_vnode(dir->mnt, P_FD, S_IFLNK_K | 0700, p, fd);
			r = *out ? 0 : -ENOMEM;
		}
	}
	proc_put(p);
	return r;
}

static int readdir_fds(struct file *f, struct vfs_dirent_sink *sink)
{
	struct proc *p = node_proc(f->vnode);
	if (p) {
		for (int fd = proc_fd_next(p, (int)sink->pos - 2); fd >= 0;
		     fd = proc_fd_next(p, fd + 1)) {
			char name[16];
			int n = ksnprintf(name, sizeof(name), "%d", fd);
			if (!sink->emit(sink, name, (size_t)n, proc_ino(P_FD, p->pid, fd), DT_LNK_K,
					(uint64_t)fd + 3))
				break;
			sink->pos = (uint64_t)fd + 3;
		}
	}
	if (p)
		proc_put(p);
	return 0;
}

/* The pids after the fixed names: position PID_POS + pid resumes at that pid. */
static int readdir_pids(struct vfs_dirent_sink *sink)
{
	int n;
	int *pids = list_pids(&n, NULL);
	if (!pids)
		return -ENOMEM;
	int from = sink->pos >= PID_POS ? (int)(sink->pos - PID_POS) : 0;
	for (int i = 0; i < n; i++) {
		if (pids[i] < from)
			continue;
		char name[16];
		int len = ksnprintf(name, sizeof(name), "%d", pids[i]);
		uint64_t next = PID_POS + (uint64_t)pids[i] + 1;
		if (!sink->emit(sink, name, (size_t)len, proc_ino(P_PID, pids[i], 0), DT_DIR_K,
				next))
			break;
		sink->pos = next;
	}
	kfree(pids);
	return 0;
}

static int proc_readdir(struct file *f, struct vfs_dirent_sink *sink)
{
	if (!vfs_emit_dots(f, sink))
		return 0;
	enum pkind k = PN(f->vnode)->kind;
	if (k == P_FDDIR)
		return readdir_fds(f, sink);
	int pid = PN(f->vnode)->pid;
	const struct pentry *t = k == P_ROOT ? root_entries : pid_entries;
	size_t n = k == P_ROOT ? ARRAY_SIZE(root_entries) : ARRAY_SIZE(pid_entries);
	size_t next = k == P_ROOT ? (size_t)__atomic_load_n(&nr_ext, __ATOMIC_ACQUIRE) : 0;
	for (size_t i = sink->pos - 2; sink->pos < PID_POS && i < n + next; i++) {
		bool ext = i >= n;
		const char *nm = ext ? ext_files[i - n].name : t[i].name;
		if (!sink->emit(sink, nm, strlen(nm),
				ext ? proc_ino(P_EXT, 0, (int)(i - n)) : proc_ino(t[i].kind, pid, 0),
				ext ? DT_REG_K : (t[i].mode & S_IFMT_K) >> 12, i + 3))
			return 0;
		sink->pos = i + 3;
	}
	return k == P_ROOT ? readdir_pids(sink) : 0;
}

/* ---- symlinks ---- */

/* The HP app's program: the kernel command line's argv[0] if absolute. */
static const char *exe_path(void)
{
	const char *a0 = kernel_cmdline.argc > 0 ? kernel_cmdline.argv[0] : NULL;
	return a0 && a0[0] == '/' ? a0 : "/app";
}

static ssize_t copy_out(char *buf, size_t n, const char *s)
{
	size_t len = MIN(strlen(s), n);
	memcpy(buf, s, len);
	return (ssize_t)len;
}

static ssize_t link_dentry(char *buf, size_t n, struct dentry *d)
{
	char *path = kmalloc(VFS_PATH_MAX);
	if (!path)
		return -ENOMEM;
	ssize_t r = vfs_d_path(d, path, VFS_PATH_MAX, true);
	if (r >= 0)
		r = copy_out(buf, n, path);
	kfree(path);
	return r;
}

static ssize_t link_fd(char *buf, size_t n, struct proc *p, int fd)
{
	struct file *f = proc_fd_get(p, fd);
	if (!f)
		return -ENOENT;
	char tmp[48];
	ssize_t r;
	if (f->dentry) {
		r = link_dentry(buf, n, f->dentry);
	} else if (f->vnode && S_ISFIFO(f->vnode->mode)) {
		ksnprintf(tmp, sizeof(tmp), "pipe:[%lu]", (unsigned long)f->vnode->ino);
		r = copy_out(buf, n, tmp);
	} else if (f->vnode && S_ISSOCK(f->vnode->mode)) {
		ksnprintf(tmp, sizeof(tmp), "socket:[%lu]", (unsigned long)f->vnode->ino);
		r = copy_out(buf, n, tmp);
	} else {
		r = copy_out(buf, n, "anon_inode:[file]");
	}
	file_put(f);
	return r;
}

static ssize_t link_cwd(char *buf, size_t n, struct proc *p)
{
	struct dentry *d = proc_cwd_get(p);
	if (!d)
		return -ENOENT;
	ssize_t r = link_dentry(buf, n, d);
	dentry_put(d);
	return r;
}

/* The absolute path of the file p runs, " (deleted)" once unlinked, as Linux. */
static ssize_t link_exe(char *buf, size_t n, struct proc *p)
{
	struct dentry *d = proc_exe_get(p);
	if (!d)
		return p == &hp_proc ? copy_out(buf, n, exe_path()) : -ENOENT;
	ssize_t r = link_dentry(buf, n, d);
	dentry_put(d);
	return r;
}

static ssize_t proc_readlink(struct vnode *vn, char *buf, size_t n)
{
	char tmp[48];
	switch (PN(vn)->kind) {
	case P_SELF:
		ksnprintf(tmp, sizeof(tmp), "%d", proc_current()->pid);
		return copy_out(buf, n, tmp);
	case P_MOUNTS:
		return copy_out(buf, n, "self/mounts");
	case P_EXE: case P_FD: case P_CWD: case P_PID_ROOT:
		break;
	default:
		return -EINVAL;
	}
	struct proc *p = node_proc(vn);
	if (!p)
		return -ENOENT;
	ssize_t r;
	switch (PN(vn)->kind) {
	case P_EXE:
		r = link_exe(buf, n, p);
		break;
	case P_FD:
		r = link_fd(buf, n, p, PN(vn)->fd);
		break;
	case P_CWD:
		r = link_cwd(buf, n, p);
		break;
	default: { /* P_PID_ROOT */
		struct dentry *d = proc_root_get(p);
		r = d ? link_dentry(buf, n, d) : -ENOENT;
		if (d)
			dentry_put(d);
		break;
	}
	}
	proc_put(p);
	return r;
}

/* ---- generated files ---- */

static void gen_meminfo(struct vfs_snapshot *s)
{
	unsigned long total = pfa_total_pages() * 4, free = pfa_free_pages() * 4;
	snap_printf(s, "MemTotal:       %8lu kB\n", total);
	snap_printf(s, "MemFree:        %8lu kB\n", free);
	snap_printf(s, "MemAvailable:   %8lu kB\n", free);
	snap_printf(s, "Buffers:        %8lu kB\n", 0UL);
	snap_printf(s, "Cached:         %8lu kB\n", 0UL);
	snap_printf(s, "SwapCached:     %8lu kB\n", 0UL);
	snap_printf(s, "SwapTotal:      %8lu kB\n", 0UL);
	snap_printf(s, "SwapFree:       %8lu kB\n", 0UL);
	snap_printf(s, "Shmem:          %8lu kB\n", 0UL);
	snap_printf(s, "Slab:           %8lu kB\n", (unsigned long)(kmalloc_bytes_in_use() / 1024));
}

static const char *const flags_edx1[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
	"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
	"mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
};
static const char *const flags_ecx1[32] = {
	"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
	"ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca", "sse4_1",
	"sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", NULL,
	"avx", "f16c", "rdrand", "hypervisor",
};
static const char *const flags_ebx7[32] = {
	"fsgsbase", NULL, NULL, "bmi1", "hle", "avx2", NULL, "smep", "bmi2", "erms",
	"invpcid", "rtm", NULL, NULL, "mpx", NULL, "avx512f", "avx512dq", "rdseed", "adx",
	"smap", "avx512ifma", NULL, "clflushopt", "clwb", NULL, "avx512pf", "avx512er",
	"avx512cd", "sha_ni", "avx512bw", "avx512vl",
};
static const char *const flags_edx81[32] = {
	[11] = "syscall", [20] = "nx", [26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm",
};
static const char *const flags_ecx81[32] = {
	[0] = "lahf_lm", [5] = "abm", [6] = "sse4a", [8] = "3dnowprefetch",
};

static void put_flags(struct vfs_snapshot *s, uint32_t bits, const char *const names[32])
{
	for (int i = 0; i < 32; i++)
		if ((bits & (1u << i)) && names[i])
			snap_printf(s, " %s", names[i]);
}

static void gen_cpuinfo(struct vfs_snapshot *s)
{
	struct cpuid_regs v = cpuid(0, 0), l1 = cpuid(1, 0), l7 = { 0 }, e1 = { 0 };
	char vendor[13];
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	if (v.eax >= 7)
		l7 = cpuid(7, 0);
	char brand[49] = "unknown";
	uint32_t maxe = cpuid(0x80000000, 0).eax;
	if (maxe >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	if (maxe >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid_regs b = cpuid(0x80000002 + i, 0);
			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = 0;
	}
	const char *bp = brand;
	while (*bp == ' ')
		bp++;
	unsigned family = (l1.eax >> 8) & 0xf, model = (l1.eax >> 4) & 0xf;
	if (family == 0xf)
		family += (l1.eax >> 20) & 0xff;
	if (family >= 6)
		model |= ((l1.eax >> 16) & 0xf) << 4;
	unsigned long khz = (unsigned long)(clock_tsc_hz() / 1000);
	for (int c = 0; c < nr_cpus; c++) {
		snap_printf(s, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\n", c, vendor, family);
		snap_printf(s, "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n", model, bp,
			    l1.eax & 0xf);
		snap_printf(s, "cpu MHz\t\t: %lu.%03lu\n", khz / 1000, khz % 1000);
		snap_printf(s, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\n",
			    nr_cpus, c, nr_cpus);
		snap_printf(s, "apicid\t\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\n"
			    "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
			    cpus[c] ? cpus[c]->apic_id : (unsigned)c, v.eax);
		put_flags(s, l1.edx, flags_edx1);
		put_flags(s, e1.edx, flags_edx81);
		put_flags(s, l1.ecx, flags_ecx1);
		put_flags(s, e1.ecx, flags_ecx81);
		put_flags(s, l7.ebx, flags_ebx7);
		snap_printf(s, "\nbogomips\t: %lu.%02lu\nclflush size\t: 64\n"
			    "cache_alignment\t: 64\naddress sizes\t: 46 bits physical, 48 bits virtual\n\n",
			    khz / 500, (khz / 5) % 100);
	}
}

static void gen_uptime(struct vfs_snapshot *s)
{
	uint64_t up = clock_ns(), idle = 0;
	for (int c = 0; c < nr_cpus; c++)
		if (cpus[c])
			idle += cpus[c]->idle_ns;
	snap_printf(s, "%lu.%02lu %lu.%02lu\n", (unsigned long)(up / 1000000000),
		    (unsigned long)(up / 10000000 % 100), (unsigned long)(idle / 1000000000),
		    (unsigned long)(idle / 10000000 % 100));
}

#define MAX_MOUNTS_LISTED 64
struct mount_list {
	struct mount *m[MAX_MOUNTS_LISTED];
	int n;
};

static void collect_mount(struct mount *m, void *ctx)
{
	struct mount_list *l = ctx;
	if (l->n < MAX_MOUNTS_LISTED)
		l->m[l->n++] = m;
}

static void gen_mounts(struct vfs_snapshot *s)
{
	struct mount_list *l = kzalloc(sizeof(*l));
	char *path = kmalloc(VFS_PATH_MAX);
	if (l && path) {
		vfs_for_each_mount(collect_mount, l);
		for (int i = 0; i < l->n; i++) {
			struct mount *m = l->m[i];
			if (vfs_d_path(m->root, path, VFS_PATH_MAX, false) < 0)
				continue; /* detached, or outside our root */
			snap_printf(s, "%s %s %s %s 0 0\n", m->source, path, m->type->name,
				    (m->flags & MS_RDONLY_K) ? "ro" : "rw");
		}
	}
	kfree(l);
	kfree(path);
}

static void gen_maps(struct vfs_snapshot *s)
{
	extern char __image_start[];
	const struct elf64_ehdr *eh = (const void *)__image_start;
	const struct elf64_phdr *ph = (const void *)(__image_start + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		uint64_t lo = ALIGN_DOWN(ph[i].p_vaddr, PAGE_SIZE);
		uint64_t hi = ALIGN_UP(ph[i].p_vaddr + ph[i].p_memsz, PAGE_SIZE);
		snap_printf(s, "%08lx-%08lx %c%c%cp %08lx 00:00 0 %s\n", (unsigned long)lo,
			    (unsigned long)hi, ph[i].p_flags & PF_R ? 'r' : '-',
			    ph[i].p_flags & PF_W ? 'w' : '-', ph[i].p_flags & PF_X ? 'x' : '-',
			    (unsigned long)ALIGN_DOWN(ph[i].p_offset, PAGE_SIZE),
			    exe_path());
	}
	size_t cap = 64, n;
	struct vma *v = NULL;
	for (;;) {
		kfree(v);
		v = kmalloc(cap * sizeof(*v));
		if (!v)
			return;
		n = vma_snapshot(v, cap);
		if (n <= cap)
			break;
		cap = n + 16;
	}
	for (size_t i = 0; i < n; i++) {
		bool p = v[i].pte & PTE_P;
		snap_printf(s, "%08lx-%08lx %c%c%cp 00000000 00:00 0 %s\n", (unsigned long)v[i].start,
			    (unsigned long)v[i].end, p ? 'r' : '-', p && (v[i].pte & PTE_W) ? 'w' : '-',
			    p && !(v[i].pte & PTE_NX) ? 'x' : '-',
			    (v[i].flags & VMA_MMIO) ? "[mmio]" : "");
	}
	kfree(v);
}

/* ---- per process ---- */

/* What the stat and status files say about one process, gathered once. */
struct pinfo {
	struct tree_info tree;
	char state;              /* R S T Z */
	const char *state_name;
	char comm[16];
	int nthreads, cpu;
	uint64_t cpu_ns, vsize, rss_pages;
	uint64_t sig_thread, sig_blocked, sig_ignored, sig_caught;
	uint64_t nvcsw, nivcsw;
};

/* The sum of the sizes of the mappings in a maps text ("start-end ..." lines). */
static uint64_t maps_size(const char *s, size_t len)
{
	uint64_t total = 0;
	const char *end = s + len;
	while (s < end) {
		uint64_t a = 0, b = 0;
		while (s < end && *s != '-') {
			unsigned c = (unsigned char)*s++;
			a = a * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		s++;
		while (s < end && *s != ' ') {
			unsigned c = (unsigned char)*s++;
			b = b * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		if (b > a)
			total += b - a;
		while (s < end && *s++ != '\n')
			;
	}
	return total;
}

/* A compat process's maps text (kmalloc'd, *len bytes), or NULL. uvm_maps_text
 * leaves out the lines that do not fit (each < 128 bytes): room to spare
 * means that none was. */
#define MAPS_LINE_MAX 128
static char *maps_text(struct proc *p, size_t *len)
{
	struct mm *mm = proc_mm_get(p);
	if (!mm)
		return NULL;
	char *text = NULL;
	for (size_t cap = 4096; cap <= (16u << 20) && !text; cap *= 2) {
		char *buf = kmalloc(cap);
		if (!buf)
			break;
		size_t n = uvm_maps_text(mm, buf, cap);
		if (n + MAPS_LINE_MAX <= cap) {
			*len = n;
			text = buf;
		} else {
			kfree(buf);
		}
	}
	uvm_put(mm);
	return text;
}

static void hp_comm(char name[16])
{
	const char *a0 = kernel_cmdline.argc > 0 ? kernel_cmdline.argv[0] : "app";
	const char *base = a0;
	for (const char *c = a0; *c; c++)
		if (*c == '/' && c[1])
			base = c + 1;
	strlcpy(name, base, 16);
}

static void get_pinfo(struct proc *p, struct pinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	tree_info(p, &pi->tree);
	proc_comm(p, pi->comm);
	pi->cpu_ns = proc_cpu_ns(p);

	bool running = p == proc_current();
	struct thread *me = sched_current();
	pi->cpu = me->cpu;
	uint64_t f = spin_lock_irqsave(&p->lock);
	for (struct thread *t = p->threads; t; t = t->proc_next) {
		if (t->state == THREAD_RUNNING || t->state == THREAD_READY ||
		    t->state == THREAD_WAKING)
			running = true;
		if (t == p->threads) {
			pi->cpu = t->cpu;
			pi->sig_thread = t->sig_pending;
			pi->sig_blocked = t->sig_mask;
		}
		pi->nivcsw += t->preemptions;
		pi->nvcsw += t->switches > t->preemptions ? t->switches - t->preemptions : 0;
	}
	for (int sig = 1; sig <= NSIG_K; sig++) {
		unsigned long h = p->sigact[sig - 1].handler;
		if (h == 1) /* SIG_IGN */
			pi->sig_ignored |= SIGBIT(sig);
		else if (h > 1)
			pi->sig_caught |= SIGBIT(sig);
	}
	pi->nthreads = p->nthreads;
	spin_unlock_irqrestore(&p->lock, f);
	if (p == &hp_proc) {
		pi->nthreads = sched_app_threads();
		if (p == proc_current())
			pi->sig_blocked = me->sig_mask;
	}

	if (pi->tree.state == PROC_ZOMBIE) {
		pi->state = 'Z', pi->state_name = "zombie";
	} else if (pi->tree.stopped) {
		pi->state = 'T', pi->state_name = "stopped";
	} else if (running) {
		pi->state = 'R', pi->state_name = "running";
	} else {
		pi->state = 'S', pi->state_name = "sleeping";
	}

	if (proc_is_user(p)) {
		size_t len;
		char *text = maps_text(p, &len);
		if (text)
			pi->vsize = maps_size(text, len);
		kfree(text);
		uint64_t f = spin_lock_irqsave(&p->lock); /* guards p->mm against exec and exit */
		pi->rss_pages = p->mm && p->nthreads ? READ_ONCE(p->mm->rss) : 0;
		spin_unlock_irqrestore(&p->lock, f);
	} else if (p == &hp_proc) {
		/* The HP app shares the machine's memory: what is in use. */
		pi->rss_pages = pfa_total_pages() - pfa_free_pages();
		pi->vsize = pi->rss_pages * PAGE_SIZE;
	}
}

static void gen_status(struct vfs_snapshot *s, struct proc *p)
{
	struct pinfo pi;
	get_pinfo(p, &pi);
	int fdsize = 0;
	for (int fd = proc_fd_next(p, 0); fd >= 0; fd = proc_fd_next(p, fd + 1))
		fdsize = fd + 1;
	uint64_t f = spin_lock_irqsave(&p->lock);
	unsigned umask = p->fs ? p->fs->umask : 022;
	spin_unlock_irqrestore(&p->lock, f);
	unsigned long kb = (unsigned long)(pi.vsize / 1024);
	unsigned long rss = (unsigned long)(pi.rss_pages * (PAGE_SIZE / 1024));
	snap_printf(s, "Name:\t%s\nUmask:\t%04o\nState:\t%c (%s)\nTgid:\t%d\nNgid:\t0\n", pi.comm,
		    umask, pi.state, pi.state_name, p->pid);
	snap_printf(s, "Pid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", p->pid, pi.tree.ppid);
	snap_printf(s, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", p->uid, p->euid, p->suid,
		    p->fsuid, p->gid, p->egid, p->sgid, p->fsgid);
	snap_printf(s, "FDSize:\t%d\nGroups:\t", MAX(fdsize, 64));
	for (int i = 0; i < p->ngroups && i < PROC_NGROUPS; i++)
		snap_printf(s, i ? " %u" : "%u", p->groups[i]);
	snap_printf(s, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid, p->pid,
		    pi.tree.pgid, pi.tree.sid);
	if (pi.tree.state != PROC_ZOMBIE) {
		snap_printf(s, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\n", kb, kb);
		snap_printf(s, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", rss, rss);
	}
	snap_printf(s, "Threads:\t%d\nSigQ:\t0/%lu\n", pi.nthreads,
		    p->rlim[RLIMIT_SIGPENDING_K].rlim_cur);
	snap_printf(s, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n",
		    (unsigned long)pi.sig_thread, (unsigned long)p->sig_pending,
		    (unsigned long)pi.sig_blocked);
	snap_printf(s, "SigIgn:\t%016lx\nSigCgt:\t%016lx\n", (unsigned long)pi.sig_ignored,
		    (unsigned long)pi.sig_caught);
	snap_printf(s, "Cpus_allowed_list:\t0-%d\n", nr_cpus - 1);
	snap_printf(s, "voluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n",
		    (unsigned long)pi.nvcsw, (unsigned long)pi.nivcsw);
}

/* proc(5)'s 52 fields; CPU time is all user time. */
static void gen_pid_stat(struct vfs_snapshot *s, struct proc *p)
{
	extern char __image_start[], __etext[];
	struct pinfo pi;
	get_pinfo(p, &pi);
	bool hp = p == &hp_proc;
	int exit_code = pi.tree.state == PROC_ZOMBIE ? p->exit_status : 0;
	snap_printf(s, "%d (%s) %c %d %d %d %d %d %u %lu %lu %lu %lu ", p->pid, pi.comm, pi.state,
		    pi.tree.ppid, pi.tree.pgid, pi.tree.sid, CONSOLE_TTY_NR, -1, 0u, 0UL, 0UL,
		    0UL, 0UL);
	snap_printf(s, "%lu %lu %ld %ld %ld %ld %d %ld %lu %lu %lu %lu ",
		    (unsigned long)(pi.cpu_ns / NS_PER_TICK), 0UL,
		    (long)(p->cutime_ns / NS_PER_TICK), (long)(p->cstime_ns / NS_PER_TICK),
		    20L, 0L, pi.nthreads, 0L, (unsigned long)(p->start_ns / NS_PER_TICK),
		    (unsigned long)pi.vsize, (unsigned long)pi.rss_pages,
		    p->rlim[RLIMIT_RSS_K].rlim_cur);
	snap_printf(s, "%lu %lu %lu %lu %lu ", hp ? (unsigned long)__image_start : 0UL,
		    hp ? (unsigned long)__etext : 0UL, 0UL, 0UL, 0UL);
	snap_printf(s, "%lu %lu %lu %lu %lu %lu %lu %d %d %u %u %lu %lu %ld ",
		    (unsigned long)(pi.sig_thread | p->sig_pending), (unsigned long)pi.sig_blocked,
		    (unsigned long)pi.sig_ignored, (unsigned long)pi.sig_caught, 0UL, 0UL, 0UL,
		    SIGCHLD_K, pi.cpu, 0u, 0u, 0UL, 0UL, 0L);
	snap_printf(s, "%lu %lu %lu %lu %lu %lu %lu %d\n", 0UL, 0UL, 0UL, 0UL, 0UL, 0UL, 0UL,
		    exit_code);
}

static void gen_comm(struct vfs_snapshot *s, struct proc *p)
{
	char name[16];
	proc_comm(p, name);
	snap_printf(s, "%s\n", name);
}

static void gen_cmdline(struct vfs_snapshot *s, struct proc *p)
{
	size_t len;
	char *c = p == &hp_proc ? NULL : proc_cmdline_copy(p, &len);
	if (c) {
		snap_put(s, c, len);
		kfree(c);
		return;
	}
	if (p != &hp_proc)
		return;
	for (int i = 0; i < kernel_cmdline.argc; i++)
		snap_put(s, kernel_cmdline.argv[i], strlen(kernel_cmdline.argv[i]) + 1);
}

static void gen_pid_maps(struct vfs_snapshot *s, struct proc *p)
{
	if (!proc_is_user(p)) {
		if (p == &hp_proc)
			gen_maps(s);
		return;
	}
	size_t len;
	char *text = maps_text(p, &len);
	if (text)
		snap_put(s, text, len);
	kfree(text);
}

/* ---- system-wide ---- */

static void gen_loadavg(struct vfs_snapshot *s)
{
	int n, nthreads, running = 0;
	int *pids = list_pids(&n, &nthreads);
	for (int c = 0; c < nr_cpus; c++) {
		if (!cpus[c] || !cpus[c]->online)
			continue;
		running += sched_nr_ready(c) + (cpus[c]->current != cpus[c]->idle);
	}
	snap_printf(s, "0.00 0.00 0.00 %d/%d %d\n", MAX(running, 1), MAX(nthreads, n),
		    pids && n ? pids[n - 1] : 1);
	kfree(pids);
}

/* Busy and idle time of CPU c in ticks (busy: all counted as user time). */
static void cpu_ticks(int c, uint64_t now, uint64_t *busy, uint64_t *idle)
{
	struct cpu *cpu = cpus[c];
	uint64_t id = cpu->idle_ns;
	struct thread *cur = cpu->current;
	if (cur == cpu->idle && now > cur->last_start_ns)
		id += now - cur->last_start_ns; /* the idle period now going on */
	*idle = id / NS_PER_TICK;
	*busy = now > id ? (now - id) / NS_PER_TICK : 0;
}

static void gen_stat(struct vfs_snapshot *s)
{
	uint64_t now = clock_ns(), busy = 0, idle = 0, ctxt = 0, intr = 0;
	for (int c = 0; c < nr_cpus; c++) {
		if (!cpus[c])
			continue;
		uint64_t b, i;
		cpu_ticks(c, now, &b, &i);
		busy += b, idle += i;
		ctxt += cpus[c]->context_switches;
		intr += cpus[c]->irqs + cpus[c]->timer_irqs;
	}
	snap_printf(s, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", (unsigned long)busy, (unsigned long)idle);
	for (int c = 0; c < nr_cpus; c++) {
		if (!cpus[c])
			continue;
		uint64_t b, i;
		cpu_ticks(c, now, &b, &i);
		snap_printf(s, "cpu%d %lu 0 0 %lu 0 0 0 0 0 0\n", c, (unsigned long)b,
			    (unsigned long)i);
	}
	int n, nthreads, running = 0;
	int *pids = list_pids(&n, &nthreads);
	for (int c = 0; c < nr_cpus; c++)
		if (cpus[c] && cpus[c]->online)
			running += sched_nr_ready(c) + (cpus[c]->current != cpus[c]->idle);
	uint64_t rt = clock_realtime_ns();
	snap_printf(s, "intr %lu\nctxt %lu\nbtime %lu\n", (unsigned long)intr, (unsigned long)ctxt,
		    (unsigned long)((rt > now ? rt - now : 0) / 1000000000ULL));
	snap_printf(s, "processes %d\nprocs_running %d\nprocs_blocked 0\n",
		    pids && n ? pids[n - 1] : 1, MAX(running, 1));
	snap_printf(s, "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
	kfree(pids);
}

static int proc_open(struct vnode *vn, struct file *f)
{
	struct vfs_snapshot *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	struct proc *p = NULL;
	if (PN(vn)->pid && !(p = node_proc(vn))) {
		kfree(s);
		return -ESRCH; /* the process has gone (Linux says ESRCH too) */
	}
	switch (PN(vn)->kind) {
	case P_MEMINFO: gen_meminfo(s); break;
	case P_CPUINFO: gen_cpuinfo(s); break;
	case P_UPTIME: gen_uptime(s); break;
	case P_LOADAVG: gen_loadavg(s); break;
	case P_STAT: gen_stat(s); break;
	case P_PID_MOUNTS: gen_mounts(s); break;
	case P_MAPS: gen_pid_maps(s, p); break;
	case P_STATUS: gen_status(s, p); break;
	case P_PID_STAT: gen_pid_stat(s, p); break;
	case P_COMM: gen_comm(s, p); break;
	case P_CMDLINE: gen_cmdline(s, p); break;
	case P_EXT: ext_files[PN(vn)->fd].gen(s); break;
	default: break;
	}
	if (p)
		proc_put(p);
	f->priv = s;
	return 0;
}

static void proc_release(struct file *f)
{
	struct vfs_snapshot *s = f->priv;
	if (s) {
		snap_free(s);
		kfree(s);
	}
}

static ssize_t proc_read(struct file *f, void *buf, size_t n, uint64_t *pos)
{
	struct vfs_snapshot *s = f->priv;
	if (!s || *pos >= s->len)
		return 0;
	size_t k = MIN(n, s->len - *pos);
	memcpy(buf, s->buf + *pos, k);
	*pos += k;
	return (ssize_t)k;
}

static ssize_t proc_write(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
	return -EACCES;
}

static void proc_evict(struct vnode *vn)
{
	kfree(vn->priv);
}

/*
 * /proc/PID/{exe,cwd,root,fd/N} are magic links (vnode_ops.magic): a walk
 * through one reaches the object itself - the program's file, the
 * directory, the open file's dentry, or the open file when it has no path
 * (pipes, eventfd...) - even once it is deleted. The HP app's exe has no
 * file behind it: its text is followed.
 */
static int proc_magic(struct vnode *vn, struct dentry **d, struct file **f)
{
	enum pkind k = PN(vn)->kind;
	if (k != P_EXE && k != P_CWD && k != P_PID_ROOT && k != P_FD)
		return 0; /* /proc/self, /proc/mounts: ordinary links */
	struct proc *p = node_proc(vn);
	if (!p)
		return -ENOENT;
	if (k == P_EXE)
		*d = proc_exe_get(p);
	else if (k == P_CWD)
		*d = proc_cwd_get(p);
	else if (k == P_PID_ROOT)
		*d = proc_root_get(p);
	else if ((*f = proc_fd_get(p, PN(vn)->fd)) && (*f)->dentry) {
		*d = (*f)->dentry;
		dentry_get(*d);
		file_put(*f);
		*f = NULL;
	}
	bool hp_exe = k == P_EXE && p == &hp_proc;
	proc_put(p);
	return *d || *f || hp_exe ? 0 : -ENOENT;
}

static const struct vnode_ops proc_vops = {
	.magic = proc_magic,
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.evict = proc_evict,
};
static const struct file_ops proc_dir_fops = { .readdir = proc_readdir, .seekable = true };
static const struct file_ops proc_file_fops = {
	.open = proc_open, .release = proc_release, .read = proc_read, .write = proc_write,
	.seekable = true,
};
static const struct file_ops proc_none_fops = { .seekable = false };

static int proc_mount(struct fs_type *t, const char *source, const char *data, struct vnode **root)
{
	*root = proc_vnode(NULL, P_ROOT, S_IFDIR_K | 0555, NULL, 0);
	return *root ? 0 : -ENOMEM;
}

static struct fs_type proc_type = { .name = "proc", .mount = proc_mount };

static int procfs_register(void)
{
	vfs_register(&proc_type);
	return 0;
}
INITCALL(INITCALL_DRIVER, procfs_register);
