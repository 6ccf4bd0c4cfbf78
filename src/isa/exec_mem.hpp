// Loads and stores of byte..doubleword: one template per addressing family, instantiated
// by the instruction table (Power ISA 3.0B Book I §3.3.2-§3.3.5).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "isa/exec.hpp"
#include "isa/insn.hpp"

namespace nv2::isa {

enum class Addr : uint8_t {
  D,         // EA <- (RA|0) + EXTS(D)       (D, DS forms: imm pre-shifted)
  DUpdate,   // EA <- (RA) + EXTS(D); RA <- EA
  X,         // EA <- (RA|0) + (RB)
  XUpdate,   // EA <- (RA) + (RB); RA <- EA
};

template <Addr A>
inline uint64_t effective_address(const Exec& x, const Decoded& d) {
  const auto& g = x.s->gpr;
  if constexpr (A == Addr::D) return (d.ra ? g[d.ra] : 0) + static_cast<uint64_t>(d.imm);
  if constexpr (A == Addr::DUpdate) return g[d.ra] + static_cast<uint64_t>(d.imm);
  if constexpr (A == Addr::X) return (d.ra ? g[d.ra] : 0) + g[d.rb];
  if constexpr (A == Addr::XUpdate) return g[d.ra] + g[d.rb];
}

// Write the loaded value to RT (and RA for the update forms), then go on.
template <typename T, bool Signed, Addr A, bool Reverse>
inline Flow load_done(Exec& x, const Decoded& d, uint64_t ea, T v) {
  if constexpr (Reverse) v = bswap(v);
  if constexpr (Signed) {
    x.s->gpr[d.rt] = static_cast<uint64_t>(static_cast<int64_t>(static_cast<std::make_signed_t<T>>(v)));
  } else {
    x.s->gpr[d.rt] = v;
  }
  if constexpr (A == Addr::DUpdate || A == Addr::XUpdate) x.s->gpr[d.ra] = ea;
  NV2_NEXT(x, d);
}

// The host-page cache missed (or the access crosses a page): through the MMU. Out of line
// and tail-called, so the fast path of op_load needs no stack frame (perf: push/pop and the
// buffer of the slow call were ~10 % of the word-load handler).
template <typename T, bool Signed, Addr A, bool Reverse>
[[gnu::noinline]] Flow load_slow(Exec& x, const Decoded& d, uint64_t ea) {
  T v;
  if (!x.access_slow(d, ea, &v, sizeof(T), AccessType::Load)) return x.fault_flow;
  return load_done<T, Signed, A, Reverse>(x, d, ea, Exec::to_order(v, x.le));
}

// RT <- EXTZ/EXTS(MEM(EA, sizeof T)), byte-reversed when `Reverse` (l*brx).
template <typename T, bool Signed, Addr A, bool Reverse = false>
Flow op_load(Exec& x, const Decoded& d) {
  const uint64_t ea = effective_address<A>(x, d);
  const HostPage& p = x.rtlb[(ea >> kPageShift) % Exec::kTlbEntries];
  const uint64_t off = ea & kPageMask;
  if (p.tag != (ea >> kPageShift) || off + sizeof(T) > kPageSize) [[unlikely]]
    return load_slow<T, Signed, A, Reverse>(x, d, ea);
  T v;
  std::memcpy(&v, p.host + off, sizeof(T));
  return load_done<T, Signed, A, Reverse>(x, d, ea, Exec::to_order(v, x.le));
}

template <typename T, Addr A>
[[gnu::noinline]] Flow store_slow(Exec& x, const Decoded& d, uint64_t ea, T v) {
  if (!x.access_slow(d, ea, &v, sizeof(T), AccessType::Store)) return x.fault_flow;
  if constexpr (A == Addr::DUpdate || A == Addr::XUpdate) x.s->gpr[d.ra] = ea;
  return x.after_store(d);
}

// MEM(EA, sizeof T) <- (RS) low bytes, byte-reversed when `Reverse` (st*brx).
template <typename T, Addr A, bool Reverse = false>
Flow op_store(Exec& x, const Decoded& d) {
  const uint64_t ea = effective_address<A>(x, d);
  T v = static_cast<T>(x.s->gpr[d.rt]);
  if constexpr (Reverse) v = bswap(v);
  v = Exec::to_order(v, x.le);
  const HostPage& p = x.wtlb[(ea >> kPageShift) % Exec::kTlbEntries];
  const uint64_t off = ea & kPageMask;
  if (p.tag != (ea >> kPageShift) || off + sizeof(T) > kPageSize) [[unlikely]]
    return store_slow<T, A>(x, d, ea, v);
  std::memcpy(p.host + off, &v, sizeof(T));
  if constexpr (A == Addr::DUpdate || A == Addr::XUpdate) x.s->gpr[d.ra] = ea;
  // Write entries never cover a page holding decoded code (decisions 26): no code check here.
  NV2_NEXT(x, d);
}

}  // namespace nv2::isa
