// The per-vCPU run loop: one handler per exit reason (issue 5 item 4; §5).
//
//   0xC00 HCALL  → the machine's handler from a dense table indexed by opcode/4; an opcode
//                  nothing serves → r3 = H_FUNCTION, counted, never fatal.
//   0xE00 HDSI / 0xE20 HISI → RAM: allocate an L1 page, map it in the partition-scoped
//                  table, rerun. MMIO: decode the load/store from HEIR (D, DS, X forms,
//                  byte-reversed, update), EA from HDAR, fetch only the source GPR, access
//                  the device, write only the target/update GPRs, NIA += 4.
//   0xE40 HEA    → program interrupt (illegal instruction) injected through the cache.
//   0x980 HDEC   → the L1's timer callback, rerun.
//   0x000 stop   → return if a stop was requested, else rerun.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "l1/error.hpp"
#include "l1/mmio.hpp"
#include "l1/vcpu.hpp"
#include "papr/hcall.hpp"

namespace nv2::l1 {

// What an L2 hcall handler tells the run loop.
enum class HcallOutcome : uint8_t {
  Resume,  // r3 (and outputs) set through the cache; run the vCPU again
  Stop,    // the machine ends this vCPU's loop (power-off, stop-self, …)
};

// A handler reads its arguments with vcpu.gpr(4..) (the output buffer carried r3–r12, so
// no hcall) and writes r3 with vcpu.set_gpr(3, papr::to_abi(status)).
using HcallHandler = std::function<Result<HcallOutcome>(Vcpu& vcpu, uint64_t opcode)>;

// Dense dispatch table, shared by every vCPU of a machine; fill it before running.
class HcallTable {
 public:
  HcallTable();
  // InvalidArgument for an opcode that is not 4-aligned, beyond kMaxHcall, or taken.
  Result<void> register_hcall(papr::Hcall h, HcallHandler handler);
  Result<void> register_hcall(uint64_t opcode, HcallHandler handler);
  const HcallHandler* find(uint64_t opcode) const;
  std::vector<uint64_t> registered() const;  // ascending opcodes

 private:
  std::vector<HcallHandler> slots_;  // papr::kHcallSlots entries
};

// The L1's handlers for the exits that are not L2 hcalls; all optional.
struct RunLoopHooks {
  // HDEC exit: run the L1's timers (e.g. the machine's event timer), then rerun.
  std::function<Result<void>(Vcpu&)> on_hdec;
  // Every exit, after it was handled (trace, stats): the exit and its host duration.
  std::function<void(Vcpu&, const RunExit&, uint64_t hcall_opcode, std::chrono::nanoseconds)>
      on_exit;
};

enum class LoopEnd : uint8_t {
  StopRequested,  // request_stop() / a 0x0 exit with a stop pending
  HandlerStop,    // an hcall handler returned HcallOutcome::Stop
};

// What one step() did.
struct StepResult {
  RunExit exit;
  uint64_t hcall_opcode = 0;  // for HCALL exits
  bool stop = false;          // the loop should end (see `end`)
  LoopEnd end = LoopEnd::StopRequested;
};

class RunLoop {
 public:
  RunLoop(Vcpu& vcpu, const HcallTable& hcalls, RunLoopHooks hooks = {});

  // Run until a stop request or a handler's Stop. Errors (an L0 failure, an HDSI outside
  // RAM and MMIO, an undecodable MMIO instruction) end the loop as an Error.
  Result<LoopEnd> run();
  // One H_GUEST_RUN_VCPU and the handling of its exit.
  Result<StepResult> step();
  // The same into `s` (reset first): the machine's per-vCPU loop form, no copy per exit.
  Result<void> step(StepResult& s);

  Vcpu& vcpu() { return *vcpu_; }

 private:
  Result<void> handle_hcall(StepResult& s);
  Result<void> handle_storage(const RunExit& e, bool instruction);
  Result<void> handle_hea();
  Result<void> emulate_mmio(const MmioRegion& r, uint64_t l2_real);

  Vcpu* vcpu_;
  const HcallTable* hcalls_;
  RunLoopHooks hooks_;
};

// ---- MMIO instruction decoding (Power ISA 3.0B Book I §3.3.2–3.3.6), exposed for tests ----

enum class MemForm : uint8_t { D, DS, X };

struct MemAccess {
  bool store = false;
  unsigned size = 0;          // 1, 2, 4, 8
  bool sign_extend = false;   // lha, lwa, …
  bool byte_reversed = false; // lhbrx, stwbrx, …
  bool update = false;        // RA ← EA
  MemForm form = MemForm::D;
  unsigned rt = 0;            // RT (load target) or RS (store source)
  unsigned ra = 0;
};

// Decode one non-prefixed load/store word; nullopt for anything else.
std::optional<MemAccess> decode_mem_access(uint32_t insn);

// Program interrupt state (Book III §7.5.9, §7.4 "Interrupt Processing"): the new MSR,
// the vector address and SRR1 for an L2 at (nia, msr) with the given LPCR.
struct InterruptEntry {
  uint64_t srr0, srr1, msr, nia;
};
InterruptEntry program_interrupt(uint64_t nia, uint64_t msr, uint64_t lpcr, uint64_t reason);

}  // namespace nv2::l1
