// A page allocator over L1 real memory (issue 5 item 2/4).
//
// The L1 places everything the L0 reads by L1 real address here: GSBs, run buffers, the
// partition-scoped radix tables and the pages that back L2 memory. Allocations are
// naturally aligned blocks of 4 KiB pages (a 64 KiB L2 page is 16 of them, 64 KiB aligned);
// freed blocks are reused by size. Thread-safe: vCPU threads fault L2 pages concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "l1/error.hpp"
#include "papr/abi.hpp"

namespace nv2::l1 {

inline constexpr uint64_t kPage4K = 4096;
inline constexpr uint64_t kPage64K = 65536;

struct MemoryStats {
  uint64_t bytes_total = 0;   // size of the managed region
  uint64_t bytes_in_use = 0;  // allocated and not freed
  uint64_t bytes_peak = 0;
  uint64_t allocations = 0;   // successful allocate() calls
  uint64_t frees = 0;
};

class PageAllocator {
 public:
  // Manage [base, base + size) of `mem`; base and size are rounded inwards to 4 KiB.
  PageAllocator(papr::RealMemory mem, uint64_t base, uint64_t size);

  // A zeroed block of `bytes` (rounded up to 4 KiB), aligned to `align` (a power of two
  // >= 4 KiB; 0 means the block's own size rounded up to a power of two, capped at 64 KiB).
  Result<uint64_t> allocate(uint64_t bytes, uint64_t align = 0);
  // Return a block allocate() gave (same byte count). Unknown blocks are ignored.
  void free(uint64_t addr, uint64_t bytes);

  MemoryStats stats() const;
  const papr::RealMemory& memory() const { return mem_; }

 private:
  papr::RealMemory mem_;
  uint64_t base_;
  uint64_t limit_;
  mutable std::mutex mu_;
  uint64_t next_;                                         // bump pointer
  std::map<uint64_t, std::vector<uint64_t>> free_lists_;  // rounded size → free addrs
  MemoryStats stats_{};
};

}  // namespace nv2::l1
