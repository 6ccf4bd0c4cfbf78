// A minimal L1 for the L0 tests: it reaches the L0 only through papr::HcallPort and the
// partition's RealMemory, as a real L1 does, and builds its GSBs with the gsb codec.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "l0/host.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"
#include "papr/hcall.hpp"
#include "papr/status.hpp"

namespace nv2::l0::test {

using papr::Hcall;
using papr::HStatus;

// L1 real memory layout the tests use.
inline constexpr uint64_t kMemSize = uint64_t{16} << 20;
inline constexpr uint64_t kGsbAddr = 0x10000;    // scratch GSB, 64 KiB
inline constexpr uint64_t kGsbSize = 0x10000;
inline constexpr uint64_t kRunIn = 0x20000;      // run input buffer, 4 KiB
inline constexpr uint64_t kRunOut = 0x21000;     // run output buffer, 4 KiB
inline constexpr uint64_t kRunBufSize = 0x1000;
inline constexpr uint64_t kVpaAddr = 0x30000;
inline constexpr uint64_t kPtRoot = 0x100000;    // partition-scoped root (64 KiB: 2^13 × 8)
inline constexpr uint64_t kPtRootSize = 0x10000;
inline constexpr uint64_t kPtPool = 0x110000;    // lower-level directories
inline constexpr uint64_t kL2Base = 0x400000;    // L1 real memory backing L2 real 0.., 4 MiB
inline constexpr uint64_t kL2Size = 0x400000;

struct Answer {
  HStatus status;
  uint64_t r4 = 0;
  uint64_t r5 = 0;
};

class L1 {
 public:
  L1(papr::HcallPort& port, papr::RealMemory mem) : port_(port), mem_(mem) {}

  papr::RealMemory mem() const { return mem_; }

  Answer call(Hcall h, std::initializer_list<uint64_t> args) {
    auto regs = papr::HcallRegs::make(h, args);
    port_.hcall(regs);
    return {regs.status(), regs.r[4], regs.r[5]};
  }
  Answer raw(uint64_t opcode, std::initializer_list<uint64_t> args) {
    papr::HcallRegs regs;
    regs.r[3] = opcode;
    unsigned i = 4;
    for (uint64_t a : args) regs.r[i++] = a;
    port_.hcall(regs);
    return {regs.status(), regs.r[4], regs.r[5]};
  }

  // A writer over the scratch GSB area.
  gsb::Writer writer(uint64_t addr = kGsbAddr, uint64_t size = kGsbSize) {
    return gsb::Writer(mem_.span(addr, size));
  }

  // SET_STATE of (id, value) pairs at `addr`.
  Answer set(uint64_t flags, uint64_t guest, uint64_t vcpu,
             std::initializer_list<std::pair<gsb::ElementId, gsb::Value>> elems) {
    auto w = writer();
    for (const auto& [id, v] : elems) EXPECT_TRUE(w.put(id, v).has_value()) << std::hex << id;
    return call(Hcall::H_GUEST_SET_STATE, {flags, guest, vcpu, kGsbAddr, w.size()});
  }
  // GET_STATE of `ids`; on success the values, in order.
  std::pair<Answer, std::vector<gsb::Value>> get(uint64_t flags, uint64_t guest, uint64_t vcpu,
                                                  std::initializer_list<gsb::ElementId> ids) {
    return get(flags, guest, vcpu, std::vector<gsb::ElementId>(ids));
  }
  std::pair<Answer, std::vector<gsb::Value>> get(uint64_t flags, uint64_t guest, uint64_t vcpu,
                                                  const std::vector<gsb::ElementId>& ids);
  gsb::Value get1(uint64_t flags, uint64_t guest, uint64_t vcpu, gsb::ElementId id) {
    auto [a, v] = get(flags, guest, vcpu, {id});
    EXPECT_EQ(a.status, HStatus::Success) << papr::name(a.status);
    return v.empty() ? gsb::Value{} : v[0];
  }
  uint64_t reg64(uint64_t guest, uint64_t vcpu, gsb::ElementId id) {
    return std::get<uint64_t>(get1(0, guest, vcpu, id));
  }

  // GET + SET capabilities (the first mode offered), CREATE, CREATE_VCPU 0.
  uint64_t negotiate();
  uint64_t create_guest();
  // A guest with vCPU 0, logical PVR set, partition table defined and run buffers
  // registered: ready to RUN.
  uint64_t ready_guest(uint64_t vcpus = 1);
  void register_run_buffers(uint64_t guest, uint64_t vcpu, uint64_t in = kRunIn, uint64_t out = kRunOut);

  // Run input: an empty buffer, or these elements.
  void run_input(std::initializer_list<std::pair<gsb::ElementId, gsb::Value>> elems = {},
                 uint64_t in = kRunIn);
  Answer run(uint64_t guest, uint64_t vcpu, uint64_t flags = 0) {
    return call(Hcall::H_GUEST_RUN_VCPU, {flags, guest, vcpu});
  }
  // Parse the run output buffer.
  gsb::Reader output(uint64_t out = kRunOut);

 private:
  papr::HcallPort& port_;
  papr::RealMemory mem_;
};

// A host with one partition and an L1 over it.
struct World {
  explicit World(HostConfig cfg = {}) : host(cfg), part(host.create_partition(kMemSize)), l1(part, part.memory()) {}
  Host host;
  Partition& part;
  L1 l1;
};

// FNV-1a over a memory range: "L1 memory unchanged" checks.
uint64_t digest(const papr::RealMemory& mem, uint64_t addr, uint64_t len);

// A partition-scoped radix tree in L1 memory mapping L2 real [0, kL2Size) to L1 real
// kL2Base.. with 64 KiB pages (52-bit EA: 13/9/9/5 bits, §8), for the end-to-end runs.
// Pages of L2 real address >= `unmapped_from` are left out (HDSI tests).
void build_partition_table(const papr::RealMemory& mem, uint64_t unmapped_from = kL2Size);

// The bytes of an assembled L2 program (tests/l0/asm/<name>.s, built to .bin by CMake).
std::vector<uint8_t> load_program(const char* name);

}  // namespace nv2::l0::test
