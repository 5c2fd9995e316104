/*
 * procfs.c - /proc, enough for programs that read it: /proc/self (a link
 * to the pid: 1, the HP app), /proc/1/{maps,status,cmdline,exe,fd/,mounts},
 * /proc/{meminfo,cpuinfo,uptime,mounts}. Below the VFS like any file
 * system; its vnodes are made at each lookup (directories are VN_NOCACHE,
 * so /proc/self/fd always shows the fds open now) and a file's text is
 * generated at open into a snapshot that reads then page through, so small
 * reads see one consistent view. Sources: the fd table (file.c), the mount
 * table (vfs.c), the app's image program headers and the kernel virtual
 * areas (mm/vmarea.c), the page allocator, CPUID and the scheduler.
 */
#include "vfs.h"
#include "../mm/mm.h"
#include "../mm/vmarea.h"
#include "../kern/cmdline.h"
#include "../kern/initcall.h"
#include "../sched/sched.h"
#include "../arch/x86_64/arch.h"
#include "../arch/x86_64/cpu.h"

#define HP_PID 1

enum pkind {
	P_ROOT, P_SELF, P_MEMINFO, P_CPUINFO, P_UPTIME, P_MOUNTS,
	P_PID, P_MAPS, P_STATUS, P_CMDLINE, P_EXE, P_FDDIR, P_FD, P_PID_MOUNTS,
};

struct pentry {
	const char *name;
	enum pkind kind;
	unsigned mode;
};

static const struct pentry root_entries[] = {
	{ "self", P_SELF, S_IFLNK | 0777 },     { "1", P_PID, S_IFDIR | 0555 },
	{ "meminfo", P_MEMINFO, S_IFREG | 0444 }, { "cpuinfo", P_CPUINFO, S_IFREG | 0444 },
	{ "uptime", P_UPTIME, S_IFREG | 0444 },  { "mounts", P_MOUNTS, S_IFLNK | 0777 },
};
static const struct pentry pid_entries[] = {
	{ "maps", P_MAPS, S_IFREG | 0444 },     { "status", P_STATUS, S_IFREG | 0444 },
	{ "cmdline", P_CMDLINE, S_IFREG | 0444 }, { "exe", P_EXE, S_IFLNK | 0777 },
	{ "fd", P_FDDIR, S_IFDIR | 0500 },      { "mounts", P_PID_MOUNTS, S_IFREG | 0444 },
};

struct pnode {
	enum pkind kind;
	int fd;                  /* P_FD */
};

static const struct vnode_ops proc_vops;
static const struct file_ops proc_dir_fops, proc_file_fops, proc_none_fops;
extern struct cmdline kernel_cmdline; /* kern/start.c */

static struct pnode *PN(struct vnode *vn)
{
	return vn->priv;
}

