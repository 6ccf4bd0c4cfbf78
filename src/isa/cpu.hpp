// One L2 vCPU on the interpreter: the engine the L0 drives (issue 3).
//
// The engine knows nothing of hcalls or GSBs. The L0 loads VcpuState, calls run() with the
// interrupts H_GUEST_RUN_VCPU asked for, and reads the state back after the Exit.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "isa/exit.hpp"
#include "isa/mmu.hpp"
#include "isa/state.hpp"
#include "isa/timebase.hpp"
#include "papr/abi.hpp"

namespace nv2::isa {

// What a run needs from its surroundings; valid for the duration of run().
struct RunEnv {
  papr::RealMemory l1;             // L1 real memory: partition-scoped tables and L2 pages
  const PartitionConfig* config;   // the guest's guest-wide state
  const Timebase* timebase;
  // The guest's tlbie broadcast domain (one per guest, shared by its vCPUs; ISA 3.0B Book III
  // §5.10.1). nullptr: this vCPU is alone, tlbie invalidates only its own translations.
  TlbDomain* tlb_domain = nullptr;
};

// Interrupts requested by the H_GUEST_RUN_VCPU flags (§3), delivered inside L2 before
// the first instruction when the L2's MSR allows them.
struct InterruptRequests {
  bool external = false;
  bool privileged_doorbell = false;
  bool system_reset = false;
};

class Cpu {
 public:
  Cpu();
  ~Cpu();
  Cpu(const Cpu&) = delete;
  Cpu& operator=(const Cpu&) = delete;

  VcpuState& state() { return state_; }
  const VcpuState& state() const { return state_; }

  // Run until an exit. Thread-compatible: one thread runs a Cpu at a time.
  Exit run(const RunEnv& env, InterruptRequests requests = {});

  // Ask a running (or the next) run() to return ExitKind::Stopped at the next instruction
  // boundary. Thread-safe.
  void request_stop() { stop_requested_.store(true, std::memory_order_release); }

  // Drop cached translations and decoded code (after a SET of 0x0005/0x0006, tlbie, ...).
  void flush_translations();

  // Total instructions retired by this vCPU (drives the deterministic timebase).
  uint64_t retired() const { return retired_; }

  // Translate hot blocks to host code (x86-64 hosts only; docs/decisions/isa-jit.md). On by
  // default; off runs every instruction on the interpreter, the reference the translator is
  // tested against. Both retire the same instructions and give the same exits.
  void set_jit(bool on) { jit_ = on; }
  bool jit() const { return jit_; }
  // A block is translated once it has run this many times (0: on its first run, which is
  // what tests use so that every block they run goes through the translator).
  void set_jit_threshold(uint32_t runs) { jit_threshold_ = runs; }
  uint32_t jit_threshold() const { return jit_threshold_; }

 private:
  struct Engine;  // decoded-block cache, software TLB, reservation: isa-internal
  VcpuState state_;
  std::unique_ptr<Engine> engine_;
  std::atomic<bool> stop_requested_{false};
  uint64_t retired_ = 0;
  bool jit_ = true;
  uint32_t jit_threshold_ = 16;
};

}  // namespace nv2::isa
