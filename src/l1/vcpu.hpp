// One L2 vCPU with the lazy state cache (issue 5 item 3; papr-nestedv2.md §6).
//
// The L1 copy of every thread-wide element of gsb::kElements lives in `slots_`, indexed by
// the element's dense index, with two gsb::IdBitmaps:
//   valid — the copy equals the L0's value (no GET_STATE needed);
//   dirty — the L1 changed the copy; the L0 must receive it before the next entry.
// Setters write the copy and mark it valid+dirty. Getters return a valid copy or load it
// with H_GUEST_GET_STATE, batching every ID the caller asked for into one hcall.
// run(): dirty guest-wide elements → one SET_STATE (guest-wide flag) via the Guest;
// dirty thread-wide elements that may not ride in a run buffer (run buffers, VPA: table
// column run_input) → one thread-wide SET_STATE; every other dirty thread-wide element →
// the run input buffer; then H_GUEST_RUN_VCPU. After the exit every thread-wide element is
// invalid except the ones the output buffer carried and the L1-owned ones (kL1Owned:
// elements no L2 instruction and no L0 exit changes — docs/decisions/l1.md).
// A Vcpu is driven by one thread at a time; set_external_pending(), kick() and
// request_stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "gsb/bitmap.hpp"
#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "l1/counters.hpp"
#include "l1/error.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"
#include "util/bits.hpp"

namespace nv2::l1 {

class Guest;
class Hypervisor;

// Register bits the L1 itself uses (Power ISA 3.0B Book III, MSB-0 numbers).
namespace msr {
inline constexpr uint64_t kSF = bits::bit(0);
inline constexpr uint64_t kHV = bits::bit(3);
inline constexpr uint64_t kEE = bits::bit(48);
inline constexpr uint64_t kPR = bits::bit(49);
inline constexpr uint64_t kME = bits::bit(51);
inline constexpr uint64_t kIR = bits::bit(58);
inline constexpr uint64_t kDR = bits::bit(59);
inline constexpr uint64_t kRI = bits::bit(62);
inline constexpr uint64_t kLE = bits::bit(63);
}  // namespace msr
namespace lpcr {
inline constexpr uint64_t kILE = bits::bit(38);
inline constexpr unsigned kAilFirst = 39, kAilLast = 40;
inline constexpr uint64_t kMER = bits::bit(52);
inline constexpr uint64_t kGTSE = bits::bit(53);
static_assert(kMER == 0x800 && kILE == 0x2000000 && kGTSE == 0x400);
}  // namespace lpcr
// SRR1 bits of a program interrupt (Book III §7.5.9).
namespace srr1 {
inline constexpr uint64_t kIllegalInstruction = bits::bit(44);
inline constexpr uint64_t kPrivilegedInstruction = bits::bit(45);
static_assert(kIllegalInstruction == 0x80000);
}  // namespace srr1

// Thread-wide elements only the L1 changes: neither an L2 instruction nor an L0 exit
// alters them, so a run leaves the L1 copy valid (avoids GETting LPCR to recompute MER).
inline constexpr gsb::IdBitmap kL1Owned{gsb::id::kRunInput, gsb::id::kRunOutput, gsb::id::kVpa,
                                        gsb::id::kLpcr, gsb::id::kHdecExpiry};

struct RunExit {
  papr::ExitReason reason = papr::ExitReason::Stopped;
  uint64_t raw_reason = 0;     // r4 as the L0 gave it
  gsb::IdBitmap received;      // IDs the output buffer carried
  uint32_t elements_in = 0;    // elements sent in the run input buffer
  uint32_t bytes_in = 0;       // run input buffer bytes
  uint32_t bytes_out = 0;      // run output buffer bytes
};

class Vcpu {
 public:
  ~Vcpu();
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  uint32_t id() const { return id_; }
  Guest& guest() { return *guest_; }

  // ---- Generic access by element ID (every ID of gsb::kElements) ------------------------
  // Guest-wide IDs are forwarded to the Guest's cache. UnknownElement for IDs outside the
  // table, NotReadable / NotWritable per the table's access column, InvalidValue when the
  // value's type is not the element's.
  Result<gsb::Value> get(gsb::ElementId id);
  Result<void> set(gsb::ElementId id, const gsb::Value& v);
  // Make every listed ID valid with at most one thread-wide and one guest-wide GET_STATE.
  Result<void> fetch(std::span<const gsb::ElementId> ids);
  Result<void> fetch(std::initializer_list<gsb::ElementId> ids) {
    return fetch(std::span<const gsb::ElementId>(ids.begin(), ids.size()));
  }

