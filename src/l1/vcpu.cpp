#include "l1/vcpu.hpp"

#include "gsb/buffer.hpp"
#include "gsb/message.hpp"
#include "l1/guest.hpp"
#include "l1/hypervisor.hpp"
#include "l1/state_io.hpp"

namespace nv2::l1 {

namespace {
using gsb::IdBitmap;
// Thread-wide IDs by how they travel (from the table's run_input column, §4/§6).
constexpr IdBitmap kRunInputIds = IdBitmap::of([](const gsb::ElementDesc& d) { return d.run_input; });
constexpr IdBitmap kThreadIds =
    IdBitmap::of([](const gsb::ElementDesc& d) { return d.scope == gsb::Scope::Thread; });
constexpr IdBitmap kSetStateOnlyIds = kThreadIds - kRunInputIds;  // run buffers, VPA, 0xF00x
static_assert(kSetStateOnlyIds.test(gsb::id::kVpa) && kSetStateOnlyIds.test(gsb::id::kRunInput));
static_assert(!kRunInputIds.test(gsb::id::kVpa) && kRunInputIds.test(gsb::id::kLpcr));

bool element_error(papr::HStatus s) {
  return s == papr::HStatus::InvalidElementId || s == papr::HStatus::InvalidElementSize ||
         s == papr::HStatus::InvalidElementValue;
}
}  // namespace

Vcpu::Vcpu(Guest& g, uint32_t id, gsb::BufferInfo in, gsb::BufferInfo out, uint64_t scratch,
           uint64_t scratch_size)
    : guest_(&g), hv_(g.hv_), id_(id), run_in_(in), run_out_(out), scratch_(scratch),
      scratch_size_(scratch_size) {
  // Every slot holds a value of its element's type, so typed reads never see a stray
  // alternative (and a generic get of an unfetched element has the right type).
  for (std::size_t i = 0; i < gsb::kElementCount; ++i) {
    switch (gsb::find(gsb::kIdByDenseIndex[i])->type) {
      case gsb::Type::Be32: values_[i] = uint32_t{0}; break;
      case gsb::Type::Be64: values_[i] = uint64_t{0}; break;
      case gsb::Type::Vec128: values_[i] = gsb::Vec128{}; break;
      case gsb::Type::PartitionTable: values_[i] = gsb::PartitionTableInfo{}; break;
      case gsb::Type::ProcessTable: values_[i] = gsb::ProcessTableInfo{}; break;
      case gsb::Type::BufferInfo: values_[i] = gsb::BufferInfo{}; break;
    }
  }
}

Vcpu::~Vcpu() {
  PageAllocator& a = hv_->allocator();
  a.free(run_in_.address, run_in_.size);
  a.free(run_out_.address, run_out_.size);
  a.free(scratch_, scratch_size_);
}

// ---- Generic access ----------------------------------------------------------------------

Result<gsb::Value> Vcpu::get(gsb::ElementId id) {
  const gsb::ElementDesc* d = gsb::find(id);
  if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
  if (d->scope != gsb::Scope::Thread) return guest_->get(id);
  const std::size_t i = *gsb::dense_index(id);
  if (!valid_.test_dense(i)) {
    // A write-only element (PPR) is known only after the L1 wrote it.
    if (!d->readable()) return Unexpected{Error::of(ErrorKind::NotReadable, id)};
    NV2_TRY(get_state(IdBitmap{id}));
  }
  return values_[i];
}

Result<void> Vcpu::set(gsb::ElementId id, const gsb::Value& v) {
  const gsb::ElementDesc* d = gsb::find(id);
  if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
  if (d->scope != gsb::Scope::Thread) return guest_->set(id, v);
  if (!d->writable()) return Unexpected{Error::of(ErrorKind::NotWritable, id)};
  if (gsb::type_of(v) != d->type) return Unexpected{Error::of(ErrorKind::InvalidValue, id)};
  const std::size_t i = *gsb::dense_index(id);
  values_[i] = v;
  valid_.set_dense(i);
  dirty_.set_dense(i);
  return {};
}

Result<void> Vcpu::fetch(std::span<const gsb::ElementId> ids) {
  IdBitmap thread, wide;
  for (gsb::ElementId id : ids) {
    const gsb::ElementDesc* d = gsb::find(id);
    if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
    if (d->scope == gsb::Scope::Host) return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
    if (d->scope == gsb::Scope::Guest) {
      wide.set(id);
      continue;
    }
    if (valid_.test(id)) continue;
    if (!d->readable()) return Unexpected{Error::of(ErrorKind::NotReadable, id)};
    thread.set(id);
  }
  if (!thread.empty()) NV2_TRY(get_state(thread));
  if (!wide.empty()) {
    std::array<gsb::ElementId, gsb::kElementCount> list{};
    std::size_t n = 0;
    for (gsb::ElementId id : wide) list[n++] = id;
    NV2_TRY(guest_->fetch(std::span<const gsb::ElementId>(list.data(), n)));
  }
  return {};
}

Result<uint64_t> Vcpu::get64(gsb::ElementId id) {
  // Fast path: a valid 64-bit element costs one bitmap test.
  if (const auto d = gsb::dense_index(id); d && valid_.test_dense(*d)) {
    if (const auto* p = std::get_if<uint64_t>(&values_[*d])) return *p;
  }
  auto v = get(id);
  if (!v) return Unexpected{v.error()};
  if (const auto* p = std::get_if<uint64_t>(&*v)) return *p;
  return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
}

Result<uint32_t> Vcpu::get32(gsb::ElementId id) {
  auto v = get(id);
  if (!v) return Unexpected{v.error()};
  if (const auto* p = std::get_if<uint32_t>(&*v)) return *p;
  return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
}

Result<void> Vcpu::set64(gsb::ElementId id, uint64_t v) { return set(id, gsb::Value{v}); }
Result<void> Vcpu::set32(gsb::ElementId id, uint32_t v) { return set(id, gsb::Value{v}); }

Result<uint64_t> Vcpu::gpr(unsigned n) {
  if (n > 31) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)};
  return get64(gsb::id::gpr(n));
}
Result<void> Vcpu::set_gpr(unsigned n, uint64_t v) {
  if (n > 31) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)};
  return set64(gsb::id::gpr(n), v);
}
Result<gsb::Vec128> Vcpu::vsr(unsigned n) {
  if (n > 63) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)};
  auto v = get(gsb::id::vsr(n));
  if (!v) return Unexpected{v.error()};
  return std::get<gsb::Vec128>(*v);
}
Result<void> Vcpu::set_vsr(unsigned n, gsb::Vec128 v) {
  if (n > 63) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)};
  return set(gsb::id::vsr(n), gsb::Value{v});
}

