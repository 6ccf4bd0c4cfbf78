#include "l1/vcpu.hpp"

#include <cstring>

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

constexpr std::size_t kDecDense = *gsb::dense_index(gsb::id::kDecExpiry);

using Words = std::array<uint64_t, 3>;

gsb::Value to_value(gsb::Type t, const Words& w) {
  switch (t) {
    case gsb::Type::Be32: return static_cast<uint32_t>(w[0]);
    case gsb::Type::Be64: return w[0];
    case gsb::Type::Vec128: return gsb::Vec128{w[0], w[1]};
    case gsb::Type::PartitionTable: return gsb::PartitionTableInfo{w[0], w[1], w[2]};
    case gsb::Type::ProcessTable: return gsb::ProcessTableInfo{w[0], w[1]};
    case gsb::Type::BufferInfo: return gsb::BufferInfo{w[0], w[1]};
  }
  return w[0];
}

struct FromValue {
  Words& w;
  void operator()(uint32_t v) const { w = {v, 0, 0}; }
  void operator()(uint64_t v) const { w = {v, 0, 0}; }
  void operator()(const gsb::Vec128& v) const { w = {v.hi, v.lo, 0}; }
  void operator()(const gsb::PartitionTableInfo& v) const { w = {v.root, v.ea_bits, v.root_size}; }
  void operator()(const gsb::ProcessTableInfo& v) const { w = {v.address, v.size, 0}; }
  void operator()(const gsb::BufferInfo& v) const { w = {v.address, v.size, 0}; }
};

// Append element `id` with the value in `w` (typed puts: the writer checks the table).
Expected<void, gsb::Error> put_words(gsb::Writer& wr, gsb::ElementId id, const Words& w) {
  switch (gsb::find(id)->type) {
    case gsb::Type::Be32: return wr.put_be32(id, static_cast<uint32_t>(w[0]));
    case gsb::Type::Be64: return wr.put_be64(id, w[0]);
    case gsb::Type::Vec128: return wr.put_vec128(id, {w[0], w[1]});
    case gsb::Type::PartitionTable: return wr.put_partition_table(id, {w[0], w[1], w[2]});
    case gsb::Type::ProcessTable: return wr.put_process_table(id, {w[0], w[1]});
    case gsb::Type::BufferInfo: return wr.put_buffer_info(id, {w[0], w[1]});
  }
  return wr.put_be64(id, w[0]);
}

// The wire type of each dense index (the output path indexes by dense index only).
constexpr auto kTypeByDense = [] {
  std::array<gsb::Type, gsb::kElementCount> t{};
  for (std::size_t i = 0; i < gsb::kElementCount; ++i) t[i] = gsb::find(gsb::kIdByDenseIndex[i])->type;
  return t;
}();

// Store the wire value at `p` (of type `t`, already validated) into `w`.
void take_words(gsb::Type t, const uint8_t* p, Words& w) {
  switch (t) {
    case gsb::Type::Be32: w[0] = gsb::load_be32(p); return;
    case gsb::Type::Be64: w[0] = gsb::load_be64(p); return;
    case gsb::Type::PartitionTable: w[2] = gsb::load_be64(p + 16); [[fallthrough]];
    case gsb::Type::Vec128:
    case gsb::Type::ProcessTable:
    case gsb::Type::BufferInfo:
      w[0] = gsb::load_be64(p);
      w[1] = gsb::load_be64(p + 8);
      return;
  }
}
}  // namespace

Vcpu::Vcpu(Guest& g, uint32_t id, gsb::BufferInfo in, gsb::BufferInfo out, uint64_t scratch,
           uint64_t scratch_size)
    : guest_(&g), hv_(g.hv_), id_(id), run_in_(in), run_out_(out), scratch_(scratch),
      scratch_size_(scratch_size) {
  // Zeroed slots are valid values of every type.
  hv_->counters().attach(&ctr_);
}

Vcpu::~Vcpu() {
  hv_->counters().detach(&ctr_);
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
  return to_value(d->type, slots_[i].w);
}

