#include "l1/guest.hpp"

#include <algorithm>
#include <cstring>

#include "l1/state_io.hpp"
#include "l1/vcpu.hpp"

namespace nv2::l1 {

namespace {
constexpr uint64_t kScratchBytes = kPage4K;  // guest-wide elements take < 100 bytes
// Every readable guest-wide ID: the largest GET a guest makes fits the scratch page.
static_assert(gsb::wire_size(gsb::IdBitmap::of([](const gsb::ElementDesc& d) {
                return d.scope == gsb::Scope::Guest;
              })) <= kScratchBytes);
constexpr uint64_t kNoVcpu = 0;
}  // namespace

Guest::Guest(Hypervisor& hv, GuestConfig cfg, uint64_t id, PartitionScopedTable table,
             uint64_t scratch)
    : hv_(&hv), cfg_(cfg), id_(id), table_(std::move(table)), scratch_(scratch) {}

Result<std::unique_ptr<Guest>> Guest::create(Hypervisor& hv, GuestConfig cfg) {
  const uint32_t pvr = cfg.logical_pvr != 0 ? cfg.logical_pvr : hv.logical_pvr();
  auto table = PartitionScopedTable::create(hv.allocator(), cfg.page);
  if (!table) return Unexpected{table.error()};
  auto scratch = hv.allocator().allocate(kScratchBytes);
  if (!scratch) return Unexpected{scratch.error()};
  auto id = hv.backend().create_guest();
  if (!id) {
    hv.allocator().free(*scratch, kScratchBytes);
    return Unexpected{id.error()};
  }
  std::unique_ptr<Guest> g(new Guest(hv, cfg, *id, std::move(*table), *scratch));
  // The guest-wide set-up travels in one SET_STATE (§1 flow): logical PVR (never 0),
  // partition table, TB offset. A failure deletes the guest (the destructor).
  NV2_TRY(g->set_logical_pvr(pvr));
  NV2_TRY(g->set(gsb::id::kPartitionTable,
                 gsb::PartitionTableInfo{g->table_.root(), g->table_.ea_bits(),
                                         g->table_.root_size()}));
  NV2_TRY(g->set_tb_offset(cfg.tb_offset));
  NV2_TRY(g->flush());
  return g;
}

Guest::~Guest() {
  vcpus_.clear();
  (void)hv_->backend().delete_guest(id_);  // nothing to report to from a destructor
  for (uint64_t p : backing_) hv_->allocator().free(p, table_.page_size());
  hv_->allocator().free(scratch_, kScratchBytes);
}

// ---- Guest-wide cache ------------------------------------------------------------------

Result<gsb::Value> Guest::get(gsb::ElementId id) {
  const gsb::ElementDesc* d = gsb::find(id);
  if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
  if (d->scope == gsb::Scope::Host) return get_host_wide(id);
  if (d->scope != gsb::Scope::Guest) return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
  std::lock_guard lock(mu_);
  const std::size_t i = *gsb::dense_index(id);
  if (!valid_.test_dense(i)) {
    if (!d->readable()) return Unexpected{Error::of(ErrorKind::NotReadable, id)};
    NV2_TRY(fetch_locked(gsb::IdBitmap{id}));
  }
  return values_[i];
}

Result<gsb::Value> Guest::get_host_wide(gsb::ElementId id) {
  // Host-wide elements describe the L0's current usage: never cached, always fetched
  // (flags: host-wide; guest and vCPU ignored, §3).
  std::lock_guard lock(mu_);
  gsb::Value v = uint64_t{0};
  NV2_TRY(detail::get_state({hv_, papr::state_flag::kHostWide, 0, 0, scratch_, kScratchBytes},
                            gsb::IdBitmap{id}, gsb::Scope::Host,
                            [&v](const gsb::Element& e) { v = e.value(); }));
  return v;
}

Result<void> Guest::set(gsb::ElementId id, const gsb::Value& v) {
  const gsb::ElementDesc* d = gsb::find(id);
  if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
  if (d->scope != gsb::Scope::Guest) {
    if (d->scope == gsb::Scope::Host) return Unexpected{Error::of(ErrorKind::NotWritable, id)};
    return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
  }
  if (!d->writable()) return Unexpected{Error::of(ErrorKind::NotWritable, id)};
  if (gsb::type_of(v) != d->type) return Unexpected{Error::of(ErrorKind::InvalidValue, id)};
  // §6 pitfall: a logical PVR of 0 is refused here, so it can never be sent.
  if (d->rule == gsb::ValueRule::LogicalPvr && std::get<uint32_t>(v) == 0)
    return Unexpected{Error::of(ErrorKind::InvalidValue, id)};
  std::lock_guard lock(mu_);
  const std::size_t i = *gsb::dense_index(id);
  values_[i] = v;
  valid_.set_dense(i);
  dirty_.set_dense(i);
  wide_dirty_.store(true, std::memory_order_release);
  return {};
}

Result<void> Guest::fetch(std::span<const gsb::ElementId> ids) {
  gsb::IdBitmap want;
  for (gsb::ElementId id : ids) {
    const gsb::ElementDesc* d = gsb::find(id);
    if (d == nullptr) return Unexpected{Error::of(ErrorKind::UnknownElement, id)};
    if (d->scope != gsb::Scope::Guest) return Unexpected{Error::of(ErrorKind::InvalidArgument, id)};
    want.set(id);
  }
  std::lock_guard lock(mu_);
  want -= valid_;
  if (want.empty()) return {};
  return fetch_locked(want);
}

Result<void> Guest::flush() {
  if (!wide_dirty_.load(std::memory_order_acquire)) return {};
  std::lock_guard lock(mu_);
  if (dirty_.empty()) return {};
  NV2_TRY(set_state_locked(dirty_));
  dirty_.clear_all();
  wide_dirty_.store(false, std::memory_order_release);
  return {};
}

Result<void> Guest::set_state_locked(const gsb::IdBitmap& ids) {
  return detail::set_state({hv_, papr::state_flag::kGuestWide, id_, kNoVcpu, scratch_, kScratchBytes},
                           ids, [this](gsb::Writer& w, gsb::ElementId id) {
                             return w.put(id, values_[*gsb::dense_index(id)]);
                           });
}

Result<void> Guest::fetch_locked(const gsb::IdBitmap& ids) {
  return detail::get_state({hv_, papr::state_flag::kGuestWide, id_, kNoVcpu, scratch_, kScratchBytes},
                           ids, gsb::Scope::Guest, [this](const gsb::Element& e) {
                             const std::size_t i = *gsb::dense_index(e.id);
                             values_[i] = e.value();
                             valid_.set_dense(i);
                           });
}

Result<uint32_t> Guest::logical_pvr() {
  auto v = get(gsb::id::kLogicalPvr);
  if (!v) return Unexpected{v.error()};
  return std::get<uint32_t>(*v);
}
Result<void> Guest::set_logical_pvr(uint32_t pvr) { return set(gsb::id::kLogicalPvr, pvr); }
Result<uint64_t> Guest::tb_offset() {
  auto v = get(gsb::id::kTbOffset);
  if (!v) return Unexpected{v.error()};
  return std::get<uint64_t>(*v);
}
Result<void> Guest::set_tb_offset(uint64_t off) { return set(gsb::id::kTbOffset, off); }
Result<gsb::ProcessTableInfo> Guest::process_table() {
  auto v = get(gsb::id::kProcessTable);
  if (!v) return Unexpected{v.error()};
  return std::get<gsb::ProcessTableInfo>(*v);
}
Result<void> Guest::set_process_table(uint64_t address, uint64_t size) {
  return set(gsb::id::kProcessTable, gsb::ProcessTableInfo{address, size});
}

// ---- vCPUs -----------------------------------------------------------------------------

Result<Vcpu*> Guest::create_vcpu(uint32_t vcpu_id) {
  {
    std::lock_guard lock(mu_);
    for (const auto& v : vcpus_)
      if (v->id() == vcpu_id) return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, vcpu_id)};
  }
  NV2_TRY(hv_->backend().create_vcpu(id_, vcpu_id));
  PageAllocator& a = hv_->allocator();
  // Run buffers hold every element that may ride in them; the scratch buffer every
  // thread-wide element (docs/decisions/l1.md: no GET of 0x0002 needed).
  constexpr uint64_t kIn = kPage4K, kOut = kPage4K, kScratch = kPage4K;
  static_assert(gsb::wire_size(gsb::IdBitmap::of([](const gsb::ElementDesc& d) {
                  return d.run_input;
                })) <= kIn);
  static_assert(gsb::wire_size(gsb::IdBitmap::of([](const gsb::ElementDesc& d) {
                  return d.scope == gsb::Scope::Thread && d.readable();
                })) <= kOut);
  static_assert(gsb::wire_size(gsb::IdBitmap::of([](const gsb::ElementDesc& d) {
                  return d.scope == gsb::Scope::Thread;
                })) <= kScratch);
  auto in = a.allocate(kIn);
  auto out = a.allocate(kOut);
  auto scratch = a.allocate(kScratch);
  if (!in || !out || !scratch) {
    if (in) a.free(*in, kIn);
    if (out) a.free(*out, kOut);
    if (scratch) a.free(*scratch, kScratch);
    return Unexpected{Error::of(ErrorKind::OutOfMemory, 0, kIn + kOut + kScratch)};
  }
  std::unique_ptr<Vcpu> v(new Vcpu(*this, vcpu_id, {*in, kIn}, {*out, kOut}, *scratch, kScratch));
  // Register the run buffers now (one SET_STATE; never in a run input buffer, §6) so a
  // bad buffer shows up at creation rather than at the first run.
  NV2_TRY(v->set(gsb::id::kRunInput, gsb::BufferInfo{*in, kIn}));
  NV2_TRY(v->set(gsb::id::kRunOutput, gsb::BufferInfo{*out, kOut}));
  NV2_TRY(v->set_state(gsb::IdBitmap{gsb::id::kRunInput, gsb::id::kRunOutput}));
  Vcpu* raw = v.get();
  std::lock_guard lock(mu_);
  vcpus_.push_back(std::move(v));
  return raw;
}

