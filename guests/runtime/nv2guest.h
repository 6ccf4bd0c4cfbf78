// nv2 example-guest runtime: the few services a freestanding pseries L2 program needs.
//
// Entry contract (docs/nv2-run.md, l2-machine.md "Entry"): real mode, r3 = FDT real address,
// MSR[LE] = the image's byte order. Everything here talks to the L1 only through `sc 1`
// hcalls (PAPR numbering, l2-machine.md "Hcalls the L1 serves").
#pragma once

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long s64;

#define H_SUCCESS 0
#define H_SET_SPRG0 0x24UL
#define H_GET_TERM_CHAR 0x54UL
#define H_PUT_TERM_CHAR 0x58UL
#define H_EOI 0x64UL
#define H_CPPR 0x68UL
#define H_IPI 0x6CUL
#define H_IPOLL 0x70UL
#define H_XIRR 0x74UL
#define H_CEDE 0xE0UL
#define H_PROD 0xE8UL
#define H_RANDOM 0x300UL
#define H_RTAS 0xF000UL

#define NV2_MAX_CPUS 8
#define XICS_IPI_SOURCE 2u  // PAPR: the inter-processor interrupt source number

// All of r3..r12 after an hcall: r[0] = r3 (status), r[1] = r4, ...
struct hret {
  u64 r[10];
};
struct hret hcall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6);
static inline s64 hcall0(u64 nr) { return (s64)hcall(nr, 0, 0, 0, 0, 0, 0).r[0]; }
static inline s64 hcall1(u64 nr, u64 a) { return (s64)hcall(nr, a, 0, 0, 0, 0, 0).r[0]; }
static inline s64 hcall2(u64 nr, u64 a, u64 b) { return (s64)hcall(nr, a, b, 0, 0, 0, 0).r[0]; }

// Console (hvterm1 at the terminal number of /vdevice/vty@...).
void console_init(const void* fdt);
void putstr(const char* s);
void putdec(u64 v);
void puthex(u64 v);

// RTAS through the blob at /rtas linux,rtas-entry (the blob issues H_RTAS).
// Returns the first return value (the RTAS status) and stores the others in rets[1..].
int rtas_call(const char* service, int nargs, int nret, u32* rets, ...);
void power_off(u32 status) __attribute__((noreturn));
void os_term(const char* msg) __attribute__((noreturn));

// Minimal read-only flattened-device-tree lookups ("/a/b" matches node names with or
// without their @unit-address).
const void* fdt_getprop(const void* fdt, const char* path, const char* prop, int* len);
u32 fdt_be32(const void* p);
u64 fdt_be64(const void* p);
int fdt_count_children(const void* fdt, const char* path);
// Value of "key=NUMBER" in /chosen/bootargs, or `dflt`.
u64 bootarg_u64(const void* fdt, const char* key, u64 dflt);

// Exceptions: install a C handler for an interrupt vector (0x500, 0x900 ...): a branch at the
// vector to a trampoline that saves the volatile state, calls handler(vector), and rfids.
typedef void (*exc_handler)(u64 vector);
void install_vector(u64 vector, exc_handler handler);
void enable_ee(void);
void disable_ee(void);

static inline u64 mfsprg0(void) { u64 v; __asm__ volatile("mfspr %0,272" : "=r"(v)); return v; }
static inline void mtdec(u64 v) { __asm__ volatile("mtspr 22,%0" : : "r"(v)); }
static inline u64 mftb(void) { u64 v; __asm__ volatile("mfspr %0,268" : "=r"(v) : : "memory"); return v; }

// The CPU number this code runs on (kept in SPRG0, set through H_SET_SPRG0 at start).
static inline u32 this_cpu(void) { return (u32)mfsprg0(); }

// Set up by crt0.
extern const void* boot_fdt;
// Secondary entry for RTAS start-cpu: r3 = cpu number.
void _secondary_start(void);

// Provided by each guest.
int main(const void* fdt);
void secondary_main(u32 cpu);  // weak default: stop-self

void* memset(void* d, int c, unsigned long n);
void* memcpy(void* d, const void* s, unsigned long n);
int strcmp(const char* a, const char* b);
unsigned long strlen(const char* s);
