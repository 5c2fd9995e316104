/*
 * fs.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): files and file descriptors (uapi asm-generic/fcntl.h,
 * linux/fcntl.h, linux/stat.h, asm/stat.h, asm-generic/statfs.h, linux/fs.h,
 * linux/mount.h, linux/uio.h, asm-generic/ioctls.h, linux/limits.h).
 */
#ifndef JINY_ABI_FS_H
#define JINY_ABI_FS_H

#include "kern/kern.h"

/* open(2) flags. glibc defines O_LARGEFILE as 0 on 64-bit; the kernel's bit is this. */
#define O_ACCMODE_K 03
#define O_RDONLY_K 00
#define O_WRONLY_K 01
#define O_RDWR_K 02
#define O_CREAT_K 0100
#define O_EXCL_K 0200
#define O_NOCTTY_K 0400
#define O_TRUNC_K 01000
#define O_APPEND_K 02000
#define O_NONBLOCK_K 04000
#define O_DSYNC_K 010000
#define O_ASYNC_K 020000
#define O_DIRECT_K 040000
#define O_LARGEFILE_K 0100000
#define O_DIRECTORY_K 0200000
#define O_NOFOLLOW_K 0400000
#define O_NOATIME_K 01000000
#define O_CLOEXEC_K 02000000
#define O_PATH_K 010000000

/* The *at() calls. */
#define AT_FDCWD_K -100
#define AT_SYMLINK_NOFOLLOW_K 0x100
#define AT_REMOVEDIR_K 0x200
#define AT_EACCESS_K 0x200        /* faccessat2 */
#define AT_SYMLINK_FOLLOW_K 0x400
#define AT_NO_AUTOMOUNT_K 0x800
#define AT_EMPTY_PATH_K 0x1000
#define AT_STATX_SYNC_TYPE_K 0x6000

/* access(2) modes */
#define R_OK_K 4
#define W_OK_K 2
#define X_OK_K 1

/* File types and permission bits (st_mode). */
#define S_IFMT_K 0170000
#define S_IFSOCK_K 0140000
#define S_IFLNK_K 0120000
#define S_IFREG_K 0100000
#define S_IFBLK_K 0060000
#define S_IFDIR_K 0040000
#define S_IFCHR_K 0020000
#define S_IFIFO_K 0010000
#define S_ISUID_K 04000
#define S_ISGID_K 02000
#define S_ISVTX_K 01000

/* d_type of a directory entry */
#define DT_UNKNOWN_K 0
#define DT_FIFO_K 1
#define DT_CHR_K 2
#define DT_DIR_K 4
#define DT_BLK_K 6
#define DT_REG_K 8
#define DT_LNK_K 10
#define DT_SOCK_K 12

/* struct stat (asm/stat.h, 64-bit). The times are named *_sec, not
 * st_atime & co., which libc headers define as macros. */
struct stat_k {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	int64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec,
		st_ctime_nsec;
	int64_t unused[3];
};

struct statx_timestamp_k {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct statx_k {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp_k stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
#define STATX_BASIC_STATS_K 0x7ffU
#define STATX__RESERVED_K 0x80000000U

/* struct statfs (asm-generic/statfs.h, 64-bit) */
struct statfs_k {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

/* getdents64's entry; getdents's older one puts d_type in the last byte
 * of the record instead, after the name's NUL. Records are 8-byte aligned. */
struct linux_dirent64_k {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
struct linux_dirent_k {
	unsigned long d_ino, d_off;
	uint16_t d_reclen;
	char d_name[];
};

/* fcntl(2) */
#define F_DUPFD_K 0
#define F_GETFD_K 1
#define F_SETFD_K 2
#define F_GETFL_K 3
#define F_SETFL_K 4
#define F_GETLK_K 5
#define F_SETLK_K 6
#define F_SETLKW_K 7
#define F_SETOWN_K 8
#define F_GETOWN_K 9
#define F_OFD_GETLK_K 36
#define F_OFD_SETLK_K 37
#define F_OFD_SETLKW_K 38
#define F_DUPFD_CLOEXEC_K 1030
#define F_SETPIPE_SZ_K 1031
#define F_GETPIPE_SZ_K 1032
#define FD_CLOEXEC_K 1

/* Record locks (F_GETLK & co.) */
struct flock_k {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};
#define F_RDLCK_K 0
#define F_WRLCK_K 1
#define F_UNLCK_K 2

/* flock(2) */
#define LOCK_SH_K 1
#define LOCK_EX_K 2
#define LOCK_NB_K 4
#define LOCK_UN_K 8

/* lseek(2) */
#define SEEK_SET_K 0
#define SEEK_CUR_K 1
#define SEEK_END_K 2
#define SEEK_DATA_K 3
#define SEEK_HOLE_K 4

/* renameat2(2) */
#define RENAME_NOREPLACE_K 1u
#define RENAME_EXCHANGE_K 2u

/* mount(2) and statfs's f_flags */
#define MS_RDONLY_K 1u
#define MS_NOSUID_K 2u
#define MS_NODEV_K 4u
#define MS_NOEXEC_K 8u
#define MS_REMOUNT_K 32u
#define MS_BIND_K 4096u
#define MS_MOVE_K 8192u
#define MS_SILENT_K 32768u
#define MS_MGC_VAL_K 0xc0ed0000UL /* old mount(2)'s magic in the flags' top half */

/* utimensat(2)'s tv_nsec */
#define UTIME_NOW_K ((1L << 30) - 1)
#define UTIME_OMIT_K ((1L << 30) - 2)

/* readv & co. */
struct iovec_k {
	void *iov_base;
	size_t iov_len;
};
#define IOV_MAX_K 1024

/* File ioctls (asm-generic/ioctls.h; the tty ones are in abi/tty.h) */
#define FIONREAD_K 0x541b
#define FIONBIO_K 0x5421
#define FIONCLEX_K 0x5450
#define FIOCLEX_K 0x5451

#define PIPE_BUF_K 4096           /* pipe writes up to this size are atomic */

#endif
