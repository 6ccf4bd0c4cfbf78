// A scripted L0 for the L1 unit tests: an HcallPort over a plain byte array that records
// every hcall (opcode, arguments, the decoded GSB it carried) and answers like a minimal
// nestedv2 L0: GET/SET_STATE against a "truth" map per guest/vCPU, RUN_VCPU from a script
// of exits. Nothing here includes src/l0: the L1 is tested against the ABI alone.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "gsb/bitmap.hpp"
#include "gsb/buffer.hpp"
#include "gsb/wire.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"

namespace nv2::l1::test {

using State = std::map<gsb::ElementId, gsb::Value>;

struct Recorded {
  uint64_t opcode = 0;
  std::array<uint64_t, 6> args{};  // r4..r9 as the L1 passed them
  gsb::IdBitmap ids;               // IDs of the GSB the call carried (SET, GET, RUN input)
  State values;                    // values of a SET or RUN input buffer
  uint32_t gsb_count = 0;          // elements in that GSB (duplicates counted)
  uint64_t status = 0;             // r3 answered
  uint64_t r4 = 0;                 // r4 answered
};

// One exit of RUN_VCPU: the L2 "ran" and changed `l2_writes`, then the L0 reports `reason`
// with the elements `output` (values from the truth after l2_writes) in the output buffer.
struct ScriptedExit {
  uint64_t reason = 0;
  State l2_writes;
  gsb::IdBitmap output;
  papr::HStatus status = papr::HStatus::Success;  // a failing RUN when not Success
  uint64_t fail_r4 = 0;

  // 0xC00 with r3 = opcode and r4.. = args; output GPR3–12 + DEC expiry (§5).
  static ScriptedExit hcall(uint64_t opcode, std::initializer_list<uint64_t> args = {});
  // 0xE00 HDSI at L2 real `asdr`, effective address `hdar`; output as §5 lists.
  static ScriptedExit hdsi(uint64_t asdr, uint64_t hdar, uint64_t nia, uint64_t msr);
  static ScriptedExit hea(uint64_t nia, uint64_t msr, uint64_t heir);
  static ScriptedExit simple(uint64_t reason);  // no element but DEC expiry
};

class ScriptedL0 final : public papr::HcallPort {
 public:
  explicit ScriptedL0(std::size_t mem_bytes = 32u << 20);

  papr::RealMemory memory() { return {mem_.data(), mem_.size()}; }
  void hcall(papr::HcallRegs& regs) override;

  // ---- Configuration -------------------------------------------------------------------
  uint64_t capabilities = papr::cap::kPower9 | papr::cap::kPower10;
  papr::HStatus get_capabilities_status = papr::HStatus::Success;
  papr::HStatus set_capabilities_status = papr::HStatus::Success;
  // Busy answers CREATE gives before succeeding; each hands out token 0x7000 + n.
  std::deque<papr::HStatus> create_busy;
  uint64_t next_guest_id = 1;
  std::deque<ScriptedExit> exits;
  // Per-vCPU scripts (used before `exits` when non-empty): for tests running vCPUs on
  // several threads. hcall() is serialized by a mutex, so the fake is thread-safe.
  std::map<uint64_t, std::deque<ScriptedExit>> vcpu_exits;
  // A hook that may answer any hcall instead of the default (returns true when it did).
  std::function<bool(papr::HcallRegs&)> intercept;

  // ---- Truth and log -----------------------------------------------------------------------
  State& guest_state() { return guest_; }
  State& vcpu_state(uint64_t vcpu) { return vcpus_[vcpu]; }
  State host_state;
  std::vector<Recorded> log;

  std::size_t count(papr::Hcall h) const;
  std::vector<Recorded> calls(papr::Hcall h) const;
  const Recorded& last(papr::Hcall h) const;
  void clear_log() { log.clear(); }

 private:
  void run(papr::HcallRegs& regs, Recorded& rec);
  void get_state(papr::HcallRegs& regs, Recorded& rec);
  void set_state(papr::HcallRegs& regs, Recorded& rec);

  std::mutex mu_;
  std::vector<uint8_t> mem_;
  State guest_;
  std::map<uint64_t, State> vcpus_;
};

// A zero value of `id`'s type.
gsb::Value zero_of(gsb::ElementId id);
uint64_t as64(const gsb::Value& v);

}  // namespace nv2::l1::test
