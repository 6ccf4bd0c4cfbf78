#include "l1/partition_table.hpp"

namespace nv2::l1 {

namespace {
// Entries are published with one atomic 8-byte store (big-endian), so an L0 walking the
// tree on another thread sees either the old (invalid) or the new entry, never a mix.
uint64_t load_entry(const papr::RealMemory& m, uint64_t addr) {
  uint64_t v;
  __atomic_load(reinterpret_cast<const uint64_t*>(m.base() + addr), &v, __ATOMIC_ACQUIRE);
  return __builtin_bswap64(v);
}
void store_entry(const papr::RealMemory& m, uint64_t addr, uint64_t value) {
  uint64_t v = __builtin_bswap64(value);
  __atomic_store(reinterpret_cast<uint64_t*>(m.base() + addr), &v, __ATOMIC_RELEASE);
}
}  // namespace

PartitionScopedTable::PartitionScopedTable(PageAllocator& alloc, RadixPageSize page, uint64_t root)
    : alloc_(&alloc), page_(page), root_(root), tables_bytes_(root_size()) {
  tables_.emplace_back(root, root_size());
}

PartitionScopedTable::PartitionScopedTable(PartitionScopedTable&& o) noexcept
    : alloc_(o.alloc_), page_(o.page_), root_(o.root_), tables_bytes_(o.tables_bytes_),
      tables_(std::move(o.tables_)) {
  o.alloc_ = nullptr;
  o.tables_.clear();
}

PartitionScopedTable::~PartitionScopedTable() {
  if (alloc_ == nullptr) return;
  for (const auto& [addr, bytes] : tables_) alloc_->free(addr, bytes);
}

Result<PartitionScopedTable> PartitionScopedTable::create(PageAllocator& alloc, RadixPageSize page) {
  const uint64_t size = (uint64_t{1} << kRootIndexBits) * 8;
  auto root = alloc.allocate(size, size);  // a directory is aligned to its size (§5.7.10)
  if (!root) return Unexpected{root.error()};
  return PartitionScopedTable(alloc, page, *root);
}

// §8: 52-bit EA; 64 KiB leaves: 13, 9, 9, 5 index bits; 4 KiB leaves: 13, 9, 9, 9.
std::array<unsigned, 4> PartitionScopedTable::level_bits() const {
  return page_ == RadixPageSize::k64K ? std::array<unsigned, 4>{13, 9, 9, 5}
                                      : std::array<unsigned, 4>{13, 9, 9, 9};
}

uint64_t PartitionScopedTable::make_pde(uint64_t next_table, unsigned next_index_bits) {
  return radix::kValid | (next_table & radix::kNlbMask) | (next_index_bits & radix::kNlsMask);
}

uint64_t PartitionScopedTable::make_pte(uint64_t l1_real, Perms perms) {
  // R and C are set up front so the L0 never needs to fault for them (§9.1 left open:
  // whatever policy the L0 picks, a pre-set R/C is valid). ATT 0 = normal memory.
  uint64_t e = radix::kValid | radix::kLeaf | (l1_real & radix::kRpnMask) | radix::kReference;
  if (perms.write) e |= radix::kChange | radix::kReadWrite;
  if (perms.read) e |= radix::kRead;
  if (perms.execute) e |= radix::kExecute;
  return e;
}

Result<uint64_t> PartitionScopedTable::leaf_slot(uint64_t l2_real, bool create) const {
  const auto lv = level_bits();
  const papr::RealMemory& m = alloc_->memory();
  uint64_t table = root_;
  unsigned shift = kEaBits;
  for (unsigned level = 0; level < lv.size(); ++level) {
    shift -= lv[level];
    const uint64_t index = (l2_real >> shift) & ((uint64_t{1} << lv[level]) - 1);
    const uint64_t slot = table + index * 8;
    if (level + 1 == lv.size()) return slot;
    const uint64_t e = load_entry(m, slot);
    if ((e & radix::kValid) != 0) {
      if ((e & radix::kLeaf) != 0) return Unexpected{Error::of(ErrorKind::State, 0, l2_real)};
      table = e & radix::kNlbMask;
      continue;
    }
    if (!create) return Unexpected{Error::of(ErrorKind::BadAddress, 0, l2_real)};
    const unsigned next_bits = lv[level + 1];
    const uint64_t bytes = (uint64_t{1} << next_bits) * 8;
    auto next = alloc_->allocate(bytes, bytes < kPage4K ? kPage4K : bytes);
    if (!next) return Unexpected{next.error()};
    tables_bytes_ += bytes < kPage4K ? kPage4K : bytes;
    tables_.emplace_back(*next, bytes);
    store_entry(m, slot, make_pde(*next, next_bits));
    table = *next;
  }
  return Unexpected{Error::of(ErrorKind::State, 0, l2_real)};  // unreachable: 4 levels
}

Result<void> PartitionScopedTable::map(uint64_t l2_real, uint64_t l1_real, Perms perms) {
  const uint64_t ps = page_size();
  if ((l2_real & (ps - 1)) != 0 || (l1_real & (ps - 1)) != 0 || (l2_real >> kEaBits) != 0 ||
      !alloc_->memory().contains(l1_real, ps))
    return Unexpected{Error::of(ErrorKind::BadAddress, 0, l2_real)};
  std::lock_guard lock(mu_);
  auto slot = leaf_slot(l2_real, true);
  if (!slot) return Unexpected{slot.error()};
  const uint64_t want = make_pte(l1_real, perms);
  const uint64_t old = load_entry(alloc_->memory(), *slot);
  if ((old & radix::kValid) != 0) {
    if (old == want) return {};
    return Unexpected{Error::of(ErrorKind::State, 0, l2_real)};
  }
  store_entry(alloc_->memory(), *slot, want);
  return {};
}

std::optional<uint64_t> PartitionScopedTable::unmap(uint64_t l2_real) {
  std::lock_guard lock(mu_);
  auto slot = leaf_slot(l2_real & ~(page_size() - 1), false);
  if (!slot) return std::nullopt;
  const uint64_t old = load_entry(alloc_->memory(), *slot);
  if ((old & radix::kValid) == 0) return std::nullopt;
  store_entry(alloc_->memory(), *slot, 0);
  return old & radix::kRpnMask & ~(page_size() - 1);
}

uint64_t PartitionScopedTable::leaf_entry(uint64_t l2_real) const {
  if ((l2_real >> kEaBits) != 0) return 0;
  auto slot = leaf_slot(l2_real, false);
  if (!slot) return 0;
  return load_entry(alloc_->memory(), *slot);
}

std::optional<uint64_t> PartitionScopedTable::lookup(uint64_t l2_real) const {
  const uint64_t e = leaf_entry(l2_real);
  if ((e & radix::kValid) == 0 || (e & radix::kLeaf) == 0) return std::nullopt;
  const uint64_t ps = page_size();
  return (e & radix::kRpnMask & ~(ps - 1)) | (l2_real & (ps - 1));
}

}  // namespace nv2::l1
