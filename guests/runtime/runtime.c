// nv2 example-guest runtime: hcalls, console, RTAS, FDT lookups, exceptions.
#include "nv2guest.h"

#include <stdarg.h>

const void* boot_fdt;
static u64 vty_term = 0x71000000;  // /vdevice/vty@71000000 reg, read from the FDT
static u64 rtas_entry;             // /rtas linux,rtas-entry
static exc_handler handlers[16];

// ---- hcalls: r3 = opcode, r4.. = arguments; r3 = status, r4..r12 = outputs (PAPR). ----
struct hret hcall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6) {
  register u64 r3 __asm__("r3") = nr;
  register u64 r4 __asm__("r4") = a1;
  register u64 r5 __asm__("r5") = a2;
  register u64 r6 __asm__("r6") = a3;
  register u64 r7 __asm__("r7") = a4;
  register u64 r8 __asm__("r8") = a5;
  register u64 r9 __asm__("r9") = a6;
  register u64 r10 __asm__("r10");
  register u64 r11 __asm__("r11");
  register u64 r12 __asm__("r12");
  __asm__ volatile("sc 1"
                   : "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8), "+r"(r9),
                     "=r"(r10), "=r"(r11), "=r"(r12)
                   :
                   : "r0", "ctr", "lr", "xer", "cr0", "cr1", "cr5", "cr6", "cr7", "memory");
  struct hret h = {{r3, r4, r5, r6, r7, r8, r9, r10, r11, r12}};
  return h;
}

// ---- libc bits the compiler may call ----
void* memset(void* d, int c, unsigned long n) {
  u8* p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
void* memcpy(void* d, const void* s, unsigned long n) {
  u8* p = d;
  const u8* q = s;
  while (n--) *p++ = *q++;
  return d;
}
int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return (u8)*a - (u8)*b;
}
unsigned long strlen(const char* s) {
  unsigned long n = 0;
  while (s[n]) ++n;
  return n;
}

// ---- FDT (devicetree spec v0.3 §5: big-endian header, structure block tokens) ----
u32 fdt_be32(const void* p) {
  const u8* b = p;
  return ((u32)b[0] << 24) | ((u32)b[1] << 16) | ((u32)b[2] << 8) | b[3];
}
u64 fdt_be64(const void* p) { return ((u64)fdt_be32(p) << 32) | fdt_be32((const u8*)p + 4); }

enum { FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_NOP = 4, FDT_END = 9 };

// Does the node name `name` match path component [c, c+len)? "cpus" matches "cpus" and
// "cpus@0"; "vty@71000000" only itself.
static int name_matches(const char* name, const char* c, unsigned long len) {
  for (unsigned long i = 0; i < len; ++i)
    if (name[i] != c[i]) return 0;
  return name[len] == 0 || name[len] == '@';
}

// Walk the structure block; calls visit for each property of the node at `path` (depth =
// number of components) and counts that node's children.
static const void* walk(const void* fdt, const char* path, const char* want, int* len,
                        int* children) {
  const u8* base = fdt;
  if (fdt_be32(base) != 0xd00dfeedu) return 0;
  const u8* p = base + fdt_be32(base + 8);
  const char* strings = (const char*)base + fdt_be32(base + 12);
  // Components of the path.
  const char* comp[8];
  unsigned long clen[8];
  int ncomp = 0;
  for (const char* s = path; *s && ncomp < 8;) {
    while (*s == '/') ++s;
    if (!*s) break;
    comp[ncomp] = s;
    while (*s && *s != '/') ++s;
    clen[ncomp] = (unsigned long)(s - comp[ncomp]);
    ++ncomp;
  }
  int depth = -1;    // depth of the current node (root = 0)
  int matched = -1;  // deepest depth whose chain matches the path so far
  for (;;) {
    u32 tok = fdt_be32(p);
    p += 4;
    if (tok == FDT_BEGIN_NODE) {
      const char* name = (const char*)p;
      unsigned long n = strlen(name);
      p += (n + 4) & ~3ul;
      ++depth;
      if (depth == 0) {
        matched = 0;
      } else if (matched == depth - 1 && depth <= ncomp &&
                 name_matches(name, comp[depth - 1], clen[depth - 1])) {
        matched = depth;
      } else if (matched == ncomp && depth == ncomp + 1 && children) {
        ++*children;
      }
    } else if (tok == FDT_END_NODE) {
      if (matched == depth) --matched;
      --depth;
      if (depth < 0) return 0;
    } else if (tok == FDT_PROP) {
      u32 plen = fdt_be32(p);
      u32 nameoff = fdt_be32(p + 4);
      const u8* val = p + 8;
      p += 8 + ((plen + 3) & ~3u);
      if (want && matched == ncomp && depth == ncomp && strcmp(strings + nameoff, want) == 0) {
        if (len) *len = (int)plen;
        return val;
      }
    } else if (tok == FDT_NOP) {
    } else {
      return 0;
    }
  }
}

