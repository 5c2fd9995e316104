/*
 * tty.h - Linux ABI, part of abi/linux.h (include that; it says how the
 * names are made): terminals (uapi asm-generic/termbits.h,
 * asm-generic/ioctls.h, asm-generic/termios.h).
 */
#ifndef JINY_ABI_TTY_H
#define JINY_ABI_TTY_H

#include "kern/kern.h"

/* struct termios of the kernel ABI (TCGETS/TCSETS): 36 bytes. libcs keep
 * a larger struct of their own (glibc and musl: c_cc[32] and speeds); the
 * kernel reads and writes only this much of it. */
#define NCCS_K 19
struct termios_k {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[NCCS_K];
};

/* c_cc indices */
enum {
	VINTR_K = 0, VQUIT_K = 1, VERASE_K = 2, VKILL_K = 3, VEOF_K = 4, VTIME_K = 5,
	VMIN_K = 6, VSWTC_K = 7, VSTART_K = 8, VSTOP_K = 9, VSUSP_K = 10, VEOL_K = 11,
	VREPRINT_K = 12, VDISCARD_K = 13, VWERASE_K = 14, VLNEXT_K = 15, VEOL2_K = 16,
};
/* c_iflag */
#define ISTRIP_K 0000040
#define INLCR_K 0000100
#define IGNCR_K 0000200
#define ICRNL_K 0000400
#define IXON_K 0002000
#define IMAXBEL_K 0020000
#define IUTF8_K 0040000
/* c_oflag */
#define OPOST_K 0000001
#define ONLCR_K 0000004
#define OCRNL_K 0000010
#define ONOCR_K 0000020
#define ONLRET_K 0000040
/* c_cflag */
#define B38400_K 0000017
#define CS8_K 0000060
#define CREAD_K 0000200
#define HUPCL_K 0002000
/* c_lflag */
#define ISIG_K 0000001
#define ICANON_K 0000002
#define ECHO_K 0000010
#define ECHOE_K 0000020
#define ECHOK_K 0000040
#define ECHONL_K 0000100
#define NOFLSH_K 0000200
#define ECHOCTL_K 0001000
#define ECHOKE_K 0004000
#define IEXTEN_K 0100000

struct winsize_k {
	unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* tty ioctls (the generic file ones, FIONREAD & co., are in abi/fs.h) */
#define TCGETS_K 0x5401
#define TCSETS_K 0x5402
#define TCSETSW_K 0x5403
#define TCSETSF_K 0x5404
#define TCSBRK_K 0x5409
#define TCXONC_K 0x540a
#define TCFLSH_K 0x540b
#define TIOCSCTTY_K 0x540e
#define TIOCGPGRP_K 0x540f
#define TIOCSPGRP_K 0x5410
#define TIOCOUTQ_K 0x5411
#define TIOCGWINSZ_K 0x5413
#define TIOCSWINSZ_K 0x5414
#define TIOCNOTTY_K 0x5422
#define TCSBRKP_K 0x5425
#define TIOCGSID_K 0x5429

/* TCFLSH's argument */
#define TCIFLUSH_K 0
#define TCOFLUSH_K 1
#define TCIOFLUSH_K 2

#endif
