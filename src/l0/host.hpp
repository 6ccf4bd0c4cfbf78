// The L0 host: partitions, their guests and vCPUs, served through the nestedv2 hcalls
// (papr-nestedv2.md §3; issue 4).
//
// This is the whole surface the glue needs to put an L1 on top of an L0:
//
//   l0::Host host(cfg);
//   l0::Partition& p = host.create_partition(4_GiB);
//   l1 gets (p /* papr::HcallPort */, p.memory() /* papr::RealMemory */)
//
// A Partition is one L1: its real memory, its negotiated capabilities and its own guest
// table (guest IDs are per partition, so one L1 can never name another's guests). Every
// L1 vCPU thread may call Partition::hcall() concurrently; different L2 vCPUs run in
// parallel (no partition- or host-wide lock is held while an L2 runs).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gsb/wire.hpp"
#include "isa/state.hpp"
#include "isa/timebase.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"
#include "papr/status.hpp"

namespace nv2::l0 {

// The vCPU's run lock: one atomic word instead of a std::mutex. RUN and GET/SET only ever
// try_lock it (taken → H_BUSY), so the mutex's sleeping path was never used on the round
// trip, and pthread_mutex_trylock + unlock cost ≈ 67 instructions per RUN (callgrind,
// docs/perf/l0.md). lock() (snapshot only) spins with a yield: it waits for one run to end.
// Meets Lockable, so std::unique_lock / std::lock_guard work on it unchanged.
class RunLock {
 public:
  // seq_cst: for a guest slot's vCPU lock this exchange is a RUN's half of the handshake
  // with H_GUEST_DELETE (GuestSlot); x86 emits the same locked exchange either way.
  bool try_lock() noexcept { return !busy_.exchange(true); }
  void unlock() noexcept { busy_.store(false, std::memory_order_release); }
  void lock() noexcept {
    while (!try_lock()) std::this_thread::yield();
  }
  // Whether someone holds it (seq_cst: H_GUEST_DELETE's half of the slot handshake,
  // host.hpp GuestSlot).
  bool busy() const noexcept { return busy_.load(); }

 private:
  std::atomic<bool> busy_{false};
};


class Guest;
class Host;

// What the host is configured to offer and to allow (issue 4 item 3).
struct HostConfig {
  // H_GUEST_GET_CAPABILITIES bitmap 1. COPY_MEM is never offered (H_GUEST_COPY_MEMORY has
  // no public semantics, §3); Host's constructor drops it and any undefined bit.
  uint64_t capabilities = papr::cap::kPower9 | papr::cap::kPower10;
  // H_NOT_ENOUGH_RESOURCES beyond this many guests in one partition (QEMU: 4096).
  uint32_t max_guests_per_partition = 4096;
  // How many H_BUSY answers (each with a continue token in r4) an H_GUEST_CREATE gives
  // before it succeeds: models an L0 whose guest creation takes several calls.
  uint32_t create_busy_count = 0;
  papr::HStatus create_busy_status = papr::HStatus::Busy;  // or an H_LONG_BUSY_* code
  // The timebase the L2s see (plus their TB offset).
  isa::Timebase::Mode timebase_mode = isa::Timebase::Mode::RealTime;
  uint64_t ticks_per_instruction = 1;
  // Translate hot L2 blocks to host code (isa::Cpu::set_jit). Off: every L2 instruction runs
  // on the interpreter, the reference the translator is tested against (nv2-run --no-jit).
  // Either way the L2 retires the same instructions and sees the same exits.
  bool translate_blocks = true;
  // Host-wide accounting limits (elements 0x0801 and 0x0803). Guest and vCPU creation that
  // would exceed the heap limit answers H_NOT_ENOUGH_RESOURCES.
  uint64_t guest_heap_max = uint64_t{256} << 20;
  uint64_t guest_pgtable_max = uint64_t{64} << 20;
};

// The host's real accounting of memory held for L2 state (elements 0x0800–0x0804).
// Every Guest and Vcpu allocation is charged here and released when it is freed.
class Accounting {
 public:
  Accounting(uint64_t heap_max, uint64_t pgtable_max)
      : heap_max_(heap_max), pgtable_max_(pgtable_max) {}

