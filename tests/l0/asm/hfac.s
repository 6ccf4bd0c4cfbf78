# L2 program: writes TAR (SPR 815) while the L1 left HFSCR[TAR] off: exit 0xF80
# (hypervisor facility unavailable) with the cause in HFSCR and NIA = the mtspr.
	.text
	.globl _start
_start:
	li 3, 0x40
	mtspr 815, 3
	sc 1
