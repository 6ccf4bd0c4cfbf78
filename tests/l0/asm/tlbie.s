# L2 program: a global tlbie (process-scoped, RIC=2: everything of PID 0), then an hcall.
# Used to check that one vCPU's tlbie reaches the other vCPUs of its guest.
	.text
	.globl _start
_start:
	li 5, 0
	tlbie 5, 0, 2, 1, 1
	eieio
	tlbsync
	ptesync
	sc 1
	b _start
