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
#include <string>

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

class Counters {
 public:
  void hcall(uint64_t opcode) {
    bump(hcalls_[hcall_slot(opcode)]);
    bump(hcalls_total_);
  }
  void exit(uint64_t reason) { bump(exits_[exit_slot(reason)]); }
  void add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
  void bump(std::atomic<uint64_t>& c) { add(c, 1); }

  CountersSnapshot snapshot() const;
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

}  // namespace nv2::l1