Vcpu* Guest::vcpu(uint32_t vcpu_id) {
  std::lock_guard lock(mu_);
  for (const auto& v : vcpus_)
    if (v->id() == vcpu_id) return v.get();
  return nullptr;
}

std::size_t Guest::vcpu_count() const {
  std::lock_guard lock(mu_);
  return vcpus_.size();
}

// ---- L2 memory -------------------------------------------------------------------------

Result<void> Guest::add_mmio(uint64_t base, uint64_t size, MmioDevice& dev) {
  if (size == 0 || base + size < base || base < cfg_.ram_size)
    return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, base)};
  std::lock_guard lock(mu_);
  for (const auto& r : mmio_)
    if (base < r.base + r.size && r.base < base + size)
      return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, base)};
  mmio_.push_back({base, size, &dev});
  return {};
}

const MmioRegion* Guest::find_mmio(uint64_t l2_real) const {
  std::lock_guard lock(mu_);
  for (const auto& r : mmio_)
    if (r.contains(l2_real)) return &r;
  return nullptr;
}

Result<uint64_t> Guest::map_page(uint64_t l2_real) {
  if (!is_ram(l2_real)) return Unexpected{Error::of(ErrorKind::BadAddress, 0, l2_real)};
  const uint64_t ps = table_.page_size();
  const uint64_t page = l2_real & ~(ps - 1);
  std::lock_guard lock(map_mu_);
  if (auto hit = table_.lookup(l2_real)) return *hit;
  auto l1 = hv_->allocator().allocate(ps, ps);
  if (!l1) return Unexpected{l1.error()};
  auto mapped = table_.map(page, *l1);
  if (!mapped) {
    hv_->allocator().free(*l1, ps);
    return Unexpected{mapped.error()};
  }
  backing_.push_back(*l1);
  hv_->counters().bump(hv_->counters().pages_mapped);
  return *l1 + (l2_real - page);
}