Result<void> Vcpu::set(gsb::ElementId id, const gsb::Value& v) {
  const gsb::ElementDesc* d = gsb::find(id);
  if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
  if (d->scope != gsb::Scope::Thread) return guest_->set(id, v);
  if (!d->writable()) return Unexpected{Error::of(ErrorKind::NotWritable, id)};
  if (gsb::type_of(v) != d->type) return Unexpected{Error::of(ErrorKind::InvalidValue, id)};
  const std::size_t i = *gsb::dense_index(id);
  std::visit(FromValue{slots_[i].w}, v);
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
  if (const auto d = gsb::dense_index(id); d && valid_.test_dense(*d) &&
                                           gsb::find(id)->type == gsb::Type::Be64)
    return slots_[*d].w[0];
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

Result<void> Vcpu::set64(gsb::ElementId id, uint64_t v) {
  // Fast path: a thread-wide writable 64-bit element is one store and two bit sets.
  const gsb::ElementDesc* d = gsb::find(id);
  if (d != nullptr && d->scope == gsb::Scope::Thread && d->writable() && d->type == gsb::Type::Be64) {
    const std::size_t i = *gsb::dense_index(id);
    slots_[i].w[0] = v;
    valid_.set_dense(i);
    dirty_.set_dense(i);
    return {};
  }
  return set(id, gsb::Value{v});
}
Result<void> Vcpu::set32(gsb::ElementId id, uint32_t v) { return set(id, gsb::Value{v}); }

Result<uint64_t> Vcpu::gpr_slow(unsigned n) {
  if (n > 31) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)};
  return get64(gsb::id::gpr(n));  // not valid: one GET_STATE
}
Result<void> Vcpu::set_gpr_slow(unsigned n) { return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, n)}; }
Result<uint64_t> Vcpu::sprg(unsigned n) {
  const std::size_t i = kSprg0Dense + (n & 3u);
  if (valid_.test_dense(i)) return slots_[i].w[0];
  return get64(gsb::id::sprg(n & 3u));
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
  NV2_TRY(detail::set_state({hv_, 0, guest_->id(), id_, scratch_, scratch_size_}, ids,
                            [this](gsb::Writer& w, gsb::ElementId id) {
                              return put_words(w, id, slots_[*gsb::dense_index(id)].w);
                            }));
  dirty_ -= ids;
  return {};
}

Result<void> Vcpu::get_state(const IdBitmap& ids) {
  return detail::get_state({hv_, 0, guest_->id(), id_, scratch_, scratch_size_}, ids,
                           gsb::Scope::Thread, [this](const gsb::Element& e) {
                             const std::size_t i = *gsb::dense_index(e.id);
                             take_words(e.type(), e.data, slots_[i].w);
                             valid_.set_dense(i);
                           });
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
  if (guest_->needs_flush()) NV2_TRY(guest_->flush());

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
  //    Tested a word at a time (an IdBitmap temporary stalled on store forwarding).
  uint64_t any_meta = 0;
  for (std::size_t i = 0; i < IdBitmap::kWords; ++i)
    any_meta |= dirty_.words()[i] & kSetStateOnlyIds.words()[i];
  if (any_meta != 0) NV2_TRY(set_state(dirty_ & kSetStateOnlyIds));

  flags = 0;
  if (system_reset_.load(std::memory_order_relaxed) &&
      system_reset_.exchange(false, std::memory_order_acq_rel))
    flags = papr::run_flag::kSystemReset;
  return {};
}

Result<RunExit> Vcpu::run() {
  RunExit exit;
  NV2_TRY(run(exit));
  return exit;
}