const void* fdt_getprop(const void* fdt, const char* path, const char* prop, int* len) {
  return walk(fdt, path, prop, len, 0);
}
int fdt_count_children(const void* fdt, const char* path) {
  int n = 0;
  walk(fdt, path, 0, 0, &n);
  return n;
}

u64 bootarg_u64(const void* fdt, const char* key, u64 dflt) {
  int len = 0;
  const char* args = fdt_getprop(fdt, "/chosen", "bootargs", &len);
  if (!args) return dflt;
  unsigned long klen = strlen(key);
  for (const char* s = args; s < args + len && *s;) {
    while (*s == ' ') ++s;
    const char* w = s;
    while (*s && *s != ' ') ++s;
    if ((unsigned long)(s - w) > klen && w[klen] == '=') {
      int same = 1;
      for (unsigned long i = 0; i < klen; ++i)
        if (w[i] != key[i]) same = 0;
      if (same) {
        u64 v = 0;
        const char* d = w + klen + 1;
        int hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
        if (hex) d += 2;
        for (; d < s; ++d) {
          u64 digit;
          if (*d >= '0' && *d <= '9') digit = (u64)(*d - '0');
          else if (hex && *d >= 'a' && *d <= 'f') digit = (u64)(*d - 'a' + 10);
          else break;
          v = v * (hex ? 16 : 10) + digit;
        }
        // Suffixes K/M/G for sizes.
        if (d < s && *d == 'K') v <<= 10;
        if (d < s && *d == 'M') v <<= 20;
        if (d < s && *d == 'G') v <<= 30;
        return v;
      }
    }
  }
  return dflt;
}

// ---- console: H_PUT_TERM_CHAR(term, len, bytes in r6..r7, first byte most significant) ----
void console_init(const void* fdt) {
  int len = 0;
  const void* reg = fdt_getprop(fdt, "/vdevice/vty", "reg", &len);
  if (reg && len >= 4) vty_term = fdt_be32(reg);
  const void* entry = fdt_getprop(fdt, "/rtas", "linux,rtas-entry", &len);
  if (entry && len == 4) rtas_entry = fdt_be32(entry);
  if (entry && len == 8) rtas_entry = fdt_be64(entry);
}

static void put_chunk(const char* s, unsigned long n) {
  u64 w[2] = {0, 0};
  for (unsigned long i = 0; i < n; ++i) w[i / 8] |= (u64)(u8)s[i] << (56 - 8 * (i % 8));
  while (hcall(H_PUT_TERM_CHAR, vty_term, n, w[0], w[1], 0, 0).r[0] == 1 /* H_BUSY */) {
  }
}

void putstr(const char* s) {
  unsigned long n = strlen(s);
  while (n) {
    unsigned long c = n > 16 ? 16 : n;
    put_chunk(s, c);
    s += c;
    n -= c;
  }
}

void putdec(u64 v) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  putstr(&buf[i]);
}

void puthex(u64 v) {
  char buf[20];
  int i = 19;
  buf[i] = 0;
  do {
    buf[--i] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  buf[--i] = 'x';
  buf[--i] = '0';
  putstr(&buf[i]);
}

// ---- RTAS: argument block of big-endian 32-bit cells {token, nargs, nret, args, rets} ----
static u32 to_be32(u32 v) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return __builtin_bswap32(v);
#else
  return v;
#endif
}

typedef void (*rtas_fn)(u32* args);

