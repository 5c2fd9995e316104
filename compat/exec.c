/*
 * exec.c - execve for compat processes and the program launches of the
 * kernel (init=, jiny_spawn): the arguments are copied in, the file is
 * opened (regular, executable, not on a noexec mount), a "#!" script runs
 * its interpreter (4 levels at most), an ELF is checked and planned by
 * compat/elf.c and loaded into a fresh address space (segments with their
 * protections, bss zeroed, brk after the highest segment, an 8 MiB stack
 * filled on demand), and the initial stack gets argc, argv, envp and the
 * auxiliary vector Linux gives (AT_PHDR ... AT_EXECFN, AT_PLATFORM, AT_CLKTCK).
 * Only then is the old program dropped: every failure leaves it running.
 */
#include "proc/proc.h"
#include "proc/signal.h"
#include "compat/elf.h"
#include "compat/exec.h"
#include "abi/linux.h"
#include "sched/sched.h"
#include "mm/uvm.h"
#include "mm/vmarea.h"
#include "fs/vfs.h"
#include "arch/arch.h"
#include "syscall/sys.h"
#include "syscall/user.h"
#include "kern/errno.h"
#include "kern/random.h"

#define ARG_MAX_K (2UL << 20)     /* bytes of argument and environment strings */
#define ARGV_MAX 65536
#define HDR_BYTES 4096

/* Strings of argv or envp, packed: the kernel's own copy. */
struct strv {
	char *buf;
	size_t len, cap;
	int n;
};

static int strv_add(struct strv *v, const char *s, size_t n)
{
	if (v->len + n + 1 > ARG_MAX_K || v->n >= ARGV_MAX)
		return -E2BIG;
	if (v->len + n + 1 > v->cap) {
		size_t cap = MAX(v->cap * 2, v->len + n + 1 + 256);
		char *nb = kmalloc(cap);
		if (!nb)
			return -ENOMEM;
		if (v->buf)
			memcpy(nb, v->buf, v->len);
		kfree(v->buf);
		v->buf = nb;
		v->cap = cap;
	}
	memcpy(v->buf + v->len, s, n);
	v->buf[v->len + n] = 0;
	v->len += n + 1;
	v->n++;
	return 0;
}

/* Copy a NULL-terminated vector of strings from the caller (checked pointers unless trusted). */
static int strv_from_caller(struct strv *v, char *const *vec, bool trusted)
{
	if (!vec)
		return 0;
	for (size_t i = 0; trusted; i++) {
		if (!vec[i])
			return 0;
		int r = strv_add(v, vec[i], strlen(vec[i]));
		if (r < 0)
			return r;
	}
	for (size_t i = 0;; i++) {
		if (!uaccess_ok(&vec[i], sizeof(char *), false))
			return -EFAULT;
		const char *s = vec[i];
		if (!s)
			return 0;
		char *k;
		int r = vfs_path_from_user(s, &k); /* bounded copy; VFS_PATH_MAX per string */
		if (r == -ENAMETOOLONG) {
			/* Longer strings than a path: copy page by page. */
			size_t n = 0;
			while (uaccess_ok(s + n, 1, false) && s[n] && n < ARG_MAX_K)
				n++;
			if (!uaccess_ok(s + n, 1, false) || n >= ARG_MAX_K)
				return n >= ARG_MAX_K ? -E2BIG : -EFAULT;
			r = strv_add(v, s, n);
		} else if (r == 0) {
			r = strv_add(v, k, strlen(k));
			vfs_path_free(k);
		}
		if (r < 0)
			return r;
	}
}

static const char *strv_next(const char *s) { return s + strlen(s) + 1; }

/* ---- loading ---- */

struct exec_image {
	struct mm *mm;
	uint64_t entry, sp;
	char comm[16];
	struct dentry *exe;      /* the ELF file that runs (the interpreter of a #!) */
	char *cmdline;
	size_t cmdline_len;
};

static int open_exec(const char *path, struct file **out)
{
	struct file *f;
	int r = vfs_open(AT_FDCWD_K, path, O_RDONLY_K, 0, &f);
	if (r < 0)
		return r;
	struct vnode *vn = f->vnode;
	if (!vn || !S_ISREG(vn->mode) || vfs_permission(vn, MAY_EXEC) < 0 ||
	    (vn->mnt && (vn->mnt->flags & MS_NOEXEC_K))) {
		file_put(f);
		return -EACCES;
	}
	*out = f;
	return 0;
}

