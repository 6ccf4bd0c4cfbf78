// The L1's counters (issue 5 item 3): they prove the cache works.
//
// Hcalls by opcode, runs, exits by reason, GSB bytes each way, GET_STATE calls, elements
// fetched, L2 hcalls served and unknown. Updated with relaxed atomics from every vCPU
// thread; snapshot() copies them into a plain struct the vmm prints as text or JSON.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "papr/flags.hpp"
#include "papr/hcall.hpp"

namespace nv2::l1 {

// Exit reasons in §5 order; the last slot counts reasons the table does not know.
inline constexpr std::array kExitReasons = {
    papr::ExitReason::Stopped, papr::ExitReason::Hdec, papr::ExitReason::Hcall,
    papr::ExitReason::Hdsi,    papr::ExitReason::Hisi, papr::ExitReason::Hea,
    papr::ExitReason::HvFacilityUnavailable,
};
inline constexpr std::size_t kExitSlots = kExitReasons.size() + 1;
// One slot per row of papr::kHcallTable, plus one for opcodes outside it.
inline constexpr std::size_t kHcallCounterSlots = papr::kHcallTable.size() + 1;

std::size_t exit_slot(uint64_t reason);
std::size_t hcall_slot(uint64_t opcode);
std::string_view exit_name(std::size_t slot);

struct CountersSnapshot {
  std::array<uint64_t, kHcallCounterSlots> hcalls{};  // L1 → L0 hcalls, by papr::kHcallTable row
  std::array<uint64_t, kExitSlots> exits{};           // by kExitReasons slot
  uint64_t hcalls_total = 0;
  uint64_t runs = 0;               // H_GUEST_RUN_VCPU calls
  uint64_t get_state_calls = 0;    // H_GUEST_GET_STATE calls
  uint64_t set_state_calls = 0;    // H_GUEST_SET_STATE calls
  uint64_t elements_fetched = 0;   // elements requested by GET_STATE
  uint64_t elements_sent = 0;      // elements written in run input buffers and SET_STATE
  uint64_t elements_received = 0;  // elements parsed from run output buffers
  uint64_t gsb_bytes_out = 0;      // GSB bytes the L1 wrote for the L0 (run input, SET, GET requests)
  uint64_t gsb_bytes_in = 0;       // GSB bytes the L1 read back (run output, GET replies)
  uint64_t l2_hcalls = 0;          // L2 hcall exits dispatched by the run loop
  uint64_t l2_hcalls_unknown = 0;  // … answered H_FUNCTION because nothing serves them
  uint64_t mmio_emulated = 0;      // HDSI exits emulated against an MMIO device
  uint64_t pages_mapped = 0;       // L2 pages mapped lazily on HDSI/HISI
  uint64_t program_interrupts = 0; // HEA exits turned into a program interrupt
  uint64_t dec_cancelled = 0;      // queued DEC wake-ups cancelled (§6 DEC pitfall)

  uint64_t hcall_count(papr::Hcall h) const { return hcalls[hcall_slot(papr::opcode(h))]; }
  uint64_t exit_count(papr::ExitReason r) const {
    return exits[exit_slot(static_cast<uint64_t>(r))];
  }
  std::string to_text() const;  // one "name value" line per non-zero counter
  std::string to_json() const;  // one JSON object, every counter
};

// One set of counters. The Hypervisor owns a shared block (updated with atomic RMWs by any
// thread); each vCPU owns a private block that only its thread writes (plain relaxed
// load + store, no locked instruction on the exit path) and that snapshot() sums in.
class CounterBlock {
 public:
  // Shared-block updates (any thread).
  void hcall(uint64_t opcode) {
    add(hcalls_[hcall_slot(opcode)], 1);
    add(hcalls_total_, 1);
  }
  void exit(uint64_t reason) { add(exits_[exit_slot(reason)], 1); }
  static void add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
  static void bump(std::atomic<uint64_t>& c) { add(c, 1); }

  // Single-writer updates (the owning vCPU thread only).
  void hcall_local(uint64_t opcode) {
    add_local(hcalls_[hcall_slot(opcode)], 1);
    add_local(hcalls_total_, 1);
  }
  void exit_local(uint64_t reason) { add_local(exits_[exit_slot(reason)], 1); }
  static void add_local(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  void add_to(CountersSnapshot& s) const;
  void add_from(const CounterBlock& o);  // fold o into this (shared-block updates)
  void reset();

  std::atomic<uint64_t> runs{0}, get_state_calls{0}, set_state_calls{0}, elements_fetched{0},
      elements_sent{0}, elements_received{0}, gsb_bytes_out{0}, gsb_bytes_in{0}, l2_hcalls{0},
      l2_hcalls_unknown{0}, mmio_emulated{0}, pages_mapped{0}, program_interrupts{0},
      dec_cancelled{0};

 private:
  std::array<std::atomic<uint64_t>, kHcallCounterSlots> hcalls_{};
  std::array<std::atomic<uint64_t>, kExitSlots> exits_{};
  std::atomic<uint64_t> hcalls_total_{0};
};

// The Hypervisor's counters: its shared block plus the attached per-vCPU blocks.
class Counters : public CounterBlock {
 public:
  // A vCPU's private block joins the totals; detach() folds it into the shared block so
  // nothing is lost when the vCPU goes.
  void attach(CounterBlock* b);
  void detach(CounterBlock* b);
  CountersSnapshot snapshot() const;
  void reset();  // zero every block (tests, benchmarks)

 private:
  mutable std::mutex mu_;
  std::vector<CounterBlock*> attached_;
};

}  // namespace nv2::l1