[[gnu::always_inline]] inline bool Vcpu::encode_run_input_memo(const Words& sending, std::span<uint8_t> buf) {
  const InputShape& m = in_shape_;
  // The memo's bytes fit: the Writer wrote them into this same buffer.
  if (!m.valid || m.ids != sending || buf.size() < m.bytes) return false;
  uint8_t* const base = buf.data();
  gsb::store_be32(base, m.count);
  for (std::size_t k = 0; k < m.count; ++k) {
    uint8_t* const p = base + m.offset[k];
    std::memcpy(p, &m.header[k], 4);
    const uint64_t v = slots_[m.dense[k]].w[0];
    if (m.be32[k]) gsb::store_be32(p + gsb::kElementHeaderSize, static_cast<uint32_t>(v));
    else gsb::store_be64(p + gsb::kElementHeaderSize, v);
  }
  return true;
}

Result<void> Vcpu::encode_run_input(const Words& sending, uint32_t& count, uint32_t& bytes) {
  const std::span<uint8_t> buf = hv_->memory().span(run_in_.address, run_in_.size);
  InputShape& m = in_shape_;
  gsb::Writer w(buf);
  IdBitmap set;
  for (std::size_t i = 0; i < sending.size(); ++i) set.set_word(i, sending[i]);
  m.valid = true;
  std::size_t k = 0;
  for (auto it = set.begin(); it != set.end(); ++it) {
    const gsb::Type t = gsb::find(*it)->type;
    if (k < InputShape::kMaxElements && (t == gsb::Type::Be64 || t == gsb::Type::Be32)) {
      m.offset[k] = static_cast<uint32_t>(w.size());
      m.dense[k] = static_cast<uint16_t>(it.dense());
      m.be32[k] = t == gsb::Type::Be32;
    } else {
      m.valid = false;
    }
    ++k;
    auto put = put_words(w, *it, slots_[it.dense()].w);
    if (!put) {
      m.valid = false;
      return Unexpected{detail::encode_error(put.error())};  // never ignored (§6)
    }
  }
  count = w.count();
  bytes = static_cast<uint32_t>(w.size());
  if (m.valid) {
    for (std::size_t j = 0; j < count; ++j) std::memcpy(&m.header[j], buf.data() + m.offset[j], 4);
    m.ids = sending;
    m.count = count;
    m.bytes = bytes;
  }
  return {};
}

Result<void> Vcpu::run(RunExit& exit) {
  uint64_t flags = 0;
  // prepare_entry only when it has something to do (the usual entry: nothing guest-wide
  // dirty, no external pending or MER to clear, no registration to send, no reset).
  uint64_t any_meta = 0;
  for (std::size_t i = 0; i < IdBitmap::kWords; ++i)
    any_meta |= dirty_.words()[i] & kSetStateOnlyIds.words()[i];
  if (guest_->needs_flush() || external_pending() || mer_sent_ || any_meta != 0 ||
      system_reset_.load(std::memory_order_relaxed))
    NV2_TRY(prepare_entry(flags));

  // 4. Every other dirty thread-wide element goes into the run input buffer. The sets are
  //    combined a word at a time in registers: IdBitmap temporaries on the stack stalled
  //    on store forwarding (perf, docs/perf/vmm.md).
  Words sending{};
  const Words& dirty = dirty_.words();
  for (std::size_t i = 0; i < sending.size(); ++i) sending[i] = dirty[i] & kRunInputIds.words()[i];
  uint32_t count = 0, bytes = 0;
  input_memo_hit_ = encode_run_input_memo(sending, hv_->memory().span(run_in_.address, run_in_.size));
  if (input_memo_hit_) {
    count = in_shape_.count;
    bytes = in_shape_.bytes;
  } else {
    NV2_TRY(encode_run_input(sending, count, bytes));
  }
  for (std::size_t i = 0; i < sending.size(); ++i) dirty_.set_word(i, dirty[i] & ~sending[i]);

  // Every register set by hand: HcallRegs::make zero-fills all 13 with `rep stos`, whose
  // start-up cost was a quarter of this function's time (perf).
  papr::HcallRegs& regs = run_regs_;
  regs.r[3] = papr::opcode(papr::Hcall::H_GUEST_RUN_VCPU);
  regs.r[4] = flags;
  regs.r[5] = guest_->id();
  regs.r[6] = id_;
  for (std::size_t i = 7; i < regs.r.size(); ++i) regs.r[i] = 0;
  hv_->call(regs, ctr_);
  CounterBlock::add_local(ctr_.runs, 1);
  CounterBlock::add_local(ctr_.elements_sent, count);
  CounterBlock::add_local(ctr_.gsb_bytes_out, bytes);

  exit = RunExit{};
  exit.elements_in = count;
  exit.bytes_in = bytes;
  if (regs.status() != papr::HStatus::Success) {
    IdBitmap sent;
    for (std::size_t i = 0; i < sending.size(); ++i) {
      sent.set_word(i, sending[i]);
      dirty_.set_word(i, dirty[i] | sending[i]);  // not applied: send again next time
    }
    return Unexpected{detail::state_hcall_error(papr::Hcall::H_GUEST_RUN_VCPU, regs, sent)};
  }
  exit.raw_reason = regs.out(0);
  exit.reason = static_cast<papr::ExitReason>(exit.raw_reason);
  ctr_.exit_local(exit.raw_reason);

  // After the run the L0 holds the truth: everything the L2 can change is invalid until
  // the output buffer says otherwise (§6). L1-owned elements stay valid.
  const Words& valid = valid_.words();
  for (std::size_t i = 0; i < valid.size(); ++i) valid_.set_word(i, valid[i] & kL1Owned.words()[i]);
  return parse_output(exit);
}

