// The L1 guest hypervisor: detection, negotiation and the hcall path (issue 5 item 1).
//
// Hypervisor::probe() asks the L0 for its nestedv2 capabilities (H_GUEST_GET_CAPABILITIES),
// picks the best mode both sides support (POWER11 > POWER10 > POWER9) and commits it with
// H_GUEST_SET_CAPABILITIES. When GET fails the L0 offers no nestedv2: probe() reports
// ErrorKind::NoNestedV2 and the caller may try another Backend (the nestedv1 seam,
// papr-nestedv2.md §7). Every hcall the L1 makes goes through call(), which counts it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "l1/counters.hpp"
#include "l1/error.hpp"
#include "l1/memory.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"

namespace nv2::l1 {

// Processor compatibility modes of H_GUEST_{GET,SET}_CAPABILITIES bitmap 1, best first.
enum class Mode : uint8_t { Power11, Power10, Power9 };

struct ModeInfo {
  Mode mode;
  uint64_t capability;   // bitmap-1 bit (papr/flags.hpp cap::)
  uint32_t logical_pvr;  // element 0x0003 value for this mode
  std::string_view name;
};
// Preference order: the first row both sides support wins.
inline constexpr std::array kModes = {
    ModeInfo{Mode::Power11, papr::cap::kPower11, papr::pvr::kPower11, "POWER11"},
    ModeInfo{Mode::Power10, papr::cap::kPower10, papr::pvr::kPower10, "POWER10"},
    ModeInfo{Mode::Power9, papr::cap::kPower9, papr::pvr::kPower9, "POWER9"},
};
const ModeInfo& mode_info(Mode m);

// Which nested API a Hypervisor drives. Only NestedV2 is implemented; NestedV1 is the
// seam for the fallback of a later issue.
enum class Api : uint8_t { NestedV2, NestedV1 };

// The nested-virtualization API, abstract so a nestedv1 backend can slot in: probe and
// the guest lifecycle. (The state path — the lazy cache — is nestedv2-specific in
// l1::Vcpu; a v1 backend would add its own vCPU state transfer.)
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Api api() const = 0;
  // Detect and negotiate; `supported` = the capability bits this L1 can run L2s in.
  virtual Result<Mode> negotiate(uint64_t supported) = 0;
  virtual Result<uint64_t> create_guest() = 0;
  virtual Result<void> create_vcpu(uint64_t guest, uint64_t vcpu) = 0;
  virtual Result<void> delete_guest(uint64_t guest) = 0;
  virtual Result<void> delete_all() = 0;
};

struct HypervisorOptions {
  // Capability bits this L1 accepts (default: every mode it knows).
  uint64_t supported_modes = papr::cap::kAllModes;
  // Bounded retries of H_BUSY / H_LONG_BUSY_* answers (CREATE, DELETE) before giving up.
  unsigned busy_retries = 1000;
  // The part of L1 real memory the allocator manages: [memory_base, memory_base + size);
  // size 0 = up to the end of L1 memory.
  uint64_t memory_base = 0;
  uint64_t memory_size = 0;
};

class Hypervisor {
 public:
  // Detect nestedv2 and negotiate a mode. NoNestedV2 when GET_CAPABILITIES fails,
  // NoCommonMode when no offered mode is acceptable, Hcall when SET_CAPABILITIES fails.
  static Result<std::unique_ptr<Hypervisor>> probe(papr::HcallPort& port, papr::RealMemory mem,
                                                   HypervisorOptions opts = {});
  ~Hypervisor();
  Hypervisor(const Hypervisor&) = delete;
  Hypervisor& operator=(const Hypervisor&) = delete;

  Api api() const { return backend_->api(); }
  Mode mode() const { return mode_; }
  uint32_t logical_pvr() const { return mode_info(mode_).logical_pvr; }
  uint64_t offered_capabilities() const { return offered_; }

  // One hcall to the L0, counted by opcode. Thread-safe.
  void call(papr::HcallRegs& regs);
  // The same, counted in a vCPU's private block (its thread only: no locked instruction).
  void call(papr::HcallRegs& regs, CounterBlock& local) {
    local.hcall_local(regs.opcode());
    port_->hcall(regs);
  }
  // call() that retries H_BUSY / H_LONG_BUSY_* (passing r4 back as the continue token
  // when `token_arg` names the argument that carries it).
  papr::HStatus call_retrying(papr::HcallRegs& regs, int token_arg = -1);

  // L1 reset: H_GUEST_DELETE with the delete-all flag (§3).
  Result<void> reset();

  Backend& backend() { return *backend_; }
  PageAllocator& allocator() { return alloc_; }
  const papr::RealMemory& memory() const { return mem_; }
  Counters& counters() { return counters_; }
  CountersSnapshot stats() const { return counters_.snapshot(); }
  const HypervisorOptions& options() const { return opts_; }

 private:
  Hypervisor(papr::HcallPort& port, papr::RealMemory mem, HypervisorOptions opts);

  papr::HcallPort* port_;
  papr::RealMemory mem_;
  HypervisorOptions opts_;
  PageAllocator alloc_;
  Counters counters_;
  std::unique_ptr<Backend> backend_;
  Mode mode_ = Mode::Power9;
  uint64_t offered_ = 0;
};

}  // namespace nv2::l1
