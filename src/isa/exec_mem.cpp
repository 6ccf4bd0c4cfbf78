// Storage instructions beyond the plain loads/stores of exec_mem.hpp: multiple, string,
// quadword, larx/stcx. with reservations, atomic memory operations, cache management
// (Power ISA 3.0B Book I §3.3.6-§3.3.7; Book II §4.3-§4.5).
#include <cstdint>
#include <cstring>

#include "isa/exec.hpp"
#include "isa/exec_mem.hpp"
#include "isa/handlers.hpp"
#include "isa/interrupts.hpp"
#include "isa/sem.hpp"

namespace nv2::isa {

namespace {

__extension__ typedef unsigned __int128 u128;

inline uint64_t ra0(const Exec& x, const Decoded& d) { return d.ra ? x.s->gpr[d.ra] : 0; }
inline uint64_t ea_x(const Exec& x, const Decoded& d) { return ra0(x, d) + x.s->gpr[d.rb]; }

// Alignment interrupt (Book III §7.5.8): DAR <- EA; SRR0 <- CIA.
inline Flow alignment(Exec& x, const Decoded& d, uint64_t ea) {
  x.s->dar = ea;
  return x.interrupt(d, Vector::Alignment, 0);
}

template <typename T>
Flow larx(Exec& x, const Decoded& d) {
  const uint64_t ea = ea_x(x, d);
  if (ea % sizeof(T) != 0) return alignment(x, d, ea);
  uint64_t l1r = 0;
  uint8_t* p = x.host_of(d, ea, AccessType::Load, &l1r);
  if (p == nullptr) return x.fault_flow;
  const T raw = __atomic_load_n(reinterpret_cast<T*>(p), __ATOMIC_ACQUIRE);
  x.res_valid = true;
  x.res_addr = l1r;
  x.res_len = sizeof(T);
  std::memcpy(x.res_value.data(), &raw, sizeof(T));
  x.s->gpr[d.rt] = Exec::to_order(raw, x.le);
  NV2_NEXT(x, d);
}

// The store is performed only if this vCPU's reservation covers exactly this address and
// length and the memory still holds the value the larx read (compare-and-swap on the host
// word: a store by any other vCPU in between makes it fail). CR0 <- 0b00 || n || SO.
template <typename T>
Flow stcx(Exec& x, const Decoded& d) {
  const uint64_t ea = ea_x(x, d);
  if (ea % sizeof(T) != 0) return alignment(x, d, ea);
  uint64_t l1r = 0;
  uint8_t* p = x.host_of(d, ea, AccessType::Store, &l1r);
  if (p == nullptr) return x.fault_flow;
  bool ok = x.res_valid && x.res_addr == l1r && x.res_len == sizeof(T);
  if (ok) {
    T expected;
    std::memcpy(&expected, x.res_value.data(), sizeof(T));
    const T desired = Exec::to_order(static_cast<T>(x.s->gpr[d.rt]), x.le);
    ok = __atomic_compare_exchange_n(reinterpret_cast<T*>(p), &expected, desired, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
  x.res_valid = false;
  set_cr_field(*x.s, 0, (ok ? 2u : 0u) | so_bit(*x.s));
  return x.after_store(d);
}

// Quadword in storage order: RTp (even) holds the doubleword at EA in big-endian mode and
// the one at EA+8 in little-endian mode (the quadword is byte-reversed as a whole).
inline u128 quad_from(const uint8_t* p, bool le) {
  uint64_t a, b;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  const uint64_t hi = le ? b : bswap(a);
  const uint64_t lo = le ? a : bswap(b);
  return (u128{hi} << 64) | lo;
}
inline void quad_to(uint8_t* p, u128 v, bool le) {
  const auto hi = static_cast<uint64_t>(v >> 64), lo = static_cast<uint64_t>(v);
  const uint64_t a = le ? lo : bswap(hi);
  const uint64_t b = le ? hi : bswap(lo);
  std::memcpy(p, &a, 8);
  std::memcpy(p + 8, &b, 8);
}

template <typename T>
T amo_apply(unsigned fc, T old, T op, bool* ok) {
  using S = std::make_signed_t<T>;
  *ok = true;
  switch (fc) {
    case 0: return static_cast<T>(old + op);
    case 1: return old ^ op;
    case 2: return old | op;
    case 3: return old & op;
    case 4: return old > op ? old : op;
    case 5: return static_cast<S>(old) > static_cast<S>(op) ? old : op;
    case 6: return old < op ? old : op;
    case 7: return static_cast<S>(old) < static_cast<S>(op) ? old : op;
    case 8: return op;
    default: *ok = false; return old;
  }
}

// Atomic memory operation (Book II §4.5): MEM(EA) <- f(MEM(EA), operand) atomically.
template <typename T>
Flow amo(Exec& x, const Decoded& d, T operand, bool fetch) {
  const uint64_t ea = ra0(x, d);
  const unsigned fc = d.rb;
  bool valid = true;
  (void)amo_apply<T>(fc, 0, 0, &valid);
  if (!valid || (!fetch && fc == 8)) return x.hea(d);
  if (ea % sizeof(T) != 0) return alignment(x, d, ea);
  uint8_t* p = x.host_of(d, ea, AccessType::Store);
  if (p == nullptr) return x.fault_flow;
  auto* word = reinterpret_cast<T*>(p);
  T raw = __atomic_load_n(word, __ATOMIC_RELAXED);
  T old;
  for (;;) {
    old = Exec::to_order(raw, x.le);
    const T next = Exec::to_order(amo_apply<T>(fc, old, operand, &valid), x.le);
    if (__atomic_compare_exchange_n(word, &raw, next, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) break;
  }
  if (fetch) x.s->gpr[d.rt] = old;
  return x.after_store(d);
}

}  // namespace

// ---- larx / stcx. ----------------------------------------------------------------------
// RT <- EXTZ(MEM(EA, 1)); RESERVE <- 1
Flow op_lbarx(Exec& x, const Decoded& d) { return larx<uint8_t>(x, d); }
// RT <- EXTZ(MEM(EA, 2)); RESERVE <- 1
Flow op_lharx(Exec& x, const Decoded& d) { return larx<uint16_t>(x, d); }
// RT <- EXTZ(MEM(EA, 4)); RESERVE <- 1
Flow op_lwarx(Exec& x, const Decoded& d) { return larx<uint32_t>(x, d); }
// RT <- MEM(EA, 8); RESERVE <- 1
Flow op_ldarx(Exec& x, const Decoded& d) { return larx<uint64_t>(x, d); }
// if RESERVE then MEM(EA, 1) <- (RS)[56:63]; CR0 <- 0b00 || stored || SO
Flow op_stbcx(Exec& x, const Decoded& d) { return stcx<uint8_t>(x, d); }
// if RESERVE then MEM(EA, 2) <- (RS)[48:63]
Flow op_sthcx(Exec& x, const Decoded& d) { return stcx<uint16_t>(x, d); }
// if RESERVE then MEM(EA, 4) <- (RS)[32:63]
Flow op_stwcx(Exec& x, const Decoded& d) { return stcx<uint32_t>(x, d); }
// if RESERVE then MEM(EA, 8) <- (RS)
Flow op_stdcx(Exec& x, const Decoded& d) { return stcx<uint64_t>(x, d); }
// RTp <- MEM(EA, 16); RESERVE <- 1
Flow op_lqarx(Exec& x, const Decoded& d) {
  const uint64_t ea = ea_x(x, d);
  if (ea % 16 != 0) return alignment(x, d, ea);
  uint64_t l1r = 0;
  uint8_t* p = x.host_of(d, ea, AccessType::Load, &l1r);
  if (p == nullptr) return x.fault_flow;
  std::array<uint8_t, 16> raw;
  // A 16-byte compare-and-swap with itself reads the quadword atomically.
  u128 cur = 0;
  auto* q = reinterpret_cast<u128*>(p);
  cur = __sync_val_compare_and_swap(q, cur, cur);
  std::memcpy(raw.data(), &cur, 16);
  x.res_valid = true;
  x.res_addr = l1r;
  x.res_len = 16;
  x.res_value = raw;
  const u128 v = quad_from(raw.data(), x.le);
  x.s->gpr[d.rt] = static_cast<uint64_t>(v >> 64);
  x.s->gpr[(d.rt + 1u) % 32u] = static_cast<uint64_t>(v);
  NV2_NEXT(x, d);
}
// if RESERVE then MEM(EA, 16) <- (RSp)
Flow op_stqcx(Exec& x, const Decoded& d) {
  const uint64_t ea = ea_x(x, d);
  if (ea % 16 != 0) return alignment(x, d, ea);
  uint64_t l1r = 0;
  uint8_t* p = x.host_of(d, ea, AccessType::Store, &l1r);
  if (p == nullptr) return x.fault_flow;
  bool ok = x.res_valid && x.res_addr == l1r && x.res_len == 16;
  if (ok) {
    u128 expected;
    std::memcpy(&expected, x.res_value.data(), 16);
    std::array<uint8_t, 16> bytes;
    quad_to(bytes.data(), (u128{x.s->gpr[d.rt]} << 64) | x.s->gpr[(d.rt + 1u) % 32u], x.le);
    u128 desired;
    std::memcpy(&desired, bytes.data(), 16);
    ok = __sync_bool_compare_and_swap(reinterpret_cast<u128*>(p), expected, desired);
  }
  x.res_valid = false;
  set_cr_field(*x.s, 0, (ok ? 2u : 0u) | so_bit(*x.s));
  return x.after_store(d);
}

// ---- quadword -------------------------------------------------------------------------------
// RTp <- MEM(EA, 16), EA = (RA|0) + EXTS(DQ || 0b0000); EA not quadword aligned: alignment
Flow op_lq(Exec& x, const Decoded& d) {
  const uint64_t ea = ra0(x, d) + static_cast<uint64_t>(d.imm);
  if (ea % 16 != 0) return alignment(x, d, ea);
  uint8_t* p = x.host_of(d, ea, AccessType::Load);
  if (p == nullptr) return x.fault_flow;
  const u128 v = quad_from(p, x.le);
  x.s->gpr[d.rt] = static_cast<uint64_t>(v >> 64);
  x.s->gpr[d.rt + 1u] = static_cast<uint64_t>(v);
  NV2_NEXT(x, d);
}
// MEM(EA, 16) <- (RSp), EA = (RA|0) + EXTS(DS || 0b00)
Flow op_stq(Exec& x, const Decoded& d) {
  const uint64_t ea = ra0(x, d) + static_cast<uint64_t>(d.imm);
  if (ea % 16 != 0) return alignment(x, d, ea);
  uint8_t* p = x.host_of(d, ea, AccessType::Store);
  if (p == nullptr) return x.fault_flow;
  quad_to(p, (u128{x.s->gpr[d.rt]} << 64) | x.s->gpr[(d.rt + 1u) % 32u], x.le);
  return x.after_store(d);
}

// ---- multiple and string (big-endian only: alignment interrupt when MSR[LE]=1) --------------
// r <- RT; do while r <= 31: GPR(r) <- EXTZ(MEM(EA, 4)); r <- r + 1; EA <- EA + 4
Flow op_lmw(Exec& x, const Decoded& d) {
  uint64_t ea = ra0(x, d) + static_cast<uint64_t>(d.imm);
  if (x.le || ea % 4 != 0) return alignment(x, d, ea);
  for (unsigned r = d.rt; r < 32; ++r, ea += 4) {
    uint32_t v;
    if (!x.load<uint32_t>(d, ea, v)) return x.fault_flow;
    x.s->gpr[r] = v;
  }
  NV2_NEXT(x, d);
}
// r <- RS; do while r <= 31: MEM(EA, 4) <- GPR(r)[32:63]; r <- r + 1; EA <- EA + 4
Flow op_stmw(Exec& x, const Decoded& d) {
  uint64_t ea = ra0(x, d) + static_cast<uint64_t>(d.imm);
  if (x.le || ea % 4 != 0) return alignment(x, d, ea);
  for (unsigned r = d.rt; r < 32; ++r, ea += 4)
    if (!x.store<uint32_t>(d, ea, static_cast<uint32_t>(x.s->gpr[r]))) return x.fault_flow;
  return x.after_store(d);
}

namespace {
// Load `n` bytes into RT, RT+1, ... (wrapping at 31), four per register, left-justified in
// bits 32:63 with the rest zeroed (Book I §3.3.7).
Flow load_string(Exec& x, const Decoded& d, uint64_t ea, unsigned n) {
  if (x.le) return alignment(x, d, ea);
  unsigned r = (d.rt + 31u) % 32u;
  for (unsigned i = 0; i < n; ++i, ++ea) {
    if (i % 4 == 0) {
      r = (r + 1) % 32;
      x.s->gpr[r] = 0;
    }
    uint8_t b;
    if (!x.load<uint8_t>(d, ea, b)) return x.fault_flow;
    x.s->gpr[r] |= uint64_t{b} << (24 - 8 * (i % 4));
  }
  NV2_NEXT(x, d);
}
Flow store_string(Exec& x, const Decoded& d, uint64_t ea, unsigned n) {
  if (x.le) return alignment(x, d, ea);
  unsigned r = (d.rt + 31u) % 32u;
  for (unsigned i = 0; i < n; ++i, ++ea) {
    if (i % 4 == 0) r = (r + 1) % 32;
    const auto b = static_cast<uint8_t>(x.s->gpr[r] >> (24 - 8 * (i % 4)));
    if (!x.store<uint8_t>(d, ea, b)) return x.fault_flow;
  }
  return x.after_store(d);
}
}  // namespace

// EA <- (RA|0); n <- NB ? NB : 32; load n bytes into RT, RT+1, ...
Flow op_lswi(Exec& x, const Decoded& d) { return load_string(x, d, ra0(x, d), d.rb ? d.rb : 32); }
// EA <- (RA|0) + (RB); n <- XER[57:63]; load n bytes into RT, RT+1, ...
Flow op_lswx(Exec& x, const Decoded& d) {
  return load_string(x, d, ea_x(x, d), static_cast<unsigned>(x.s->xer & xer::kByteCount));
}
// EA <- (RA|0); n <- NB ? NB : 32; store n bytes from RS, RS+1, ...
Flow op_stswi(Exec& x, const Decoded& d) { return store_string(x, d, ra0(x, d), d.rb ? d.rb : 32); }
// EA <- (RA|0) + (RB); n <- XER[57:63]; store n bytes from RS, RS+1, ...
Flow op_stswx(Exec& x, const Decoded& d) {
  return store_string(x, d, ea_x(x, d), static_cast<unsigned>(x.s->xer & xer::kByteCount));
}

// ---- atomic memory operations ------------------------------------------------------------
// RT <- MEM(EA, 4); MEM(EA, 4) <- f_FC(MEM(EA, 4), (RT+1)[32:63])
Flow op_lwat(Exec& x, const Decoded& d) {
  return amo<uint32_t>(x, d, static_cast<uint32_t>(x.s->gpr[(d.rt + 1u) % 32u]), true);
}
// RT <- MEM(EA, 8); MEM(EA, 8) <- f_FC(MEM(EA, 8), (RT+1))
Flow op_ldat(Exec& x, const Decoded& d) { return amo<uint64_t>(x, d, x.s->gpr[(d.rt + 1u) % 32u], true); }
// MEM(EA, 4) <- f_FC(MEM(EA, 4), (RS)[32:63])
Flow op_stwat(Exec& x, const Decoded& d) { return amo<uint32_t>(x, d, static_cast<uint32_t>(x.s->gpr[d.rt]), false); }
// MEM(EA, 8) <- f_FC(MEM(EA, 8), (RS))
Flow op_stdat(Exec& x, const Decoded& d) { return amo<uint64_t>(x, d, x.s->gpr[d.rt], false); }

// ---- cache management -----------------------------------------------------------------------
// MEM(EA & ~127, 128) <- 0 (the 128-byte block, Book II §4.3.2); translated as a store
Flow op_dcbz(Exec& x, const Decoded& d) {
  const uint64_t ea = ea_x(x, d) & ~uint64_t{127};
  uint8_t* p = x.host_of(d, ea, AccessType::Store);
  if (p == nullptr) return x.fault_flow;
  std::memset(p, 0, 128);
  return x.after_store(d);
}
// dcbt / dcbtst: hints; never fault (Book II §4.3.2: treated as no-ops when they would)
Flow op_dcb_touch(Exec& x, const Decoded& d) { NV2_NEXT(x, d); }
// dcbf / dcbst: no cache to write back, but translated as a load: a fault is a fault
Flow op_dcb_flush(Exec& x, const Decoded& d) {
  if (x.host_of(d, ea_x(x, d), AccessType::Load) == nullptr) return x.fault_flow;
  NV2_NEXT(x, d);
}
// icbi: translated as a load; drops the decoded blocks of the page (and ends this block)
Flow op_icbi(Exec& x, const Decoded& d) {
  uint64_t l1r = 0;
  if (x.host_of(d, ea_x(x, d), AccessType::Load, &l1r) == nullptr) return x.fault_flow;
  x.invalidate_code_page(l1r & ~kPageMask);
  return x.end_block_after(d);
}
// icbt: hint, no-op
Flow op_icbt(Exec& x, const Decoded& d) { NV2_NEXT(x, d); }

}  // namespace nv2::isa
