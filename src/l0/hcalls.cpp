// H_GUEST_GET/SET_CAPABILITIES, H_GUEST_CREATE, H_GUEST_CREATE_VCPU, H_GUEST_DELETE and
// H_RPT_INVALIDATE (papr-nestedv2.md §3, §8). One handler per hcall: validate every
// argument up front, answer the first failure with its PAPR code, then act.
#include <bit>
#include <new>
#include <thread>

#include "l0/guest.hpp"
#include "l0/hcall_args.hpp"
#include "l0/host.hpp"
#include "papr/flags.hpp"
#include "util/bits.hpp"

namespace nv2::l0 {

using papr::HStatus;

namespace {
// The MSR and LPCR bits the L0 owns for every L2 (outside the settable masks of §4, so an
// L1 can never change them): MSR[ME] (bit 51) is always on for an L2; HV and S are off.
inline constexpr uint64_t kL2InitialMsr = bits::bit(51);
static_assert(kL2InitialMsr == 0x1000);
}  // namespace

// ---- H_GUEST_GET_CAPABILITIES(flags) -----------------------------------------------

HcallResult Partition::h_guest_get_capabilities(const papr::HcallRegs& regs) {
  const GuestGetCapabilitiesArgs a(regs);
  if (a.flags() != 0) return HcallResult::error(HStatus::Parameter);
  return HcallResult::ok(host_.config().capabilities);
}

// ---- H_GUEST_SET_CAPABILITIES(flags, bitmap1) ----------------------------------------

HcallResult Partition::h_guest_set_capabilities(const papr::HcallRegs& regs) {
  const GuestSetCapabilitiesArgs a(regs);
  if (a.flags() != 0) return HcallResult::error(HStatus::Parameter);
  const uint64_t offered = host_.config().capabilities;
  const uint64_t bitmap = a.bitmap1();

  std::lock_guard lk(caps_mu_);
  {
    std::shared_lock gl(guests_mu_);
    // §3: once a guest exists the capabilities are fixed.
    if (!guests_.empty() || !pending_creates_.empty()) return HcallResult::error(HStatus::State);
  }
  // §3: a bit GET did not offer → H_P2, r4 = 1 bad bitmap, r5 = the MSB-0 number of the
  // first offending bit (nv2 decision: QEMU's detail). No mode at all is as bad: r5 then
  // names the first mode the host offers.
  if (const uint64_t bad = bitmap & ~offered; bad != 0)
    return HcallResult::with(HStatus::P2, 1, static_cast<uint64_t>(std::countl_zero(bad)));
  if ((bitmap & papr::cap::kAllModes) == 0)
    return HcallResult::with(HStatus::P2, 1, static_cast<uint64_t>(std::countl_zero(offered)));
  capabilities_ = bitmap;
  capabilities_set_ = true;
  return HcallResult::ok();
}

// ---- H_GUEST_CREATE(flags, continueToken) ------------------------------------------

HcallResult Partition::h_guest_create(const papr::HcallRegs& regs) {
  const GuestCreateArgs a(regs);
  if (a.flags() != 0) return HcallResult::error(HStatus::Parameter);
  const HostConfig& cfg = host_.config();

  std::lock_guard lk(caps_mu_);
  // nv2 decision (§3): nothing is created before a successful SET_CAPABILITIES.
  if (!capabilities_set_) return HcallResult::error(HStatus::State);

  auto at_limit = [&] {
    std::shared_lock gl(guests_mu_);
    return guests_.size() + pending_creates_.size() >= cfg.max_guests_per_partition;
  };
  if (a.continue_token() == papr::kCreateFirstCallToken) {
    if (at_limit()) return HcallResult::error(HStatus::NotEnoughResources);
    if (cfg.create_busy_count > 0) {
      // The creation "takes" create_busy_count more calls; the token names it.
      const uint64_t token = next_token_++;
      pending_creates_.emplace(token, cfg.create_busy_count - 1);
      return HcallResult::with(cfg.create_busy_status, token);
    }
  } else {
    const auto it = pending_creates_.find(a.continue_token());
    if (it == pending_creates_.end()) return HcallResult::error(HStatus::P2);
    if (it->second > 0) {
      --it->second;
      return HcallResult::with(cfg.create_busy_status, it->first);
    }
    pending_creates_.erase(it);  // its slot under the limit passes to the guest below
  }

  std::shared_ptr<Guest> g;
  try {
    g = std::allocate_shared<Guest>(CountingAllocator<Guest>(host_.accounting()), next_guest_id_,
                                    host_.accounting());
  } catch (const std::bad_alloc&) {
    return HcallResult::error(HStatus::NotEnoughResources);
  }
  std::unique_lock gl(guests_mu_);
  if (guests_.size() >= cfg.max_guests_per_partition)
    return HcallResult::error(HStatus::NotEnoughResources);
  const uint64_t id = next_guest_id_++;
  Guest* const raw = g.get();
  guests_.emplace(id, std::move(g));
  if (id < kDirectGuests) slots_[id].live.store(raw);
  return HcallResult::ok(id);
}

// ---- H_GUEST_CREATE_VCPU(flags, guestId, vcpuId) -----------------------------------

HcallResult Partition::h_guest_create_vcpu(const papr::HcallRegs& regs) {
  const GuestCreateVcpuArgs a(regs);
  if (a.flags() != 0) return HcallResult::error(HStatus::Parameter);
  const auto g = find_guest(a.guest_id());
  if (!g) return HcallResult::error(HStatus::P2);
  if (a.vcpu_id() >= kMaxVcpus) return HcallResult::error(HStatus::P3);

  std::lock_guard lk(g->mu);
  // nv2 decision (§3): any order, a duplicate is H_P3.
  if (g->vcpus.contains(a.vcpu_id())) return HcallResult::error(HStatus::P3);
  try {
    auto v = std::allocate_shared<Vcpu>(CountingAllocator<Vcpu>(host_.accounting()), a.vcpu_id(),
                                        host_.accounting(), host_.config().translate_blocks);
    v->state().msr = kL2InitialMsr;
    v->seen_generation = g->generation.load();
    if (g->id() < kDirectGuests && a.vcpu_id() < kDirectSlotVcpus)
      v->use_run_lock(slots_[g->id()].vcpu_locks[a.vcpu_id()]);  // host.hpp GuestSlot
    Vcpu* const raw = v.get();
    g->vcpus.emplace(a.vcpu_id(), std::move(v));
    g->publish_vcpu(a.vcpu_id(), raw);
  } catch (const std::bad_alloc&) {
    return HcallResult::error(HStatus::NotEnoughResources);
  }
  return HcallResult::ok();
}

// ---- H_GUEST_DELETE(flags, guestId) ------------------------------------------------

HcallResult Partition::h_guest_delete(const papr::HcallRegs& regs) {
  const GuestDeleteArgs a(regs);
  if ((a.flags() & ~papr::delete_flag::kValid) != 0) return HcallResult::error(HStatus::Parameter);

  std::vector<std::shared_ptr<Guest>> doomed;
  {
    std::unique_lock gl(guests_mu_);
    if ((a.flags() & papr::delete_flag::kDeleteAll) != 0) {
      for (auto& [id, g] : guests_) doomed.push_back(std::move(g));
      guests_.clear();
    } else {
      const auto it = guests_.find(a.guest_id());
      if (it == guests_.end()) return HcallResult::error(HStatus::P2);
      doomed.push_back(std::move(it->second));
      guests_.erase(it);
    }
    // Unlink from the RUN path's slots too; a run still using a slot keeps the guest alive
    // through `retired` until it ends (host.hpp, GuestSlot).
    for (const auto& g : doomed) {
      if (g->id() >= kDirectGuests) continue;
      GuestSlot& s = slots_[g->id()];
      s.live.store(nullptr);
      if (s.runs.load() != 0) s.retired = g;
    }
  }
  // nv2 decision (§3): a vCPU of a deleted guest running on another thread is stopped and
  // its H_GUEST_RUN_VCPU answers H_STATE; the guest's memory goes with the last reference.
  for (auto& g : doomed) {
    g->deleted.store(true);
    g->stop_all_vcpus(false);
  }
  // The slot handshake (host.hpp GuestSlot): a run that took one of the slot's vCPU locks
  // before `live` was cleared may still use the guest; each is seen free once (those runs
  // were just stopped: they return at once). Later ones read `live` null.
  for (const auto& g : doomed) {
    if (g->id() >= kDirectGuests) continue;
    for (const RunLock& l : slots_[g->id()].vcpu_locks)
      while (l.busy()) std::this_thread::yield();
  }
  return HcallResult::ok();
}

// ---- H_RPT_INVALIDATE(pid, target, type, pageSizes, start, end) --------------------

HcallResult Partition::h_rpt_invalidate(const papr::HcallRegs& regs) {
  const RptInvalidateArgs a(regs);
  if (a.target() == 0 || (a.target() & ~rpti::kTargetValid) != 0)
    return HcallResult::error(HStatus::P2);
  if (a.type() == 0 || (a.type() & ~rpti::kTypeValid) != 0) return HcallResult::error(HStatus::P3);
  if (a.start() > a.end()) return HcallResult::error(HStatus::P5);
  // Without the NESTED type the L1 invalidates its own translations: nv2's L1 runs natively
  // (no L0 MMU translates it), so there is nothing to drop.
  if ((a.type() & rpti::kTypeNested) == 0) return HcallResult::ok();
  const auto g = find_guest(a.pid());
  if (!g) return HcallResult::error(HStatus::Parameter);
  // nv2 decision (§8): every cached translation of that L2 goes, whatever the range: exact
  // and cheap enough, since the engine rebuilds its software TLB on demand.
  {
    std::lock_guard lk(g->mu);
    g->generation.fetch_add(1);
  }
  g->stop_all_vcpus(true);
  return HcallResult::ok();
}

}  // namespace nv2::l0
