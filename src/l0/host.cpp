// Host, Partition plumbing, the hcall entry and the one finish() (host.hpp, dispatch.hpp).
#include "l0/host.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "l0/dispatch.hpp"
#include "l0/guest.hpp"

namespace nv2::l0 {

// ---- Accounting ---------------------------------------------------------------------

bool Accounting::try_charge_heap(uint64_t bytes) {
  uint64_t cur = heap_in_use_.load(std::memory_order_relaxed);
  do {
    if (bytes > heap_max_ || cur > heap_max_ - bytes) return false;
  } while (!heap_in_use_.compare_exchange_weak(cur, cur + bytes, std::memory_order_relaxed));
  return true;
}
void Accounting::release_heap(uint64_t bytes) {
  heap_in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}
void Accounting::charge_pgtable(uint64_t bytes) {
  pgtable_in_use_.fetch_add(bytes, std::memory_order_relaxed);
}
void Accounting::reclaim_pgtable(uint64_t bytes) {
  pgtable_in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  pgtable_reclaimed_.fetch_add(bytes, std::memory_order_relaxed);
}

// ---- Host ---------------------------------------------------------------------------

namespace {
HostConfig sanitize(HostConfig cfg) {
  // Only the processor modes are offered: COPY_MEM has no semantics here (§3) and no
  // second bitmap is defined.
  cfg.capabilities &= papr::cap::kAllModes;
  return cfg;
}
}  // namespace

Host::Host(HostConfig cfg)
    : cfg_(sanitize(cfg)),
      timebase_(cfg.timebase_mode, cfg.ticks_per_instruction),
      accounting_(cfg.guest_heap_max, cfg.guest_pgtable_max) {}

Host::~Host() = default;

Partition& Host::create_partition(uint64_t memory_bytes) {
  auto p = std::make_unique<Partition>(*this, memory_bytes);
  std::lock_guard lk(partitions_mu_);
  partitions_.push_back(std::move(p));
  return *partitions_.back();
}

// ---- Partition ----------------------------------------------------------------------

Partition::Partition(Host& host, uint64_t memory_bytes) : host_(host), size_(memory_bytes) {
  if (memory_bytes == 0) throw std::system_error(EINVAL, std::generic_category(), "L1 memory size 0");
  void* m = mmap(nullptr, static_cast<std::size_t>(memory_bytes), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap L1 memory");
  base_ = static_cast<uint8_t*>(m);
}

Partition::~Partition() {
  {
    // Stop anything still running before the memory goes away.
    std::unique_lock lk(guests_mu_);
    for (auto& [id, g] : guests_) {
      g->deleted.store(true);
      g->stop_all_vcpus(false);
    }
    guests_.clear();
    for (auto& s : slots_) {
      s.live.store(nullptr);
      s.retired.reset();
    }
  }
  munmap(base_, static_cast<std::size_t>(size_));
}

void finish(papr::HcallRegs& regs, const HcallResult& result) {
  regs.r[3] = papr::to_abi(result.status);
  // Two explicit stores: a loop here compiles to `rep movsq`, whose start-up cost is most of
  // a trivial hcall (docs/perf/l0.md).
  if (result.outputs > 0) regs.r[4] = result.out[0];
  if (result.outputs > 1) regs.r[5] = result.out[1];
}

void Partition::hcall(papr::HcallRegs& regs) {
  const auto h = handler_for(regs.opcode());
  finish(regs, h ? (this->**h)(regs) : HcallResult::error(papr::HStatus::Function));
}

std::shared_ptr<Guest> Partition::find_guest(uint64_t guest_id) const {
  std::shared_lock lk(guests_mu_);
  const auto it = guests_.find(guest_id);
  return it == guests_.end() ? nullptr : it->second;
}

void Partition::release_slot(GuestSlot& s) {
  if (s.runs.fetch_sub(1) != 1 || s.live.load() != nullptr) return;
  // The last run out of a deleted (or never created) guest's slot: drop a parked reference.
  // A run that starts later reads `live` null and never sees the guest.
  std::unique_lock lk(guests_mu_);
  if (s.runs.load() == 0) s.retired.reset();
}

std::size_t Partition::guest_count() const {
  std::shared_lock lk(guests_mu_);
  return guests_.size();
}

uint64_t Partition::negotiated_capabilities() const {
  std::lock_guard lk(caps_mu_);
  return capabilities_set_ ? capabilities_ : 0;
}

papr::HStatus Partition::request_stop(uint64_t guest_id, uint64_t vcpu_id) {
  const auto g = find_guest(guest_id);
  if (!g) return papr::HStatus::P2;
  const auto v = g->find_vcpu(vcpu_id);
  if (!v) return papr::HStatus::P3;
  v->kick.store(true);
  v->request_stop();
  return papr::HStatus::Success;
}

PartitionSnapshot Partition::snapshot() const {
  PartitionSnapshot s;
  {
    std::lock_guard lk(caps_mu_);
    s.capabilities_set = capabilities_set_;
    s.capabilities = capabilities_;
    s.pending_creates = pending_creates_.size();
  }
  std::vector<std::shared_ptr<Guest>> guests;
  {
    std::shared_lock lk(guests_mu_);
    s.next_guest_id = next_guest_id_;
    for (const auto& [id, g] : guests_) guests.push_back(g);
  }
  std::sort(guests.begin(), guests.end(),
            [](const auto& a, const auto& b) { return a->id() < b->id(); });
  for (const auto& g : guests) {
    GuestSnapshot gs;
    gs.id = g->id();
    std::vector<std::shared_ptr<Vcpu>> vcpus;
    {
      std::lock_guard lk(g->mu);
      gs.config = g->config;
      for (const auto& [id, v] : g->vcpus) vcpus.push_back(v);
    }
    for (const auto& v : vcpus) {
      std::lock_guard lk(v->run_mu());  // a consistent picture: waits for a running vCPU
      gs.vcpus.push_back({v->id(), v->state(), v->reg.run_input, v->reg.run_output, v->reg.vpa});
    }
    s.guests.push_back(std::move(gs));
  }
  s.heap_in_use = host_.accounting().heap_in_use();
  return s;
}

// ---- Vcpu ---------------------------------------------------------------------------

Vcpu::Vcpu(uint64_t id, Accounting& acct, bool translate) : id_(id), acct_(acct), translate_(translate) {
  if (!acct_.try_charge_heap(sizeof(isa::Cpu))) throw std::bad_alloc();
}

Vcpu::~Vcpu() { acct_.release_heap(sizeof(isa::Cpu)); }

isa::Cpu& Vcpu::engine() {
  if (!cpu_) {
    cpu_ = std::make_unique<isa::Cpu>();
    cpu_->set_jit(translate_);
    cpu_->state() = staged_;
    published_.store(cpu_.get());
    // A stop asked for while there was no engine: the requester either saw the engine
    // (and stopped it) or left this flag for us.
    if (stop_pending_.exchange(false)) cpu_->request_stop();
  }
  return *cpu_;
}

GsbCopy& Vcpu::run_copy() {
  if (!run_copy_) run_copy_ = std::make_unique<GsbCopy>();
  return *run_copy_;
}

void Vcpu::request_stop() {
  stop_pending_.store(true);
  if (isa::Cpu* c = published_.load()) c->request_stop();
}

// ---- Guest --------------------------------------------------------------------------

std::shared_ptr<Vcpu> Guest::find_vcpu(uint64_t vcpu_id) const {
  std::lock_guard lk(mu);
  const auto it = vcpus.find(vcpu_id);
  return it == vcpus.end() ? nullptr : it->second;
}

Vcpu* Guest::vcpu_for_run(uint64_t vcpu_id) const {
  if (vcpu_id < kDirectVcpus) return direct_[vcpu_id].load(std::memory_order_acquire);
  std::lock_guard lk(mu);
  const auto it = vcpus.find(vcpu_id);
  return it == vcpus.end() ? nullptr : it->second.get();
}

void Guest::publish_vcpu(uint64_t vcpu_id, Vcpu* v) {
  if (vcpu_id < kDirectVcpus) direct_[vcpu_id].store(v, std::memory_order_release);
}

void Guest::stop_all_vcpus(bool internal) {
  std::lock_guard lk(mu);
  for (auto& [id, v] : vcpus) {
    if (internal) v->internal_stop.store(true);
    v->request_stop();
  }
}

}  // namespace nv2::l0