[[gnu::always_inline]] inline bool Vcpu::parse_output_fast(std::span<const uint8_t> buf, RunExit& exit) {
  // The shape of the previous exit first (a run of hcall exits), then the others.
  const OutputShape* s = &shapes_[last_shape_];
  if (s->reason != exit.raw_reason) {
    s = nullptr;
    for (std::size_t i = 0; i < shapes_.size(); ++i)
      if (shapes_[i].reason == exit.raw_reason) {
        s = &shapes_[i];
        last_shape_ = i;
      }
  }
  if (s == nullptr || buf.size() < s->bytes || gsb::load_be32(buf.data()) != s->count) return false;
  const uint8_t* const base = buf.data();
  const uint32_t n = s->count;
  if (s->all_be64) {
    // One pass: check each header and take its value. A mismatch part-way leaves values in
    // slots that are invalid anyway (run() just invalidated every element that is not
    // L1-owned, and a shape never holds an L1-owned one: remember_shape), so the Reader
    // that takes over sees the same cache as without this pass.
    constexpr std::size_t kStride = gsb::kElementHeaderSize + 8;
    const uint8_t* p = base + gsb::kHeaderSize;
#pragma GCC unroll 4
    for (uint32_t k = 0; k < n; ++k, p += kStride) {
      uint32_t h;
      std::memcpy(&h, p, 4);
      if (h != s->header[k]) return false;
      slots_[s->dense[k]].w[0] = gsb::load_be64(p + gsb::kElementHeaderSize);
    }
  } else {
    uint32_t diff = 0;
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t h;
      std::memcpy(&h, base + s->offset[k], 4);
      diff |= h ^ s->header[k];
    }
    if (diff != 0) return false;
    for (std::size_t k = 0; k < s->count; ++k) {
      const std::size_t d = s->dense[k];
      take_words(kTypeByDense[d], base + s->offset[k] + gsb::kElementHeaderSize, slots_[d].w);
    }
  }
  const Words& valid = valid_.words();
  for (std::size_t i = 0; i < valid.size(); ++i) valid_.set_word(i, valid[i] | s->ids.words()[i]);
  exit.received = s->ids;
  exit.bytes_out = s->bytes;
  CounterBlock::add_local(ctr_.gsb_bytes_in, s->bytes);
  CounterBlock::add_local(ctr_.elements_received, s->count);
  if (dec_queued_ && s->has_dec) {
    if (slots_[kDecDense].w[0] != *dec_queued_) {
      dec_queued_.reset();
      CounterBlock::add_local(ctr_.dec_cancelled, 1);
    }
  }
  return true;
}