// ---- GET/SET_STATE -------------------------------------------------------------------------

Result<void> Vcpu::set_state(const IdBitmap& ids) {
  NV2_TRY(detail::set_state({hv_, 0, guest_->id(), id_, scratch_, scratch_size_}, ids, values_));
  dirty_ -= ids;
  return {};
}

Result<void> Vcpu::get_state(const IdBitmap& ids) {
  return detail::get_state({hv_, 0, guest_->id(), id_, scratch_, scratch_size_}, ids, values_,
                           valid_, gsb::Scope::Thread);
}

// ---- Interrupts ----------------------------------------------------------------------------

void Vcpu::set_external_pending(bool pending) {
  external_pending_.store(pending, std::memory_order_release);
  if (pending) kick();
}

void Vcpu::queue_dec(uint64_t expiry_tb) { dec_queued_ = expiry_tb; }

// ---- Run -------------------------------------------------------------------------------------

Result<void> Vcpu::prepare_entry(uint64_t& flags) {
  // 1. Dirty guest-wide elements: one SET_STATE with the guest-wide flag.
  NV2_TRY(guest_->flush());

  // 2. LPCR[MER] (§6 pitfall): recomputed on every entry; LPCR is sent on every entry
  //    while an external interrupt is pending, and once more when it stops being pending.
  //    The L1 never sets the RUN "external interrupt" flag: MER is level-triggered and
  //    the L0 delivers as soon as MSR[EE]=1 (docs/decisions/l1.md).
  const bool pending = external_pending();
  if (pending || mer_sent_) {
    auto lpcr_value = get64(gsb::id::kLpcr);  // L1-owned: fetched at most once
    if (!lpcr_value) return Unexpected{lpcr_value.error()};
    const uint64_t want = (*lpcr_value & ~lpcr::kMER) | (pending ? lpcr::kMER : 0);
    NV2_TRY(set64(gsb::id::kLpcr, want));
    mer_sent_ = pending;
  }

  // 3. Dirty thread-wide elements that may not ride in a run buffer (run buffers, VPA):
  //    one thread-wide SET_STATE (§6).
  const IdBitmap meta = dirty_ & kSetStateOnlyIds;
  if (!meta.empty()) NV2_TRY(set_state(meta));

  flags = system_reset_.exchange(false, std::memory_order_acq_rel) ? papr::run_flag::kSystemReset : 0;
  return {};
}