int rtas_call(const char* service, int nargs, int nret, u32* rets, ...) {
  int len = 0;
  const void* tok = fdt_getprop(boot_fdt, "/rtas", service, &len);
  if (!tok || len != 4) return -3;
  // One block per CPU: RTAS calls may come from every CPU at once.
  static u32 blocks[NV2_MAX_CPUS][16] __attribute__((aligned(8)));
  u32* b = blocks[this_cpu() % NV2_MAX_CPUS];
  b[0] = to_be32(fdt_be32(tok));
  b[1] = to_be32((u32)nargs);
  b[2] = to_be32((u32)nret);
  va_list ap;
  va_start(ap, rets);
  for (int i = 0; i < nargs && i < 10; ++i) b[3 + i] = to_be32(va_arg(ap, u32));
  va_end(ap);
  for (int i = 0; i < nret && 3 + nargs + i < 16; ++i) b[3 + nargs + i] = to_be32(0xffffffffu);
  if (rtas_entry) {
    ((rtas_fn)rtas_entry)(b);
  } else {
    hcall(H_RTAS, (u64)b, 0, 0, 0, 0, 0);
  }
  for (int i = 1; i < nret && rets; ++i) rets[i] = to_be32(b[3 + nargs + i]);
  return nret > 0 ? (int)to_be32(b[3 + nargs]) : 0;
}

void power_off(u32 status) {
  // nv2 convention (docs/nv2-run.md): power-off's first argument is the exit status.
  rtas_call("power-off", 2, 1, 0, status, 0u);
  for (;;) {
  }
}

void os_term(const char* msg) {
  rtas_call("ibm,os-term", 1, 1, 0, (u32)(u64)msg);
  for (;;) {
  }
}

// ---- exceptions ----
extern char nv2_exc_0x300[], nv2_exc_0x400[], nv2_exc_0x500[], nv2_exc_0x700[], nv2_exc_0x900[];

void nv2_dispatch_exception(u64 vector) {
  exc_handler h = handlers[(vector >> 8) & 15];
  if (h) {
    h(vector);
    return;
  }
  u64 srr0, srr1;
  __asm__ volatile("mfsrr0 %0; mfsrr1 %1" : "=r"(srr0), "=r"(srr1));
  putstr("guest: unexpected interrupt ");
  puthex(vector);
  putstr(" at ");
  puthex(srr0);
  putstr(" srr1 ");
  puthex(srr1);
  putstr("\n");
  os_term("unexpected interrupt");
}

void install_vector(u64 vector, exc_handler handler) {
  char* tramp;
  switch (vector) {
    case 0x300: tramp = nv2_exc_0x300; break;
    case 0x400: tramp = nv2_exc_0x400; break;
    case 0x500: tramp = nv2_exc_0x500; break;
    case 0x700: tramp = nv2_exc_0x700; break;
    case 0x900: tramp = nv2_exc_0x900; break;
    default: return;
  }
  handlers[(vector >> 8) & 15] = handler;
  // "ba tramp" (I-form, AA=1): the image sits below 32 MiB, in reach of an absolute branch.
  volatile u32* slot = (volatile u32*)vector;
  *slot = 0x48000002u | ((u32)(u64)tramp & 0x03fffffcu);
  __asm__ volatile("dcbst 0,%0; sync; icbi 0,%0; isync" : : "r"(slot) : "memory");
}

void enable_ee(void) {
  u64 msr;
  __asm__ volatile("mfmsr %0" : "=r"(msr));
  msr |= 0x8000;  // MSR[EE] (bit 48)
  __asm__ volatile("mtmsrd %0,1" : : "r"(msr) : "memory");
}
void disable_ee(void) {
  u64 msr;
  __asm__ volatile("mfmsr %0" : "=r"(msr));
  msr &= ~0x8000ul;
  __asm__ volatile("mtmsrd %0,1" : : "r"(msr) : "memory");
}

// ---- start-up ----
void nv2_boot_c(const void* fdt) {
  boot_fdt = fdt;
  hcall1(H_SET_SPRG0, 0);
  console_init(fdt);
  // Report anything unexpected instead of looping in an empty vector.
  int status = main(fdt);
  power_off((u32)status);
}

__attribute__((weak)) void secondary_main(u32 cpu) {
  (void)cpu;
  rtas_call("stop-self", 0, 1, 0);
}

void nv2_secondary_c(u32 cpu) {
  hcall1(H_SET_SPRG0, cpu);
  secondary_main(cpu);
  rtas_call("stop-self", 0, 1, 0);
  for (;;) {
  }
}