  // Charge `bytes` of guest heap; false (nothing charged) when it would exceed the max.
  bool try_charge_heap(uint64_t bytes);
  void release_heap(uint64_t bytes);
  // Page-table space (translation caches the L0 keeps for L2s): charged and reclaimed.
  void charge_pgtable(uint64_t bytes);
  void reclaim_pgtable(uint64_t bytes);

  uint64_t heap_in_use() const { return heap_in_use_.load(std::memory_order_relaxed); }
  uint64_t heap_max() const { return heap_max_; }
  uint64_t pgtable_in_use() const { return pgtable_in_use_.load(std::memory_order_relaxed); }
  uint64_t pgtable_max() const { return pgtable_max_; }
  uint64_t pgtable_reclaimed() const { return pgtable_reclaimed_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> heap_in_use_{0};
  const uint64_t heap_max_;
  std::atomic<uint64_t> pgtable_in_use_{0};
  const uint64_t pgtable_max_;
  std::atomic<uint64_t> pgtable_reclaimed_{0};
};

// A comparable picture of everything a partition holds: the hostile-L1 tests take one
// before and after a rejected hcall and require them equal.
struct VcpuSnapshot {
  uint64_t id = 0;
  isa::VcpuState state;
  gsb::BufferInfo run_input;
  gsb::BufferInfo run_output;
  uint64_t vpa = 0;
  friend bool operator==(const VcpuSnapshot&, const VcpuSnapshot&) = default;
};
struct GuestSnapshot {
  uint64_t id = 0;
  isa::PartitionConfig config;
  std::vector<VcpuSnapshot> vcpus;  // ascending vCPU ID
  friend bool operator==(const GuestSnapshot&, const GuestSnapshot&) = default;
};
struct PartitionSnapshot {
  bool capabilities_set = false;
  uint64_t capabilities = 0;
  uint64_t next_guest_id = 0;
  std::size_t pending_creates = 0;
  uint64_t heap_in_use = 0;
  std::vector<GuestSnapshot> guests;  // ascending guest ID
  friend bool operator==(const PartitionSnapshot&, const PartitionSnapshot&) = default;
};

// What one hcall handler answers: the status (written to r3 by the one finish() in
// dispatch) and up to two output registers r4, r5.
struct HcallResult {
  papr::HStatus status = papr::HStatus::Success;
  std::array<uint64_t, 2> out{};
  uint8_t outputs = 0;  // how many of r4, r5 carry a value

  static HcallResult ok() { return {}; }
  static HcallResult ok(uint64_t r4) { return {papr::HStatus::Success, {r4, 0}, 1}; }
  static HcallResult error(papr::HStatus s) { return {s, {}, 0}; }
  static HcallResult with(papr::HStatus s, uint64_t r4) { return {s, {r4, 0}, 1}; }
  static HcallResult with(papr::HStatus s, uint64_t r4, uint64_t r5) { return {s, {r4, r5}, 2}; }
};

// One L1: real memory, capabilities, guest table. Implements the hcall ABI.
class Partition final : public papr::HcallPort {
 public:
  Partition(Host& host, uint64_t memory_bytes);
  ~Partition() override;
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;

  // The hcall entry: r3 = opcode, r4.. = arguments in; r3 = status, r4.. = outputs out.
  // Thread-safe.
  void hcall(papr::HcallRegs& regs) override;

  // The L1's real memory [0, size): GSBs, run buffers, page tables, L2 pages.
  papr::RealMemory memory() const { return {base_, size_}; }

  // The L1's "kick" of one of its vCPU threads that is inside H_GUEST_RUN_VCPU: a real L1
  // IPIs its own CPU, which traps to the L0 and makes the run return exit reason 0x0.
  // The glue wires this to the L1 (it is not an hcall). A vCPU that is not running
  // returns 0x0 from its next run at once, so a kick racing with entry is never lost.
  // H_P2 / H_P3 for an unknown guest / vCPU.
  papr::HStatus request_stop(uint64_t guest_id, uint64_t vcpu_id);

  // Introspection for tests and tools.
  PartitionSnapshot snapshot() const;
  std::size_t guest_count() const;
  uint64_t negotiated_capabilities() const;
  Host& host() { return host_; }

