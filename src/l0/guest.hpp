// An L2 guest as the L0 holds it: guest-wide state and its vCPUs (issue 4 item 1).
//
// Locking (docs/decisions/l0.md "Concurrency"):
//   - Guest::mu_ guards the guest-wide state (PartitionConfig) and the vCPU table. It is
//     never held while an L2 runs: a run works on a copy of the config taken at entry.
//   - Vcpu::run_mu (a RunLock) is held for the whole of H_GUEST_RUN_VCPU and for a thread-wide GET/SET.
//     GET/SET/RUN find it taken with try_lock and answer H_BUSY: the vCPU is running.
//   - Guests and vCPUs are reference counted (shared_ptr); H_GUEST_DELETE unlinks the guest,
//     marks it deleted and stops its running vCPUs, whose runs then return H_STATE; the
//     memory goes when the last run lets go. RUN finds guests with IDs below 64 through the
//     partition's slots instead (host.hpp GuestSlot), which keep a deleted guest alive the
//     same way until its last run lets go.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include "gsb/wire.hpp"
#include "isa/cpu.hpp"
#include "isa/state.hpp"
#include "l0/gsb_copy.hpp"
#include "l0/host.hpp"
#include "l0/state_access.hpp"

namespace nv2::l0 {

// vCPU IDs 0–2047 (§3 H_GUEST_CREATE_VCPU).
inline constexpr uint64_t kMaxVcpus = 2048;

// The VPA (element 0x0C02, an L1 real address). nv2 decision (§9.3): on every dispatch the
// L0 maintains the PAPR yield count, a be32 at offset 0x100 of the VPA: made even when the
// vCPU is dispatched (it runs) and odd when it is undispatched (it exited), so each
// dispatch advances it by two. The VPA must lie inside L1 memory for kVpaSize bytes.
inline constexpr uint64_t kVpaDeregister = ~uint64_t{0};
inline constexpr uint64_t kVpaYieldCountOffset = 0x100;
inline constexpr uint64_t kVpaSize = 0x280;  // the architected lppaca, 0x000–0x27F

// Thread-wide meta state: the registrations (0x0C00–0x0C02).
struct VcpuRegistration {
  gsb::BufferInfo run_input;   // size 0: not registered
  gsb::BufferInfo run_output;  // size 0: not registered
  uint64_t vpa = kVpaDeregister;
};

// Every allocation the L0 makes for L2 state goes through this allocator, which charges the
// host's Accounting with the exact bytes requested (elements 0x0800/0x0801 are therefore
// real). Over the heap limit, allocate() throws std::bad_alloc, which the hcall turns into
// H_NOT_ENOUGH_RESOURCES with nothing left behind.
template <typename T>
class CountingAllocator {
 public:
  using value_type = T;
  explicit CountingAllocator(Accounting& acct) : acct_(&acct) {}
  template <typename U>
  CountingAllocator(const CountingAllocator<U>& o) : acct_(o.accounting()) {}  // NOLINT

  T* allocate(std::size_t n) {
    const uint64_t bytes = uint64_t{n} * sizeof(T);
    if (!acct_->try_charge_heap(bytes)) throw std::bad_alloc();
    try {
      return std::allocator<T>{}.allocate(n);
    } catch (...) {
      acct_->release_heap(bytes);
      throw;
    }
  }
  void deallocate(T* p, std::size_t n) {
    std::allocator<T>{}.deallocate(p, n);
    acct_->release_heap(uint64_t{n} * sizeof(T));
  }
  Accounting* accounting() const { return acct_; }
  template <typename U>
  friend bool operator==(const CountingAllocator& a, const CountingAllocator<U>& b) {
    return a.accounting() == b.accounting();
  }

 private:
  Accounting* acct_;
};

// RunLock: host.hpp (a guest slot holds the locks of its first 64 vCPUs).

class Vcpu {
 public:
  // Reserves the engine's object in the host accounting up front (std::bad_alloc over the
  // heap limit), so a later H_GUEST_RUN_VCPU never fails for memory.
  // `translate`: whether the engine translates hot blocks to host code (isa::Cpu::set_jit;
  // HostConfig::translate_blocks).
  Vcpu(uint64_t id, Accounting& acct, bool translate = true);
  ~Vcpu();
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  uint64_t id() const { return id_; }

  // Held while running and during thread-wide GET/SET. A vCPU with an ID below 64 of a
  // guest with an ID below 64 uses its guest slot's lock for that vCPU (host.hpp
  // GuestSlot: the one locked operation of a RUN); every other vCPU its own.
  RunLock& run_mu() { return *run_mu_; }
  void use_run_lock(RunLock& lock) { run_mu_ = &lock; }  // at creation, before publishing

