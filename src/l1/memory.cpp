#include "l1/memory.hpp"

#include <cstring>

namespace nv2::l1 {

namespace {
constexpr uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr uint64_t pow2_ceil(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}
}  // namespace

PageAllocator::PageAllocator(papr::RealMemory mem, uint64_t base, uint64_t size)
    : mem_(mem) {
  const uint64_t end = (size == 0 || base + size > mem.size()) ? mem.size() : base + size;
  base_ = round_up(base, kPage4K);
  limit_ = end & ~(kPage4K - 1);
  if (limit_ < base_) limit_ = base_;
  next_ = base_;
  stats_.bytes_total = limit_ - base_;
}

Result<uint64_t> PageAllocator::allocate(uint64_t bytes, uint64_t align) {
  if (bytes == 0 || bytes > limit_ - base_)
    return Unexpected{Error::of(ErrorKind::OutOfMemory, 0, bytes)};
  const uint64_t size = round_up(bytes, kPage4K);
  if (align == 0) align = pow2_ceil(size) > kPage64K ? kPage64K : pow2_ceil(size);
  if (align < kPage4K || (align & (align - 1)) != 0)
    return Unexpected{Error::of(ErrorKind::InvalidArgument, 0, align)};
  std::lock_guard lock(mu_);
  uint64_t addr = 0;
  bool found = false;
  if (auto it = free_lists_.find(size); it != free_lists_.end()) {
    auto& list = it->second;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] % align == 0) {
        addr = list[i];
        list[i] = list.back();
        list.pop_back();
        found = true;
        break;
      }
    }
  }
  if (!found) {
    const uint64_t a = round_up(next_, align);
    if (a < next_ || a > limit_ || limit_ - a < size)
      return Unexpected{Error::of(ErrorKind::OutOfMemory, 0, bytes)};
    // The gap skipped for alignment is kept as 4 KiB blocks for later small requests.
    for (uint64_t g = next_; g < a; g += kPage4K) free_lists_[kPage4K].push_back(g);
    addr = a;
    next_ = a + size;
  }
  std::memset(mem_.base() + addr, 0, size);
  stats_.bytes_in_use += size;
  if (stats_.bytes_in_use > stats_.bytes_peak) stats_.bytes_peak = stats_.bytes_in_use;
  ++stats_.allocations;
  return addr;
}

void PageAllocator::free(uint64_t addr, uint64_t bytes) {
  const uint64_t size = round_up(bytes, kPage4K);
  if (bytes == 0 || addr < base_ || addr >= limit_ || limit_ - addr < size) return;
  std::lock_guard lock(mu_);
  free_lists_[size].push_back(addr);
  stats_.bytes_in_use -= size <= stats_.bytes_in_use ? size : stats_.bytes_in_use;
  ++stats_.frees;
}

MemoryStats PageAllocator::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace nv2::l1