  // ---- hcall handlers (one per hcall, dispatched by opcode / 4) ----------------------
  HcallResult h_guest_get_capabilities(const papr::HcallRegs& regs);
  HcallResult h_guest_set_capabilities(const papr::HcallRegs& regs);
  HcallResult h_guest_create(const papr::HcallRegs& regs);
  HcallResult h_guest_create_vcpu(const papr::HcallRegs& regs);
  HcallResult h_guest_get_state(const papr::HcallRegs& regs);
  HcallResult h_guest_set_state(const papr::HcallRegs& regs);
  HcallResult h_guest_run_vcpu(const papr::HcallRegs& regs);
  HcallResult h_guest_delete(const papr::HcallRegs& regs);
  HcallResult h_rpt_invalidate(const papr::HcallRegs& regs);

 private:
  std::shared_ptr<Guest> find_guest(uint64_t guest_id) const;
  HcallResult state_call(const papr::HcallRegs& regs, bool set);
  HcallResult host_wide_get(uint64_t buffer, uint64_t size);

  Host& host_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;

  // Capabilities and the create tokens change rarely: one mutex.
  mutable std::mutex caps_mu_;
  bool capabilities_set_ = false;
  uint64_t capabilities_ = 0;
  std::unordered_map<uint64_t, uint32_t> pending_creates_;  // token → busy answers left
  uint64_t next_token_ = 1;

  // The guest table: looked up under a shared lock (a reference is taken, the lock
  // dropped before anything runs); created and deleted under the exclusive lock.
  mutable std::shared_mutex guests_mu_;
  std::unordered_map<uint64_t, std::shared_ptr<Guest>> guests_;
  uint64_t next_guest_id_ = 1;  // IDs start at 1, never 0, never reused

  // The RUN path's guest lookup (docs/perf/l0.md, docs/decisions/l0.md): a guest whose ID
  // is below kDirectGuests also has a slot with a raw pointer and a count of the runs using
  // it, so H_GUEST_RUN_VCPU takes neither the reader lock nor a shared_ptr reference
  // (≈ 115 instructions and two locked operations per round trip). IDs are never reused,
  // so a slot serves one guest for the partition's life. A run increments `runs` and then
  // reads `live`; H_GUEST_DELETE clears `live` and then reads `runs` (all seq_cst): if runs
  // are in flight it parks its reference in `retired`, which the run that brings `runs`
  // back to zero drops under the exclusive lock, re-checking the count there.
  static constexpr uint64_t kDirectGuests = 64;
  //
  // The vCPUs with IDs below kDirectSlotVcpus of a slot's guest have their run lock in the
  // slot (Vcpu::run_mu), and RUN takes it before it reads `live`: the lock is then both the
  // vCPU's run lock and the run's claim on the guest, so such a RUN costs one locked
  // operation instead of three (the count's add and subtract, the vCPU's lock). Its half
  // of the handshake: lock (a locked exchange) then read `live`. H_GUEST_DELETE's half:
  // clear `live` then wait until each of these locks has been seen free once (all
  // seq_cst): a run that locked before it cleared `live` is waited for (the deletion has
  // stopped it, so it returns at once), a run that locks after reads null and never
  // touches the guest. Runs of vCPUs with higher IDs keep the count.
  static constexpr uint64_t kDirectSlotVcpus = 64;
  struct alignas(64) GuestSlot {  // own cache lines: no false sharing between guests
    std::atomic<Guest*> live{nullptr};
    std::atomic<uint32_t> runs{0};
    std::shared_ptr<Guest> retired;  // guarded by guests_mu_
    std::array<RunLock, kDirectSlotVcpus> vcpu_locks{};
  };
  std::array<GuestSlot, kDirectGuests> slots_{};
  // The end of a run that used slot `s`.
  void release_slot(GuestSlot& s);
};

// The host: configuration, timebase, accounting, and the partitions it owns.
class Host {
 public:
  explicit Host(HostConfig cfg = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // A new L1 partition with `memory_bytes` of real memory (mmap'd MAP_NORESERVE: only
  // touched pages cost host memory). Throws std::system_error when the host has no
  // address space left: this is host setup, not an L1-reachable path.
  Partition& create_partition(uint64_t memory_bytes);

  const HostConfig& config() const { return cfg_; }
  const isa::Timebase& timebase() const { return timebase_; }
  Accounting& accounting() { return accounting_; }
  const Accounting& accounting() const { return accounting_; }

 private:
  HostConfig cfg_;
  isa::Timebase timebase_;
  Accounting accounting_;
  std::mutex partitions_mu_;
  std::vector<std::unique_ptr<Partition>> partitions_;
};

}  // namespace nv2::l0
