// The hcall ABI: the only place L1 and L0 meet (docs/architecture.md).
//
// An hcall is registers in, registers out: r3 = opcode in and status out, arguments in
// r4.., outputs in r4... Anything larger travels through L1 real memory, a region the L0
// owns and the L1 lives in; the L0 reaches it by L1 real address and trusts none of it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>

#include "papr/hcall.hpp"
#include "papr/status.hpp"

namespace nv2::papr {

// r0..r12 of the calling L1 thread. Only r3..r12 carry meaning for hcalls.
struct HcallRegs {
  std::array<uint64_t, 13> r{};

  uint64_t opcode() const { return r[3]; }
  uint64_t arg(unsigned n) const { return r[4 + n]; }  // arg(0) = r4 = P1
  HStatus status() const { return static_cast<HStatus>(static_cast<int64_t>(r[3])); }
  uint64_t out(unsigned n) const { return r[4 + n]; }  // out(0) = r4

  static HcallRegs make(Hcall h, std::initializer_list<uint64_t> args) {
    HcallRegs regs;
    regs.r[3] = papr::opcode(h);
    unsigned i = 4;
    for (uint64_t a : args) regs.r[i++] = a;
    return regs;
  }
};

// What an L1 thread calls into: the L0's hcall entry for this partition. The L1 side
// holds one of these and nothing else of the L0; the L0 implements it. hcall() is
// thread-safe: every L1 vCPU thread calls in concurrently.
class HcallPort {
 public:
  virtual ~HcallPort() = default;
  virtual void hcall(HcallRegs& regs) = 0;
};

// L1 real memory: [0, size) in L1 real addresses, backed by host memory the L0 owns.
// Every access by address is bounds-checked; an address range that does not fit is
// reported, never dereferenced.
class RealMemory {
 public:
  RealMemory() = default;
  RealMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t size() const { return size_; }
  uint8_t* base() const { return base_; }

  // True when [addr, addr + len) lies inside the region (overflow-safe).
  bool contains(uint64_t addr, uint64_t len) const {
    return addr <= size_ && len <= size_ - addr;
  }
  // A span over [addr, addr + len), or an empty span when it does not fit.
  std::span<uint8_t> span(uint64_t addr, uint64_t len) const {
    if (!contains(addr, len) || len == 0) return {};
    return {base_ + addr, static_cast<std::size_t>(len)};
  }

  // Big-endian 64-bit accessors for page-table entries and other L1 structures.
  // The caller must have checked contains(addr, 8).
  uint64_t load_be64(uint64_t addr) const {
    uint64_t v;
    std::memcpy(&v, base_ + addr, 8);
    return __builtin_bswap64(v);
  }
  void store_be64(uint64_t addr, uint64_t value) const {
    const uint64_t v = __builtin_bswap64(value);
    std::memcpy(base_ + addr, &v, 8);
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

static_assert(std::endian::native == std::endian::little,
              "nv2 runs on little-endian hosts (x86-64); big-endian wire values are swapped");

}  // namespace nv2::papr