  Result<uint64_t> get64(gsb::ElementId id);  // Be64 elements
  Result<uint32_t> get32(gsb::ElementId id);  // Be32 elements
  Result<void> set64(gsb::ElementId id, uint64_t v);
  Result<void> set32(gsb::ElementId id, uint32_t v);

  // ---- Typed accessors (names as in the ISA) ---------------------------------------------
  Result<uint64_t> gpr(unsigned n) {
    if (n <= 31 && valid_.test_dense(kGpr0Dense + n)) return slots_[kGpr0Dense + n].w[0];
    return gpr_slow(n);
  }
  Result<void> set_gpr(unsigned n, uint64_t v) {
    if (n > 31) return set_gpr_slow(n);
    slots_[kGpr0Dense + n].w[0] = v;
    valid_.set_dense(kGpr0Dense + n);
    dirty_.set_dense(kGpr0Dense + n);
    return {};
  }
  Result<uint64_t> nia() { return get_be64<gsb::id::kNia>(); }
  Result<void> set_nia(uint64_t v) { return set_be64<gsb::id::kNia>(v); }
  Result<uint64_t> msr() { return get_be64<gsb::id::kMsr>(); }
  Result<void> set_msr(uint64_t v) { return set_be64<gsb::id::kMsr>(v); }
  Result<uint64_t> lr() { return get_be64<gsb::id::kLr>(); }
  Result<void> set_lr(uint64_t v) { return set_be64<gsb::id::kLr>(v); }
  Result<uint64_t> ctr() { return get_be64<gsb::id::kCtr>(); }
  Result<void> set_ctr(uint64_t v) { return set_be64<gsb::id::kCtr>(v); }
  Result<uint64_t> xer() { return get_be64<gsb::id::kXer>(); }
  Result<void> set_xer(uint64_t v) { return set_be64<gsb::id::kXer>(v); }
  Result<uint32_t> cr() { return get32(gsb::id::kCr); }
  Result<void> set_cr(uint32_t v) { return set32(gsb::id::kCr, v); }
  Result<uint64_t> srr0() { return get_be64<gsb::id::kSrr0>(); }
  Result<void> set_srr0(uint64_t v) { return set_be64<gsb::id::kSrr0>(v); }
  Result<uint64_t> srr1() { return get_be64<gsb::id::kSrr1>(); }
  Result<void> set_srr1(uint64_t v) { return set_be64<gsb::id::kSrr1>(v); }
  Result<uint64_t> dar() { return get_be64<gsb::id::kDar>(); }
  Result<uint32_t> dsisr() { return get32(gsb::id::kDsisr); }
  Result<uint64_t> sprg(unsigned n);
  Result<void> set_sprg(unsigned n, uint64_t v) {
    // SPRG0–3 are one row of the table: consecutive dense indices (no table lookup).
    const std::size_t i = kSprg0Dense + (n & 3u);
    slots_[i].w[0] = v;
    valid_.set_dense(i);
    dirty_.set_dense(i);
    return {};
  }
  Result<uint64_t> lpcr() { return get_be64<gsb::id::kLpcr>(); }
  Result<void> set_lpcr(uint64_t v) { return set_be64<gsb::id::kLpcr>(v); }
  Result<uint64_t> dec_expiry() { return get_be64<gsb::id::kDecExpiry>(); }
  Result<void> set_dec_expiry(uint64_t v) { return set_be64<gsb::id::kDecExpiry>(v); }
  Result<uint64_t> hdec_expiry() { return get_be64<gsb::id::kHdecExpiry>(); }
  Result<void> set_hdec_expiry(uint64_t v) { return set_be64<gsb::id::kHdecExpiry>(v); }
  Result<uint64_t> hdar() { return get_be64<gsb::id::kHdar>(); }
  Result<uint32_t> hdsisr() { return get32(gsb::id::kHdsisr); }
  Result<uint64_t> heir() { return get_be64<gsb::id::kHeir>(); }
  Result<uint64_t> asdr() { return get_be64<gsb::id::kAsdr>(); }
  Result<gsb::Vec128> vsr(unsigned n);
  Result<void> set_vsr(unsigned n, gsb::Vec128 v);

  // VPA registration (element 0x0C02, L2 real address; all ones deregisters): marked
  // dirty and sent by a thread-wide SET_STATE before the next entry, never in the run
  // input buffer (§6).
  Result<void> set_vpa(uint64_t l2_real) { return set_be64<gsb::id::kVpa>(l2_real); }

