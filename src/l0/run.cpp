// H_GUEST_RUN_VCPU (papr-nestedv2.md §3, §5).
//
// validate IDs, flags and the registered buffers → parse and apply the run input buffer →
// dispatch (VPA yield count) → isa::Cpu::run until an exit the L1 must see → undispatch →
// write the output buffer with the elements §5 lists for that exit → r4 = exit reason.
#include <algorithm>
#include <cstring>
#include <mutex>

#include "gsb/buffer.hpp"
#include "l0/gsb_copy.hpp"
#include "l0/guest.hpp"
#include "l0/hcall_args.hpp"
#include "l0/host.hpp"
#include "l0/run_output.hpp"
#include "l0/state_access.hpp"
#include "papr/flags.hpp"

namespace nv2::l0 {

using papr::HStatus;

namespace {

// §9.3 nv2 decision: the yield count (be32 at VPA + 0x100) is even while the vCPU is
// dispatched and odd while it is not; each transition advances it by one.
void vpa_set_yield_parity(const papr::RealMemory& mem, uint64_t vpa, bool dispatched) {
  if (vpa == kVpaDeregister || !mem.contains(vpa + kVpaYieldCountOffset, 4)) return;
  uint8_t* p = mem.base() + vpa + kVpaYieldCountOffset;
  uint32_t count = gsb::load_be32(p);
  const bool odd = (count & 1u) != 0;
  if (odd == dispatched) gsb::store_be32(p, count + 1);
}

}  // namespace

HcallResult Partition::h_guest_run_vcpu(const papr::HcallRegs& regs) {
  const GuestRunVcpuArgs a(regs);
  if ((a.flags() & ~papr::run_flag::kValid) != 0) return HcallResult::error(HStatus::Parameter);
  // The guest and the vCPU, with the vCPU's run lock held (one run of a vCPU at a time;
  // nv2 decision: a second RUN, GET or SET meanwhile → H_BUSY). Either path keeps the guest
  // alive until this run returns (host.hpp GuestSlot).
  std::shared_ptr<Guest> held;
  // Declared before the lock: the run lock is released before the slot count (the last
  // run out of a deleted guest's slot may free the vCPU that owns the lock).
  struct SlotRelease {
    Partition* p;
    GuestSlot* s;
    ~SlotRelease() {
      if (s) p->release_slot(*s);
    }
  } release{this, nullptr};
  Guest* g = nullptr;
  Vcpu* v = nullptr;
  std::unique_lock<RunLock> run;
  if (a.guest_id() < kDirectGuests && a.vcpu_id() < kDirectSlotVcpus) {
    // The slot's lock for this vCPU, then `live`.
    GuestSlot& s = slots_[a.guest_id()];
    RunLock& lock = s.vcpu_locks[a.vcpu_id()];
    if (!lock.try_lock()) {
      // Held: by a run or a GET/SET of this vCPU (H_BUSY), or by a run that is about to
      // answer H_P2/H_P3 for an ID that does not exist: the table tells which.
      held = find_guest(a.guest_id());
      if (!held) return HcallResult::error(HStatus::P2);
      if (!held->vcpu_for_run(a.vcpu_id())) return HcallResult::error(HStatus::P3);
      return HcallResult::error(HStatus::Busy);
    }
    run = std::unique_lock<RunLock>(lock, std::adopt_lock);
    g = s.live.load();
    if (!g) return HcallResult::error(HStatus::P2);
    v = g->vcpu_for_run(a.vcpu_id());
    if (!v) return HcallResult::error(HStatus::P3);
  } else {
    if (a.guest_id() < kDirectGuests) {
      release.s = &slots_[a.guest_id()];
      release.s->runs.fetch_add(1);
      g = release.s->live.load();
    } else {
      held = find_guest(a.guest_id());
      g = held.get();
    }
  }
  if (!run.owns_lock()) {
    if (!g) return HcallResult::error(HStatus::P2);
    v = a.vcpu_id() < kMaxVcpus ? g->vcpu_for_run(a.vcpu_id()) : nullptr;  // g holds it
    if (!v) return HcallResult::error(HStatus::P3);
    run = std::unique_lock<RunLock>(v->run_mu(), std::try_to_lock);
    if (!run.owns_lock()) return HcallResult::error(HStatus::Busy);
  }

  const papr::RealMemory mem = memory();
  const gsb::BufferInfo in = v->reg.run_input;
  const gsb::BufferInfo out = v->reg.run_output;
  if (in.size == 0) return HcallResult::error(HStatus::InputBufferNotDefined);
  if (out.size == 0) return HcallResult::error(HStatus::OutputBufferNotDefined);
  if (out.size < kRunOutputMinSize) return HcallResult::error(HStatus::OutputBufferTooSmall);
  if (in.size < gsb::kHeaderSize) return HcallResult::error(HStatus::InputBufferTooSmall);

  // The run works on the vCPU's copy of the guest config (guarded by run_mu, held here).
  // It is re-taken under the guest mutex only when a guest-wide SET or a translation flush
  // moved config_version or generation since: both are bumped under that mutex after the
  // change, so an unchanged pair means the copy is what a locked read would give.
  const isa::PartitionConfig& cfg = v->run_config;
  uint64_t generation = 0;
  auto take_config = [&] {
    if (v->run_config_version == g->config_version.load(std::memory_order_acquire) &&
        v->run_config_generation == g->generation.load(std::memory_order_acquire)) {
      generation = v->run_config_generation;
      return;
    }
    std::lock_guard lk(g->mu);
    v->run_config = g->config;
    v->run_config_version = g->config_version.load();
    generation = v->run_config_generation = g->generation.load();
  };
  take_config();
  if (!cfg.partition_table_defined) return HcallResult::error(HStatus::PartitionPageTableNotDefined);

  // The input buffer: thread-wide run-input elements only, all validated before any is
  // applied; errors carry the element's index in r4 (nv2 decision: index, as GET/SET).
  GsbCopy& copy = v->run_copy();
  if (auto r = copy.load_memo(mem, in.address, in.size, gsb::Policy::run_input()); !r) {
    if (r.error().cause == gsb::Cause::TruncatedHeader) return HcallResult::error(r.error().code);
    return HcallResult::with(r.error().code, r.error().index);
  }
  // The engine exists from the first run on (an idle vCPU that never ran holds none).
  isa::Cpu& cpu = v->engine();
  StateRefs refs;
  refs.vcpu = &cpu.state();
  refs.reg = &v->reg;
  v->input_plan.apply(copy, refs);

  isa::InterruptRequests requests;
  requests.external = (a.flags() & papr::run_flag::kExternalInterrupt) != 0;
  requests.privileged_doorbell = (a.flags() & papr::run_flag::kPrivilegedDoorbell) != 0;
  requests.system_reset = (a.flags() & papr::run_flag::kSystemReset) != 0;

  vpa_set_yield_parity(mem, v->reg.vpa, true);
  // Built once, outside the loop, from the values themselves: rebuilt from `mem` at each
  // entry it was a 16-byte load of two 8-byte stores, a store-forwarding stall (perf).
  const isa::RunEnv env{memory(), &cfg, &host_.timebase(), &g->tlb_domain};
  isa::Exit exit;
  bool deleted = false;
  for (;;) {
    // H_GUEST_DELETE sets `deleted` before it stops the vCPUs, and a stop asked for before
    // (or while) the engine runs makes run() return at once: either this check sees the
    // deletion or the engine sees the stop.
    if (g->deleted.load()) {
      deleted = true;
      break;
    }
    if (v->seen_generation != generation) {
      cpu.flush_translations();
      v->seen_generation = generation;
    }
    exit = cpu.run(env, requests);
    requests = {};  // the interrupts asked for are delivered (or pending in L2) once
    if (exit.kind == isa::ExitKind::Deleted || g->deleted.load()) {
      deleted = true;
      break;
    }
    if (exit.kind != isa::ExitKind::Stopped) break;
    // A stop the L1 asked for is its exit 0x0; a stop the L0 caused for a translation
    // flush resumes with the new configuration; an idle stop (engine) is exit 0x0 too.
    const bool kicked = v->kick.exchange(false);
    const bool internal = v->internal_stop.exchange(false);
    if (kicked || !internal) break;
    take_config();
  }
  vpa_set_yield_parity(mem, v->reg.vpa, false);
  if (deleted) return HcallResult::error(HStatus::State);

  const uint64_t code = exit_reason_code(exit.kind);
  if (code == kNoExitReason) return HcallResult::error(HStatus::Hardware);
  const auto reason = static_cast<papr::ExitReason>(code);

  // Every §5 exit through its precomputed program, straight into the L1's buffer (the
  // program checks the capacity before it writes anything).
  {
    const std::span<uint8_t> dst = mem.span(out.address, std::min<uint64_t>(out.size, kRunOutputMinSize));
    if (encode_exit_output_fast(reason, cpu.state(), dst) != 0) return HcallResult::ok(code);
  }
  // Encode into host scratch first and copy once, so an internal failure leaves the L1's
  // output buffer untouched (§5: H_HARDWARE, nothing written).
  std::array<uint8_t, kRunOutputMinSize> scratch{};
  gsb::Writer w(scratch);
  for (gsb::ElementId id : exit_outputs(reason).elements())
    if (!w.put(id, exit_output_value(reason, refs, id))) return HcallResult::error(HStatus::Hardware);
  const std::span<uint8_t> dst = mem.span(out.address, w.size());
  if (dst.size() != w.size()) return HcallResult::error(HStatus::Hardware);
  std::memcpy(dst.data(), scratch.data(), w.size());
  return HcallResult::ok(code);
}

}  // namespace nv2::l0