  // The architected state (caller holds run_mu): staged here until the first run, then the
  // engine's own copy.
  isa::VcpuState& state() { return cpu_ ? cpu_->state() : staged_; }
  const isa::VcpuState& state() const { return cpu_ ? cpu_->state() : staged_; }
  // The engine, created at the first run (caller holds run_mu). An idle vCPU that never ran
  // holds no engine: its decoded-block cache and software TLB cost nothing
  // (docs/perf/l0.md, "memory per idle vCPU").
  isa::Cpu& engine();
  bool has_engine() const { return published_.load() != nullptr; }
  // The private copy a run parses its input buffer from (caller holds run_mu). Created at
  // the first run with the engine and reused: a fresh GsbCopy per run cost a 1.4 KiB
  // clear of its reader's location table (docs/perf/l0.md).
  GsbCopy& run_copy();
  // Thread-safe: stop a running engine, or make the next run stop at once.
  void request_stop();

  VcpuRegistration reg;
  // Config generation the engine's translations were built for (guarded by run_mu).
  uint64_t seen_generation = 0;
  // The guest config as this vCPU's last run took it, with the guest's config_version and
  // generation at that time (guarded by run_mu): a run re-takes it under the guest mutex
  // only when either moved.
  isa::PartitionConfig run_config;
  uint64_t run_config_version = ~uint64_t{0};
  uint64_t run_config_generation = ~uint64_t{0};

  // The run input memo's elements as stores into the engine's state (guarded by run_mu).
  RunInputPlan input_plan;

  // Set by the L1's kick; a Stopped exit with this set is reported as reason 0x0.
  std::atomic<bool> kick{false};
  // Set by the L0 when it stopped the vCPU for its own purposes (translation flush): the
  // run resumes transparently.
  std::atomic<bool> internal_stop{false};

 private:
  RunLock own_run_mu_;
  RunLock* run_mu_ = &own_run_mu_;
  isa::VcpuState staged_;
  std::unique_ptr<isa::Cpu> cpu_;             // guarded by run_mu
  std::unique_ptr<GsbCopy> run_copy_;         // guarded by run_mu
  std::atomic<isa::Cpu*> published_{nullptr};  // cpu_, for request_stop from any thread
  std::atomic<bool> stop_pending_{false};      // a stop asked for before the engine existed
  uint64_t id_;
  Accounting& acct_;
  bool translate_ = true;
};

using VcpuMap = std::map<uint64_t, std::shared_ptr<Vcpu>, std::less<>,
                         CountingAllocator<std::pair<const uint64_t, std::shared_ptr<Vcpu>>>>;

class Guest {
 public:
  Guest(uint64_t id, Accounting& acct) : vcpus(CountingAllocator<VcpuMap::value_type>(acct)), id_(id), acct_(acct) {}
  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  uint64_t id() const { return id_; }
  Accounting& accounting() const { return acct_; }

  // Guarded by mu: the guest-wide state and the vCPU table.
  mutable std::mutex mu;
  isa::PartitionConfig config;
  VcpuMap vcpus;

  // Bumped (under mu) whenever cached translations become stale: SET of 0x0005/0x0006,
  // H_RPT_INVALIDATE. A vCPU compares it on entry and flushes its engine.
  std::atomic<uint64_t> generation{0};
  // Bumped (under mu) by every guest-wide SET_STATE, so a run can tell that its vCPU's
  // cached copy of `config` is still current without taking mu (docs/perf/l0.md).
  std::atomic<uint64_t> config_version{0};
  std::atomic<bool> deleted{false};
  // The guest's tlbie broadcast domain: a tlbie on one of its vCPUs makes the others drop
  // their cached translations at their next block boundary (ISA 3.0B Book III §5.10.1).
  isa::TlbDomain tlb_domain;

  std::shared_ptr<Vcpu> find_vcpu(uint64_t vcpu_id) const;
  // The vCPU for H_GUEST_RUN_VCPU, or null. A vCPU is never removed while its guest lives
  // (H_GUEST_DELETE only marks the guest; the map goes with the last reference), so the
  // pointer is valid as long as the caller holds a reference to the guest. IDs below
  // kDirectVcpus are found without taking mu (a lock per round trip was measurable,
  // docs/perf/l0.md); the others through the map.
  static constexpr std::size_t kDirectVcpus = 64;
  Vcpu* vcpu_for_run(uint64_t vcpu_id) const;
  // Make a new vCPU visible to vcpu_for_run (caller holds mu, after inserting it).
  void publish_vcpu(uint64_t vcpu_id, Vcpu* v);
  // Ask every running vCPU to stop: for deletion (kick = false, the run sees `deleted`)
  // or for a translation flush (internal).
  void stop_all_vcpus(bool internal);

 private:
  uint64_t id_;
  Accounting& acct_;
  std::array<std::atomic<Vcpu*>, kDirectVcpus> direct_{};
};

// Element 0x0001, the size of the L0's internal vCPU state (nv2 decision, §9.5): the bytes
// of one Vcpu object and of its engine object (the engine's caches are not included).
inline constexpr uint64_t kVcpuStateSize = sizeof(Vcpu) + sizeof(isa::Cpu);

}  // namespace nv2::l0