Result<void> Guest::write(uint64_t l2_real, std::span<const uint8_t> data) {
  const uint64_t ps = table_.page_size();
  uint64_t done = 0;
  while (done < data.size()) {
    const uint64_t addr = l2_real + done;
    const uint64_t chunk = std::min<uint64_t>(data.size() - done, ps - (addr & (ps - 1)));
    auto l1 = map_page(addr);
    if (!l1) return Unexpected{l1.error()};
    std::memcpy(hv_->memory().base() + *l1, data.data() + done, chunk);
    done += chunk;
  }
  return {};
}

Result<void> Guest::read(uint64_t l2_real, std::span<uint8_t> out) {
  const uint64_t ps = table_.page_size();
  uint64_t done = 0;
  while (done < out.size()) {
    const uint64_t addr = l2_real + done;
    if (!is_ram(addr)) return Unexpected{Error::of(ErrorKind::BadAddress, 0, addr)};
    const uint64_t chunk = std::min<uint64_t>(out.size() - done, ps - (addr & (ps - 1)));
    if (auto l1 = table_.lookup(addr))
      std::memcpy(out.data() + done, hv_->memory().base() + *l1, chunk);
    else
      std::memset(out.data() + done, 0, chunk);
    done += chunk;
  }
  return {};
}

Result<void> Guest::invalidate_translations() {
  // §8 nv2 decision: any SET of 0x0005 flushes the L0's cached translations.
  NV2_TRY(set(gsb::id::kPartitionTable,
              gsb::PartitionTableInfo{table_.root(), table_.ea_bits(), table_.root_size()}));
  return flush();
}

uint64_t Guest::pages_mapped() const {
  std::lock_guard lock(map_mu_);
  return backing_.size();
}

}  // namespace nv2::l1