  // ---- Interrupts -------------------------------------------------------------------------
  // An external interrupt is pending for this vCPU (the machine's interrupt controller
  // decides). While pending, every entry recomputes LPCR[MER]=1 and sends LPCR in the run
  // input buffer; the first entry after it clears sends MER=0 (§6 MER pitfall).
  void set_external_pending(bool pending);
  bool external_pending() const { return external_pending_.load(std::memory_order_acquire); }
  // The L1's record of a decrementer interrupt it believes the L2 has due (e.g. its idle
  // timer fired at the DEC expiry while the vCPU was ceded). The L0 delivers DEC itself
  // from DEC expiry TB (§5), so this only wakes an idle vCPU; it is cancelled by the
  // first exit whose output buffer shows the L2 moved its DEC expiry (§6 DEC pitfall).
  void queue_dec(uint64_t expiry_tb);
  bool dec_queued() const { return dec_queued_.has_value(); }
  // System reset: sent once with the next H_GUEST_RUN_VCPU (RUN flag bit 2).
  void request_system_reset() { system_reset_.store(true, std::memory_order_release); }

  // ---- Run ----------------------------------------------------------------------------------
  // Flush dirty state, H_GUEST_RUN_VCPU, parse the output buffer. An hcall failure of
  // RUN (r3 != H_SUCCESS) is an Error with the status and r4.
  Result<RunExit> run();
  // The same into `exit` (the run loop's form: no RunExit copy per exit).
  Result<void> run(RunExit& exit);

  // Sleep until kick(), an external interrupt, request_stop() or `deadline` (idle:
  // H_CEDE). Returns true when woken by something other than the deadline.
  bool wait_for_work(std::chrono::steady_clock::time_point deadline);
  void kick();
  void request_stop();
  bool stop_requested() const { return stop_.load(std::memory_order_acquire); }
  void clear_stop() { stop_.store(false, std::memory_order_release); }

  // ---- Introspection (tests, trace, stats) -----------------------------------------------
  const gsb::IdBitmap& valid() const { return valid_; }
  // Whether the last run wrote its input buffer through the input memo (tests).
  bool input_memo_hit() const { return input_memo_hit_; }
  const gsb::IdBitmap& dirty() const { return dirty_; }
  gsb::BufferInfo run_input_buffer() const { return run_in_; }
  gsb::BufferInfo run_output_buffer() const { return run_out_; }
  uint64_t state_buffer() const { return scratch_; }
  // This vCPU's counters (part of Hypervisor::stats()); written by its thread only.
  CounterBlock& counters() { return ctr_; }

 private:
  friend class Guest;
  // Typed access to a Be64 thread-wide element known at compile time: the table lookups
  // of get64/set64 are done by the compiler (they were a chain of dependent loads on every
  // handler's access, docs/perf/vmm.md).
  // (No pointer compared in a constant expression: GCC's UBSan build refuses that.)
  template <gsb::ElementId Id>
  static constexpr std::size_t dense_of() {
    constexpr std::optional<uint16_t> i = gsb::dense_index(Id);
    static_assert(i.has_value(), "not an element of the table");
    constexpr gsb::ElementDesc d = *gsb::find(Id);
    static_assert(d.scope == gsb::Scope::Thread && d.type == gsb::Type::Be64);
    return *i;
  }
  template <gsb::ElementId Id>
  Result<uint64_t> get_be64() {
    constexpr std::size_t i = dense_of<Id>();
    if (valid_.test_dense(i)) return slots_[i].w[0];
    return get64(Id);  // loads it (or reports NotReadable)
  }
  template <gsb::ElementId Id>
  Result<void> set_be64(uint64_t v) {
    constexpr std::size_t i = dense_of<Id>();
    constexpr gsb::ElementDesc d = *gsb::find(Id);
    static_assert(d.writable());
    slots_[i].w[0] = v;
    valid_.set_dense(i);
    dirty_.set_dense(i);
    return {};
  }
  Result<uint64_t> gpr_slow(unsigned n);
  Result<void> set_gpr_slow(unsigned n);
  // GPR0–31 are one row of the table: consecutive dense indices.
  static constexpr std::size_t kGpr0Dense = *gsb::dense_index(gsb::id::gpr(0));
  static_assert(*gsb::dense_index(gsb::id::gpr(31)) == kGpr0Dense + 31);
  static constexpr std::size_t kSprg0Dense = *gsb::dense_index(gsb::id::sprg(0));
  static_assert(*gsb::dense_index(gsb::id::sprg(3)) == kSprg0Dense + 3);

