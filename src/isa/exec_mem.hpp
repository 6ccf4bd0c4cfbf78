// Loads and stores of byte..doubleword: one template per addressing family, instantiated
// by the instruction table (Power ISA 3.0B Book I §3.3.2-§3.3.5).
#pragma once

#include <bit>
#include <cstdint>
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

// RT <- EXTZ/EXTS(MEM(EA, sizeof T)), byte-reversed when `Reverse` (l*brx).
template <typename T, bool Signed, Addr A, bool Reverse = false>
Flow op_load(Exec& x, const Decoded& d) {
  const uint64_t ea = effective_address<A>(x, d);
  T v;
  if (!x.load<T>(d, ea, v)) [[unlikely]] return x.fault_flow;
  if constexpr (Reverse) v = bswap(v);
  if constexpr (Signed) {
    x.s->gpr[d.rt] = static_cast<uint64_t>(static_cast<int64_t>(static_cast<std::make_signed_t<T>>(v)));
  } else {
    x.s->gpr[d.rt] = v;
  }
  if constexpr (A == Addr::DUpdate || A == Addr::XUpdate) x.s->gpr[d.ra] = ea;
  NV2_NEXT(x, d);
}

// MEM(EA, sizeof T) <- (RS) low bytes, byte-reversed when `Reverse` (st*brx).
template <typename T, Addr A, bool Reverse = false>
Flow op_store(Exec& x, const Decoded& d) {
  const uint64_t ea = effective_address<A>(x, d);
  T v = static_cast<T>(x.s->gpr[d.rt]);
  if constexpr (Reverse) v = bswap(v);
  if (!x.store<T>(d, ea, v)) [[unlikely]] return x.fault_flow;
  if constexpr (A == Addr::DUpdate || A == Addr::XUpdate) x.s->gpr[d.ra] = ea;
  return x.after_store(d);
}

}  // namespace nv2::isa