void Vcpu::remember_shape(uint64_t reason) {
  const gsb::Reader& r = out_;
  // A shape never holds an L1-owned element: the fast pass may write slots before it finds
  // a mismatch, which must only ever touch slots the exit invalidated.
  if (r.count() > OutputShape::kMaxElements || !(r.ids() & kL1Owned).empty()) return;
  OutputShape* s = nullptr;
  for (OutputShape& c : shapes_)
    if (c.reason == reason) s = &c;
  if (s == nullptr) {
    s = &shapes_[next_shape_];
    next_shape_ = (next_shape_ + 1) % shapes_.size();
  }
  const uint8_t* const base = r.bytes().data();
  std::size_t k = 0;
  s->all_be64 = true;
  for (const gsb::Element& e : r) {
    s->offset[k] = e.offset;
    std::memcpy(&s->header[k], base + e.offset, 4);
    s->dense[k] = static_cast<uint16_t>(*gsb::dense_index(e.id));
    s->all_be64 = s->all_be64 && kTypeByDense[s->dense[k]] == gsb::Type::Be64;
    ++k;
  }
  s->count = r.count();
  s->bytes = static_cast<uint32_t>(r.size());
  s->ids = r.ids();
  s->has_dec = r.contains(gsb::id::kDecExpiry);
  s->reason = reason;
}

Result<void> Vcpu::parse_output(RunExit& exit) {
  const std::span<const uint8_t> buf = hv_->memory().span(run_out_.address, run_out_.size);
  // With something dirty the L1's unsent values win over the output: the general path.
  if (dirty_.empty() && parse_output_fast(buf, exit)) return {};
  return parse_output_slow(buf, exit);
}

// Out of line: its Reader set-up and large frame stay off the fast path (perf).
[[gnu::noinline]] Result<void> Vcpu::parse_output_slow(std::span<const uint8_t> buf, RunExit& exit) {
  gsb::Reader& r = out_;
  auto parsed = r.parse(buf, gsb::Policy::run_output());
  if (!parsed) return Unexpected{detail::decode_error(parsed.error())};
  if (dirty_.empty()) remember_shape(exit.raw_reason);
  // Normally nothing is dirty here (run() just sent it all); if something is, the L1's
  // unsent value wins over the output. Walking the buffer in order measured faster than
  // walking the reader's ID bitmap (docs/perf/l1.md).
  const bool any_dirty = !dirty_.empty();
  const gsb::IdBitmap take = any_dirty ? r.ids() - dirty_ : r.ids();
  for (const gsb::Element& e : r) {
    const std::size_t d = *gsb::dense_index(e.id);
    if (any_dirty && dirty_.test_dense(d)) continue;
    if (kTypeByDense[d] == gsb::Type::Be64) slots_[d].w[0] = gsb::load_be64(e.data);  // usual case
    else take_words(kTypeByDense[d], e.data, slots_[d].w);
  }
  valid_ |= take;
  exit.received = r.ids();
  exit.bytes_out = static_cast<uint32_t>(r.size());
  CounterBlock::add_local(ctr_.gsb_bytes_in, r.size());
  CounterBlock::add_local(ctr_.elements_received, r.count());

  // §6 DEC pitfall. The L0 delivers DEC from DEC expiry itself (§5); what the L1 can get
  // wrong is its own queued DEC (the idle wake-up it armed for an expiry). When the L2
  // has moved its DEC expiry since, that DEC is no longer wanted: cancel it. (The DEC
  // expiry the output buffer brought is valid and clean, so it is never sent back stale.)
  if (dec_queued_ && r.contains(gsb::id::kDecExpiry)) {
    const uint64_t now_expiry = slots_[kDecDense].w[0];
    if (now_expiry != *dec_queued_) {
      dec_queued_.reset();
      CounterBlock::add_local(ctr_.dec_cancelled, 1);
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

}  // namespace nv2::l1
