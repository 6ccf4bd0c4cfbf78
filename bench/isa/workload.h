/* The integer workload of the isa benchmark (issue 3 item 9): checksums, a sieve, a matrix
 * multiply and a sort. Freestanding C: the same source is built natively (host gcc), as a
 * ppc64le Linux-user program (qemu-ppc64le) and as a bare ppc64le image (nv2's Cpu). */
#ifndef NV2_BENCH_ISA_WORKLOAD_H
#define NV2_BENCH_ISA_WORKLOAD_H

#include <stdint.h>

#define WORKLOAD_MEM_SIZE (512u * 1024u) /* bytes of working memory `mem` must provide */

#ifdef __cplusplus
extern "C" {
#endif
/* Runs `scale` rounds; returns a checksum of everything computed (equal on every build). */
uint64_t workload(uint8_t* mem, uint64_t scale);
#ifdef __cplusplus
}
#endif

#endif