Result<RunExit> Vcpu::run() {
  uint64_t flags = 0;
  NV2_TRY(prepare_entry(flags));

  // 4. Every other dirty thread-wide element goes into the run input buffer.
  const IdBitmap sending = dirty_ & kRunInputIds;
  gsb::Writer w(hv_->memory().span(run_in_.address, run_in_.size));
  auto filled = gsb::Message(sending).fill(w, [this](gsb::ElementId id) {
    return values_[*gsb::dense_index(id)];
  });
  if (!filled) return Unexpected{detail::encode_error(filled.error())};  // never ignored (§6)
  dirty_ -= sending;

  auto regs = papr::HcallRegs::make(papr::Hcall::H_GUEST_RUN_VCPU, {flags, guest_->id(), id_});
  hv_->call(regs);
  Counters& k = hv_->counters();
  k.bump(k.runs);
  k.add(k.elements_sent, w.count());
  k.add(k.gsb_bytes_out, w.size());

  RunExit exit;
  exit.elements_in = w.count();
  exit.bytes_in = static_cast<uint32_t>(w.size());
  if (regs.status() != papr::HStatus::Success) {
    dirty_ |= sending;  // not applied: send again next time
    Error e = Error::hcall(papr::Hcall::H_GUEST_RUN_VCPU, regs.status(), regs.out(0));
    if (element_error(regs.status())) e.element = detail::id_at_index(sending, regs.out(0));
    return Unexpected{e};
  }
  exit.raw_reason = regs.out(0);
  exit.reason = static_cast<papr::ExitReason>(exit.raw_reason);
  k.exit(exit.raw_reason);

  // After the run the L0 holds the truth: everything the L2 can change is invalid until
  // the output buffer says otherwise (§6). L1-owned elements stay valid.
  valid_ &= kL1Owned;
  NV2_TRY(parse_output(exit));
  return exit;
}

Result<void> Vcpu::parse_output(RunExit& exit) {
  gsb::Reader r;
  auto parsed = r.parse(hv_->memory().span(run_out_.address, run_out_.size), gsb::Policy::run_output());
  if (!parsed)
    return Unexpected{Error{ErrorKind::Decode, parsed.error().code, 0, parsed.error().id,
                            parsed.error().index}};
  for (const gsb::Element& e : r) {
    const std::size_t i = *gsb::dense_index(e.id);
    // An element the L1 changed and has not sent yet (only L1-owned ones can be dirty
    // here) keeps the L1's value.
    if (dirty_.test_dense(i)) continue;
    values_[i] = e.value();
    valid_.set_dense(i);
  }
  exit.received = r.ids();
  exit.bytes_out = static_cast<uint32_t>(r.size());
  Counters& k = hv_->counters();
  k.add(k.gsb_bytes_in, r.size());
  k.add(k.elements_received, r.count());

  // §6 DEC pitfall. The L0 delivers DEC from DEC expiry itself (§5); what the L1 can get
  // wrong is its own queued DEC (the idle wake-up it armed for an expiry). When the L2
  // has moved its DEC expiry since, that DEC is no longer wanted: cancel it. (The DEC
  // expiry the output buffer brought is valid and clean, so it is never sent back stale.)
  if (dec_queued_ && r.contains(gsb::id::kDecExpiry)) {
    const uint64_t now_expiry = std::get<uint64_t>(values_[*gsb::dense_index(gsb::id::kDecExpiry)]);
    if (now_expiry != *dec_queued_) {
      dec_queued_.reset();
      k.bump(k.dec_cancelled);
    }
  }
  return {};
}

// ---- Idle ------------------------------------------------------------------------------------

bool Vcpu::wait_for_work(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(wake_mu_);
  const bool woken = wake_cv_.wait_until(lock, deadline, [this] {
    return kicked_ || external_pending() || stop_requested();
  });
  kicked_ = false;
  return woken;
}

void Vcpu::kick() {
  {
    std::lock_guard lock(wake_mu_);
    kicked_ = true;
  }
  wake_cv_.notify_all();
}

void Vcpu::request_stop() {
  stop_.store(true, std::memory_order_release);
  kick();
}

gsb::Value& Vcpu::slot(gsb::ElementId id) { return values_[*gsb::dense_index(id)]; }

}  // namespace nv2::l1