  Vcpu(Guest& g, uint32_t id, gsb::BufferInfo in, gsb::BufferInfo out, uint64_t scratch,
       uint64_t scratch_size);
  Result<void> set_state(const gsb::IdBitmap& ids);   // thread-wide SET_STATE of ids
  Result<void> get_state(const gsb::IdBitmap& ids);   // thread-wide GET_STATE of ids
  Result<void> prepare_entry(uint64_t& flags);
  Result<void> parse_output(RunExit& exit);
  Result<void> parse_output_slow(std::span<const uint8_t> buf, RunExit& exit);

  Guest* guest_;
  Hypervisor* hv_;
  uint32_t id_;
  gsb::BufferInfo run_in_;
  gsb::BufferInfo run_out_;
  uint64_t scratch_;       // L1 real address of the GET/SET_STATE buffer
  uint64_t scratch_size_;

  // One element's value in host order, laid out by the table's type: Be32/Be64 in w[0];
  // Vec128 hi, lo; partition table root, EA bits, size; process table / buffer info
  // address, size. Plain words keep the per-exit path free of variant traffic.
  struct Slot {
    std::array<uint64_t, 3> w{};
  };
  std::array<Slot, gsb::kElementCount> slots_{};
  gsb::Reader out_;  // parses every output buffer; reused so a run sets up nothing

  // The run output fast path (docs/perf/l1.md). An L0 writes a given exit's output with the
  // same elements in the same order every time, so the shape of the last output the Reader
  // validated is remembered per exit reason: the next output of that reason whose header
  // count and element headers match it byte for byte is the same structure, which the
  // Reader accepted (the run-output policy has no value rules, gsb Policy), and its values
  // are copied straight into the slots. Anything else takes the Reader.
  struct OutputShape {
    static constexpr std::size_t kMaxElements = 16;
    uint64_t reason = ~uint64_t{0};  // raw exit reason; ~0 = unused
    uint32_t count = 0;
    uint32_t bytes = 0;
    bool has_dec = false;
    gsb::IdBitmap ids;
    std::array<uint32_t, kMaxElements> header{};  // element header, wire bytes as native u32
    std::array<uint32_t, kMaxElements> offset{};  // of the element header in the buffer
    std::array<uint16_t, kMaxElements> dense{};
    bool all_be64 = false;  // every element is Be64: one load and store each
  };
  std::array<OutputShape, 4> shapes_{};
  std::size_t next_shape_ = 0;  // round-robin replacement
  std::size_t last_shape_ = 0;  // the shape the previous fast parse used
  bool parse_output_fast(std::span<const uint8_t> buf, RunExit& exit);
  void remember_shape(uint64_t reason);

  // The run input fast path (docs/perf/vmm.md). Between two hcall exits the L1 usually
  // sends the same dirty set (r3, plus what the handler wrote), so the encoding of the last
  // set the typed Writer wrote is remembered: its element headers and value offsets. The
  // next run with the same set writes the count, the headers and the byte-swapped values
  // straight into the buffer, byte for byte what the Writer writes (tested), without the
  // Writer's per-element table lookups and checks. Be32/Be64 elements only; other sets
  // take the Writer.
  using Words = std::array<uint64_t, gsb::IdBitmap::kWords>;
  struct InputShape {
    static constexpr std::size_t kMaxElements = 8;
    bool valid = false;
    Words ids{};
    uint32_t count = 0;
    uint32_t bytes = 0;
    std::array<uint32_t, kMaxElements> header{};  // element header, wire bytes as native u32
    std::array<uint32_t, kMaxElements> offset{};  // of the element header in the buffer
    std::array<uint16_t, kMaxElements> dense{};
    std::array<bool, kMaxElements> be32{};        // Be32 (else Be64)
  };
  InputShape in_shape_;
  papr::HcallRegs run_regs_;  // the RUN hcall's registers (run())
  bool input_memo_hit_ = false;
  // Encode the elements of `sending` into the run input buffer; count and bytes written.
  Result<void> encode_run_input(const Words& sending, uint32_t& count, uint32_t& bytes);
  // The memo's part: true when it wrote the buffer (count and bytes are the memo's).
  bool encode_run_input_memo(const Words& sending, std::span<uint8_t> buf);
  gsb::IdBitmap valid_, dirty_;

  CounterBlock ctr_;
  std::atomic<bool> external_pending_{false};
  bool mer_sent_ = false;  // LPCR[MER] value the L0 last received
  std::optional<uint64_t> dec_queued_;
  std::atomic<bool> system_reset_{false};
  std::atomic<bool> stop_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool kicked_ = false;
};

}  // namespace nv2::l1