static struct vnode *proc_vnode(struct mount *mnt, enum pkind kind, unsigned mode, int fd)
{
	struct vnode *vn = vnode_alloc(mnt, mode);
	struct pnode *n = kzalloc(sizeof(*n));
	if (!vn || !n) {
		kfree(vn);
		kfree(n);
		return NULL;
	}
	n->kind = kind;
	n->fd = fd;
	vn->priv = n;
	vn->ops = &proc_vops;
	vn->ino = kind == P_FD ? 0x10000 + (uint64_t)fd : 2 + (uint64_t)kind;
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

static int parse_fd(const char *name, size_t len)
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

static int table_lookup(struct vnode *dir, const struct pentry *t, size_t n, const char *name,
			size_t len, struct vnode **out)
{
	for (size_t i = 0; i < n; i++) {
		if (name_is(name, len, t[i].name)) {
			*out = proc_vnode(dir->mnt, t[i].kind, t[i].mode, 0);
			return *out ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

static int proc_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	switch (PN(dir)->kind) {
	case P_ROOT:
		return table_lookup(dir, root_entries, ARRAY_SIZE(root_entries), name, len, out);
	case P_PID:
		return table_lookup(dir, pid_entries, ARRAY_SIZE(pid_entries), name, len, out);
	case P_FDDIR: {
		int fd = parse_fd(name, len);
		struct file *f = fd >= 0 ? fd_get(fd) : NULL;
		if (!f)
			return -ENOENT;
		file_put(f);
		*out = proc_vnode(dir->mnt, P_FD, S_IFLNK | 0700, fd);
		return *out ? 0 : -ENOMEM;
	}
	default:
		return -ENOTDIR;
	}
}

static int proc_readdir(struct file *f, struct vfs_dirent_sink *sink)
{
	if (!vfs_emit_dots(f, sink))
		return 0;
	enum pkind k = PN(f->vnode)->kind;
	if (k == P_FDDIR) {
		for (int fd = fd_next_open((int)sink->pos - 2); fd >= 0; fd = fd_next_open(fd + 1)) {
			char name[16];
			int n = ksnprintf(name, sizeof(name), "%d", fd);
			if (!sink->emit(sink, name, (size_t)n, 0x10000 + (uint64_t)fd, DT_LNK,
					(uint64_t)fd + 3))
				break;
			sink->pos = (uint64_t)fd + 3;
		}
		return 0;
	}
	const struct pentry *t = k == P_ROOT ? root_entries : pid_entries;
	size_t n = k == P_ROOT ? ARRAY_SIZE(root_entries) : ARRAY_SIZE(pid_entries);
	for (size_t i = sink->pos - 2; i < n; i++) {
		if (!sink->emit(sink, t[i].name, strlen(t[i].name), 2 + (uint64_t)t[i].kind,
				(t[i].mode & S_IFMT) >> 12, i + 3))
			break;
		sink->pos = i + 3;
	}
	return 0;
}

/* ---- symlinks ---- */

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

static ssize_t proc_readlink(struct vnode *vn, char *buf, size_t n)
{
	char tmp[48];
	switch (PN(vn)->kind) {
	case P_SELF:
		ksnprintf(tmp, sizeof(tmp), "%d", HP_PID);
		return copy_out(buf, n, tmp);
	case P_MOUNTS:
		return copy_out(buf, n, "self/mounts");
	case P_EXE:
		return copy_out(buf, n, exe_path());
	case P_FD: {
		struct file *f = fd_get(PN(vn)->fd);
		if (!f)
			return -ENOENT;
		ssize_t r;
		char *path = kmalloc(VFS_PATH_MAX);
		if (!path) {
			r = -ENOMEM;
		} else if (f->dentry) {
			r = vfs_d_path(f->dentry, path, VFS_PATH_MAX, true);
			if (r >= 0)
				r = copy_out(buf, n, path);
		} else if (f->vnode && S_ISFIFO(f->vnode->mode)) {
			ksnprintf(tmp, sizeof(tmp), "pipe:[%lu]", (unsigned long)f->vnode->ino);
			r = copy_out(buf, n, tmp);
		} else if (f->vnode && S_ISSOCK(f->vnode->mode)) {
			ksnprintf(tmp, sizeof(tmp), "socket:[%lu]", (unsigned long)f->vnode->ino);
			r = copy_out(buf, n, tmp);
		} else {
			r = copy_out(buf, n, "anon_inode:[file]");
		}
		kfree(path);
		file_put(f);
		return r;
	}
	default:
		return -EINVAL;
	}
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
				    (m->flags & MS_RDONLY) ? "ro" : "rw");
		}
	}
	kfree(l);
	kfree(path);
}

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static void gen_maps(struct vfs_snapshot *s)
{
	extern char __image_start[];
	const uint8_t *eh = (const uint8_t *)__image_start;
	uint64_t phoff;
	uint16_t phnum;
	memcpy(&phoff, eh + 32, 8);
	memcpy(&phnum, eh + 56, 2);
	const struct elf64_phdr *ph = (const void *)(eh + phoff);
	for (int i = 0; i < phnum; i++) {
		if (ph[i].type != 1 /* PT_LOAD */ || !ph[i].memsz)
			continue;
		uint64_t lo = ALIGN_DOWN(ph[i].vaddr, PAGE_SIZE);
		uint64_t hi = ALIGN_UP(ph[i].vaddr + ph[i].memsz, PAGE_SIZE);
		snap_printf(s, "%08lx-%08lx %c%c%cp %08lx 00:00 0 %s\n", (unsigned long)lo,
			    (unsigned long)hi, ph[i].flags & 4 ? 'r' : '-', ph[i].flags & 2 ? 'w' : '-',
			    ph[i].flags & 1 ? 'x' : '-', (unsigned long)ALIGN_DOWN(ph[i].offset, PAGE_SIZE),
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

static void gen_status(struct vfs_snapshot *s)
{
	const char *a0 = kernel_cmdline.argc > 0 ? kernel_cmdline.argv[0] : "app";
	const char *base = a0;
	for (const char *p = a0; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	char name[16];
	strlcpy(name, base, sizeof(name));
	unsigned long used = (pfa_total_pages() - pfa_free_pages()) * 4;
	int fdsize = 0;
	for (int fd = fd_next_open(0); fd >= 0; fd = fd_next_open(fd + 1))
		fdsize = fd + 1;
	snap_printf(s, "Name:\t%s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\n", name,
		    vfs_task()->umask, HP_PID);
	snap_printf(s, "Pid:\t%d\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", HP_PID);
	snap_printf(s, "FDSize:\t%d\nGroups:\t\nVmPeak:\t%8lu kB\nVmSize:\t%8lu kB\n",
		    MAX(fdsize, 64), used, used);
	snap_printf(s, "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\n", used, used);
	snap_printf(s, "Threads:\t%d\nCpus_allowed_list:\t0-%d\n", sched_app_threads(),
		    nr_cpus - 1);
}

static void gen_cmdline(struct vfs_snapshot *s)
{
	for (int i = 0; i < kernel_cmdline.argc; i++)
		snap_put(s, kernel_cmdline.argv[i], strlen(kernel_cmdline.argv[i]) + 1);
}

static int proc_open(struct vnode *vn, struct file *f)
{
	struct vfs_snapshot *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	switch (PN(vn)->kind) {
	case P_MEMINFO: gen_meminfo(s); break;
	case P_CPUINFO: gen_cpuinfo(s); break;
	case P_UPTIME: gen_uptime(s); break;
	case P_PID_MOUNTS: gen_mounts(s); break;
	case P_MAPS: gen_maps(s); break;
	case P_STATUS: gen_status(s); break;
	case P_CMDLINE: gen_cmdline(s); break;
	default: break;
	}
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

static const struct vnode_ops proc_vops = {
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
	*root = proc_vnode(NULL, P_ROOT, S_IFDIR | 0555, 0);
	return *root ? 0 : -ENOMEM;
}

static struct fs_type proc_type = { .name = "proc", .mount = proc_mount };

static int procfs_register(void)
{
	vfs_register(&proc_type);
	return 0;
}
INITCALL(INITCALL_DRIVER, procfs_register);