/* Write the file bytes of every segment that touches page pg (a page two segments share). */
static int load_shared_page(struct mm *mm, struct file *f, const struct elf_plan *pl,
			    uint64_t bias, uintptr_t pg)
{
	uint8_t *buf = kmalloc(PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (int i = 0; i < pl->nloads && !r; i++) {
		const struct elf_load *l = &pl->load[i];
		uintptr_t s = MAX(pg, l->vaddr + bias), e = MIN(pg + PAGE_SIZE, l->vaddr + bias + l->filesz);
		if (s >= e)
			continue;
		ssize_t got = vfs_pread(f, buf, e - s, l->offset + (s - (l->vaddr + bias)));
		if (got < (ssize_t)(e - s))
			r = got < 0 ? (int)got : -EIO;
		else
			r = uvm_write(mm, s, buf, e - s);
	}
	kfree(buf);
	return r;
}

/*
 * Map the segments: each is an area of its own whose pages are read from
 * the file on first touch (bss zero), with its protections. A page shared
 * by two segments (one ends and the next begins in it) gets the union of
 * their rights and both segments' bytes at once.
 */
static int map_segments(struct mm *mm, struct file *f, const struct elf_plan *pl, uint64_t bias)
{
	uintptr_t prev_end = 0;
	int prev_prot = 0;
	for (int i = 0; i < pl->nloads; i++) {
		const struct elf_load *l = &pl->load[i];
		uintptr_t s = ALIGN_DOWN(l->vaddr + bias, PAGE_SIZE);
		uintptr_t e = ALIGN_UP(l->vaddr + bias + l->memsz, PAGE_SIZE);
		int r;
		if (s < prev_end) { /* shares its first page with the previous segment */
			if ((r = uvm_map_fixed(mm, s, PAGE_SIZE, l->prot | prev_prot, 0)) < 0 ||
			    (r = load_shared_page(mm, f, pl, bias, s)) < 0)
				return r;
			s += PAGE_SIZE;
		}
		if (s < e && (r = uvm_map_file(mm, s, e - s, l->prot, f, l->vaddr + bias,
					       l->vaddr + bias + l->filesz, l->offset)) < 0)
			return r;
		prev_end = MAX(prev_end, e);
		prev_prot = l->prot;
	}
	return 0;
}

/* The initial stack: built in a kernel buffer mirroring the top of the stack, then copied. */
static int build_stack(struct mm *mm, struct exec_image *img, const struct strv *argv,
		       const struct strv *envp, const char *execfn, const struct elf_plan *pl,
		       uint64_t bias)
{
	size_t strs = argv->len + envp->len + strlen(execfn) + 1 + 16 + 7 + 16;
	size_t nauxv = 20;
	size_t words = 1 + argv->n + 1 + envp->n + 1 + 2 * nauxv;
	size_t total = ALIGN_UP(strs, 16) + words * 8 + 64;
	if (total > USER_STACK_SIZE / 4)
		return -E2BIG;
	size_t size = ALIGN_UP(total, PAGE_SIZE);
	uint8_t *k = kzalloc(size);
	if (!k)
		return -ENOMEM;
	uintptr_t ubase = USER_STACK_TOP - size; /* user address of k[0] */
	size_t at = size;
#define PUSH_BYTES(src, n) (at -= (n), memcpy(k + at, (src), (n)), ubase + at)
	uint64_t u_platform = PUSH_BYTES("x86_64", 7);
	uint64_t u_execfn = PUSH_BYTES(execfn, strlen(execfn) + 1);
	uint8_t rnd[16];
	random_bytes(rnd, sizeof(rnd));
	uint64_t u_random = PUSH_BYTES(rnd, 16);
	uint64_t u_env = PUSH_BYTES(envp->buf ? envp->buf : "", envp->len);
	uint64_t u_arg = PUSH_BYTES(argv->buf ? argv->buf : "", argv->len);
#undef PUSH_BYTES
	at = ALIGN_DOWN(at, 16);
	uint64_t auxv[][2] = {
		{ AT_PHDR_K, pl->phdr_vaddr ? pl->phdr_vaddr + bias : 0 },
		{ AT_PHENT_K, pl->phentsize },
		{ AT_PHNUM_K, pl->phnum },
		{ AT_PAGESZ_K, PAGE_SIZE },
		{ AT_BASE_K, 0 },
		{ AT_FLAGS_K, 0 },
		{ AT_ENTRY_K, pl->entry + bias },
		{ AT_UID_K, 0 }, { AT_EUID_K, 0 }, { AT_GID_K, 0 }, { AT_EGID_K, 0 },
		{ AT_SECURE_K, 0 },
		{ AT_RANDOM_K, u_random },
		{ AT_HWCAP_K, cpuid(1, 0).edx },
		{ AT_HWCAP2_K, 0 },
		{ AT_CLKTCK_K, USER_HZ_K },
		{ AT_PLATFORM_K, u_platform },
		{ AT_EXECFN_K, u_execfn },
		{ AT_NULL_K, 0 },
	};
	words = 1 + argv->n + 1 + envp->n + 1 + 2 * ARRAY_SIZE(auxv);
	at = ALIGN_DOWN(at - words * 8, 16); /* rsp % 16 == 0 at the entry, argc at rsp */
	uint64_t *v = (uint64_t *)(k + at);
	*v++ = (uint64_t)argv->n;
	const char *s = argv->buf;
	for (int i = 0; i < argv->n; i++, s = strv_next(s))
		*v++ = u_arg + (uint64_t)(s - argv->buf);
	*v++ = 0;
	s = envp->buf;
	for (int i = 0; i < envp->n; i++, s = strv_next(s))
		*v++ = u_env + (uint64_t)(s - envp->buf);
	*v++ = 0;
	memcpy(v, auxv, sizeof(auxv));
	int r = uvm_write(mm, ubase + at, k + at, size - at);
	kfree(k);
	img->sp = ubase + at;
	return r;
}

static char *kstrdup_n(const char *s, size_t n)
{
	char *d = kmalloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/*
 * Parse a "#!interp [arg]" line: argv becomes interp [arg] path argv[1..].
 * Returns 0 with the interpreter path in *interp, or -ENOEXEC.
 */
static int script_argv(const char *hdr, size_t n, const char *path, struct strv *argv,
		       char **interp)
{
	size_t end = 2;
	while (end < n && hdr[end] != '\n')
		end++;
	if (end >= n && n >= HDR_BYTES)
		return -ENOEXEC; /* line too long */
	size_t i = 2;
	while (i < end && (hdr[i] == ' ' || hdr[i] == '\t'))
		i++;
	size_t is = i;
	while (i < end && hdr[i] != ' ' && hdr[i] != '\t')
		i++;
	if (i == is)
		return -ENOEXEC;
	size_t ie = i;
	while (i < end && (hdr[i] == ' ' || hdr[i] == '\t'))
		i++;
	size_t as = i, ae = end;
	while (ae > as && (hdr[ae - 1] == ' ' || hdr[ae - 1] == '\t' || hdr[ae - 1] == '\r'))
		ae--;
	struct strv nv = { 0 };
	int r = strv_add(&nv, hdr + is, ie - is);
	if (!r && ae > as)
		r = strv_add(&nv, hdr + as, ae - as);
	if (!r)
		r = strv_add(&nv, path, strlen(path));
	const char *s = argv->buf;
	for (int k = 0; k < argv->n && !r; k++, s = strv_next(s))
		if (k > 0)
			r = strv_add(&nv, s, strlen(s));
	if (r) {
		kfree(nv.buf);
		return r;
	}
	*interp = kstrdup_n(hdr + is, ie - is);
	if (!*interp) {
		kfree(nv.buf);
		return -ENOMEM;
	}
	kfree(argv->buf);
	*argv = nv;
	return 0;
}

static int exec_load(const char *path, struct strv *argv, const struct strv *envp,
		     struct exec_image *img, int depth)
{
	struct file *f;
	int r = open_exec(path, &f);
	if (r < 0)
		return r;
	uint64_t size = f->vnode->size;
	size_t hn = (size_t)MIN(size, (uint64_t)HDR_BYTES);
	uint8_t *hdr = kmalloc(HDR_BYTES);
	if (!hdr) {
		file_put(f);
		return -ENOMEM;
	}
	ssize_t got = hn ? vfs_pread(f, hdr, hn, 0) : 0;
	if (got < 0) {
		r = (int)got;
		goto out;
	}
	hn = (size_t)got;
	if (hn >= 2 && hdr[0] == '#' && hdr[1] == '!') {
		char *interp = NULL;
		if (depth >= 4) {
			printk("jiny: exec %s: too many levels of #! interpreters\n", path);
			r = -ELOOP;
			goto out;
		}
		r = script_argv((const char *)hdr, hn, path, argv, &interp);
		if (r == -ENOEXEC)
			printk("jiny: exec %s: malformed #! line\n", path);
		if (r == 0) {
			file_put(f);
			f = NULL;
			r = exec_load(interp, argv, envp, img, depth + 1);
			kfree(interp);
		}
		goto out;
	}
	struct elf_plan pl;
	char why[160];
	while ((r = elf_plan_parse(hdr, hn, size, &pl, why, sizeof(why))) > 0) {
		/* The parser needs more of the file (headers past the first 4 KiB). */
		size_t want = (size_t)r;
		uint8_t *nh = kmalloc(want);
		if (!nh) {
			r = -ENOMEM;
			goto out;
		}
		kfree(hdr);
		hdr = nh;
		got = vfs_pread(f, hdr, want, 0);
		if (got < (ssize_t)want) {
			r = got < 0 ? (int)got : -EIO;
			goto out;
		}
		hn = want;
	}
	if (r < 0) {
		printk("jiny: exec %s: %s\n", path, why);
		goto out;
	}
	struct mm *mm = uvm_create();
	if (!mm) {
		r = -ENOMEM;
		goto out;
	}
	uint64_t bias = pl.pie ? USER_PIE_BASE - ALIGN_DOWN(pl.lo, PAGE_SIZE) : 0;
	r = map_segments(mm, f, &pl, bias);
	if (!r) {
		uintptr_t brk = ALIGN_UP(pl.hi + bias, PAGE_SIZE);
		mm->brk_start = mm->brk = brk;
		r = uvm_map_fixed(mm, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
				  pl.exec_stack ? 7 : 3, UVMA_STACK);
	}
	if (!r)
		r = build_stack(mm, img, argv, envp, path, &pl, bias);
	if (r) {
		uvm_put(mm);
		goto out;
	}
	img->mm = mm;
	img->entry = pl.entry + bias;
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	strlcpy(img->comm, base, sizeof(img->comm));
	if ((img->exe = f->dentry)) /* /proc/PID/exe: resolved, whatever path led here */
		dentry_get(img->exe);
out:
	kfree(hdr);
	if (f)
		file_put(f);
	return r;
}

static void image_free(struct exec_image *img)
{
	if (img->exe)
		dentry_put(img->exe);
	kfree(img->cmdline);
}

/* Load path for the caller's pointers (user or kernel, checked by uaccess_ok). */
static int exec_prepare(const char *upath, char *const argv[], char *const envp[],
			struct exec_image *img, bool trusted)
{
	char *path;
	int r;
	if (trusted) {
		path = kmalloc(VFS_PATH_MAX);
		if (!path)
			return -ENOMEM;
		if (strlcpy(path, upath, VFS_PATH_MAX) >= VFS_PATH_MAX) {
			kfree(path);
			return -ENAMETOOLONG;
		}
	} else if ((r = vfs_path_from_user(upath, &path)) < 0) {
		return r;
	}
	struct strv av = { 0 }, ev = { 0 };
	memset(img, 0, sizeof(*img));
	r = strv_from_caller(&av, argv, trusted);
	if (!r)
		r = strv_from_caller(&ev, envp, trusted);
	if (!r && !path[0])
		r = -ENOENT;
	if (!r) {
		/* /proc/PID/cmdline: the argv as given (before #! rewriting). */
		img->cmdline = kmalloc(av.len ? av.len : 1);
		if (img->cmdline) {
			memcpy(img->cmdline, av.buf ? av.buf : "", av.len);
			img->cmdline_len = av.len;
		}
		r = exec_load(path, &av, &ev, img, 0);
		if (r < 0)
			image_free(img);
	}
	kfree(av.buf);
	kfree(ev.buf);
	vfs_path_free(path);
	return r;
}

/* The user frame of a program's first instruction. */
static void frame_at_entry(struct trap_frame *f, const struct exec_image *img)
{
	memset(f, 0, sizeof(*f));
	f->vector = TRAP_SYSCALL;
	f->error = 59; /* execve */
	f->rip = img->entry;
	f->rsp = img->sp;
	f->cs = 0x23;
	f->ss = 0x1b;
	f->rflags = 0x202;
}

/* The current process takes img (its old address space goes). */
static void exec_commit(struct proc *p, struct exec_image *img, bool release_vfork)
{
	struct thread *t = sched_current();
	struct mm *old = t->mm;
	uint64_t fl = irq_save();
	spin_lock(&p->lock); /* procfs takes p->mm under it */
	p->mm = img->mm;
	spin_unlock(&p->lock);
	t->mm = img->mm;
	uvm_activate(img->mm);
	t->fsbase = 0;
	wrmsr(MSR_FS_BASE, 0);
	irq_restore(fl);
	if (old)
		uvm_put(old);
	if (p->fs)
		fs_context_close_on_exec(p->fs);
	signal_exec(p);
	strlcpy(t->name, img->comm, sizeof(t->name));
	fl = spin_lock_irqsave(&p->lock); /* procfs reads the names under it */
	struct dentry *old_exe = p->exe;
	char *old_cmdline = p->cmdline;
	memcpy(p->comm, img->comm, sizeof(p->comm));
	p->exe = img->exe;
	p->cmdline = img->cmdline;
	p->cmdline_len = img->cmdline_len;
	spin_unlock_irqrestore(&p->lock, fl);
	if (old_exe)
		dentry_put(old_exe);
	kfree(old_cmdline);
	img->exe = NULL;
	img->cmdline = NULL;
	t->clear_child_tid = NULL;
	fpu_state_init(t->fpu);
	fpu_restore(t->fpu);
	if (release_vfork)
		proc_vfork_release(p);
}

/* A ring-0 vfork child now on its own kernel stack: free the parent, go to ring 3. */
static void kernel_exec_finish(void *arg)
{
	struct trap_frame *f = arg;
	sched_current()->reap_hook = NULL;
	proc_vfork_release(proc_current());
	user_return_work(f);
	arch_return_to_user(f);
}

long proc_execve(const char *path, char *const argv[], char *const envp[], bool from_kernel)
{
	struct proc *p = proc_current();
	struct thread *t = sched_current();
	struct exec_image img;
	int r = exec_prepare(path, argv, envp, &img, false);
	if (r < 0)
		return r;
	if (!from_kernel) {
		if (!proc_exec_single()) { /* the other threads are gone after this */
			uvm_put(img.mm);
			image_free(&img);
			return -EAGAIN;
		}
		exec_commit(p, &img, true);
		frame_at_entry(t->uframe, &img);
		return 0;
	}
	/* A ring-0 child of the HP app (posix_spawn): it gets a kernel stack and goes to ring 3. */
	uint8_t *kstack = thread_kstack_alloc();
	if (!kstack) {
		uvm_put(img.mm);
		image_free(&img);
		return -ENOMEM;
	}
	exec_commit(p, &img, false); /* the parent waits until we are off its stack */
	uintptr_t top = (uintptr_t)kstack + THREAD_KSTACK_SIZE;
	struct trap_frame *f = (struct trap_frame *)(top - sizeof(*f));
	frame_at_entry(f, &img);
	uint64_t fl = irq_save();
	t->stack = kstack; /* the old stack was the parent's: not ours to free */
	t->stack_size = THREAD_KSTACK_SIZE;
	t->flags |= THREAD_OWN_STACK | THREAD_KSTACK;
	t->kstack_top = top;
	t->uframe = f;
	this_cpu()->kstack_top = top;
	arch_smap_enable();
	irq_restore(fl);
	arch_call_on_stack(kernel_exec_finish, f, ALIGN_DOWN((uintptr_t)f, 16));
}

long sys_execve(const char *path, char *const argv[], char *const envp[])
{
	struct proc *p = proc_current();
	if (p == &hp_proc) {
		printk_once("jiny: execve in the HP app (ring 0) is not supported: use posix_spawn "
			    "or jiny_spawn\n");
		return -ENOSYS;
	}
	return proc_execve(path, argv, envp, !current_is_user());
}

int proc_spawn(const char *path, char *const argv[], char *const envp[], unsigned flags)
{
	struct proc *me = proc_current();
	struct exec_image img;
	int r = exec_prepare(path, argv, envp, &img, flags & SPAWN_TRUSTED);
	if (r < 0)
		return r;
	/* The same set-up as a fork child, then the image instead of a copy. */
	struct proc *child = proc_new_child(me, &r);
	struct trap_frame f;
	frame_at_entry(&f, &img);
	struct thread *t = child ? proc_thread_new(child, img.mm, &f) : NULL;
	if (!t) {
		if (child) {
			proc_discard_child(child);
			r = -ENOMEM;
		}
		uvm_put(img.mm);
		image_free(&img);
		return r;
	}
	signal_thread_init(t, sched_current(), 0);
	child->mm = img.mm;
	memcpy(child->comm, img.comm, sizeof(child->comm));
	strlcpy(t->name, img.comm, sizeof(t->name));
	if (child->exe)
		dentry_put(child->exe);
	kfree(child->cmdline);
	child->exe = img.exe;
	child->cmdline = img.cmdline;
	child->cmdline_len = img.cmdline_len;
	fs_context_close_on_exec(child->fs);
	signal_exec(child);
	child->vfork_done = true;
	if (flags & SPAWN_SETSID)
		child->sid = child->pgid = t->tid;
	return proc_start_child(child, t);
}
