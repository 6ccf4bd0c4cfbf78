// Test helper: an L1 real memory with hand-built radix trees (Power ISA 3.0B Book III
// §5.7.6). Used by test_radix*.cpp and test_mmu*.cpp; the trees are built entry by entry
// with the format of isa/radix.hpp, so the walk under test never builds its own input.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "isa/state.hpp"
#include "papr/abi.hpp"

namespace nv2::isa::testing {

inline constexpr unsigned kShift4K = 12;
inline constexpr unsigned kShift64K = 16;
inline constexpr unsigned kShift2M = 21;
inline constexpr unsigned kShift1G = 30;
inline constexpr unsigned kShift512G = 39;

// L1 real memory, 4 KiB aligned on the host, zero-filled.
class TestMemory {
 public:
  explicit TestMemory(uint64_t size)
      : size_(size), mem_(static_cast<uint8_t*>(std::aligned_alloc(4096, size)), &std::free) {
    std::memset(mem_.get(), 0, size);
  }
  papr::RealMemory real() const { return {mem_.get(), size_}; }
  uint64_t size() const { return size_; }
  uint64_t load_be64(uint64_t a) const { return real().load_be64(a); }
  void store_be64(uint64_t a, uint64_t v) const { real().store_be64(a, v); }

 private:
  uint64_t size_;
  std::unique_ptr<uint8_t, decltype(&std::free)> mem_;
};

// A radix tree of 52 translated bits: 13 bits at the root, then 9, 9 and 9 (4 KiB leaves)
// or 5 (64 KiB leaves), as Linux builds them. `alloc(bytes)` returns table space addresses
// aligned to their size; `to_l1` turns a table space address into the L1 real address
// where the test writes it (identity for partition-scoped trees, through the L2 -> L1 map
// for process-scoped ones).
class RadixTree {
 public:
  static constexpr unsigned kTreeBits = 52;
  static constexpr unsigned kRootNls = 13;

  RadixTree(const TestMemory& mem, std::function<uint64_t(uint64_t)> alloc,
            std::function<uint64_t(uint64_t)> to_l1)
      : mem_(mem), alloc_(std::move(alloc)), to_l1_(std::move(to_l1)) {
    root_ = alloc_(uint64_t{8} << kRootNls);
  }
  uint64_t root() const { return root_; }

  // Map the page of size 2^page_shift at `addr` to `target` with leaf flags `flags`
  // (EAA, R, C, ATT). Returns the table space address of the leaf.
  uint64_t map(uint64_t addr, uint64_t target, unsigned page_shift, uint64_t flags) {
    uint64_t table = root_;
    unsigned nls = kRootNls;
    unsigned remaining = kTreeBits;
    for (;;) {
      remaining -= nls;
      const uint64_t entry = table + ((addr >> remaining) & ((uint64_t{1} << nls) - 1)) * 8;
      if (remaining == page_shift) {
        write(entry, radix::make_pte(target, flags));
        return entry;
      }
      if (remaining < page_shift) throw std::logic_error("page size does not fit the geometry");
      const unsigned child_nls = page_shift == kShift64K && remaining == kShift2M ? 5 : 9;
      uint64_t e = read(entry);
      if ((e & radix::kValid) == 0) {
        e = radix::make_pde(alloc_(uint64_t{8} << child_nls), child_nls);
        write(entry, e);
      }
      table = e & radix::kNlbMask;
      nls = static_cast<unsigned>(e & radix::kNlsMask);
    }
  }

  // The table space address of the entry at `level` (0 = root) on the path of `addr`,
  // following the existing directories.
  uint64_t entry_at(uint64_t addr, unsigned level) const {
    uint64_t table = root_;
    unsigned nls = kRootNls;
    unsigned remaining = kTreeBits;
    for (unsigned l = 0;; ++l) {
      remaining -= nls;
      const uint64_t entry = table + ((addr >> remaining) & ((uint64_t{1} << nls) - 1)) * 8;
      if (l == level) return entry;
      const uint64_t e = read(entry);
      table = e & radix::kNlbMask;
      nls = static_cast<unsigned>(e & radix::kNlsMask);
    }
  }

  uint64_t read(uint64_t table_addr) const { return mem_.load_be64(to_l1_(table_addr)); }
  void write(uint64_t table_addr, uint64_t v) const { mem_.store_be64(to_l1_(table_addr), v); }

 private:
  const TestMemory& mem_;
  std::function<uint64_t(uint64_t)> alloc_;
  std::function<uint64_t(uint64_t)> to_l1_;
  uint64_t root_ = 0;
};

// A bump allocator that aligns each block to its (power of two) size.
class Bump {
 public:
  Bump(uint64_t start, uint64_t end) : next_(start), end_(end) {}
  uint64_t operator()(uint64_t size) {
    const uint64_t a = (next_ + size - 1) & ~(size - 1);
    if (a + size > end_) throw std::length_error("test table space exhausted");
    next_ = a + size;
    return a;
  }

 private:
  uint64_t next_;
  uint64_t end_;
};

inline constexpr uint64_t kRwx = radix::kEaaRead | radix::kEaaReadWrite | radix::kEaaExecute;
inline constexpr uint64_t kRw = radix::kEaaRead | radix::kEaaReadWrite;

// The standard test layout: 64 MiB of L1 memory.
//   [0, 8 MiB)       partition-scoped tables (L1 real space)
//   [32 MiB, 64 MiB) the L2's memory: L2 real [0, 32 MiB) maps here with 2 MiB pages,
//                    except what a test remaps. Process-scoped tables live in L2 real
//                    [16 MiB, 24 MiB); the process table at L2 real 16 MiB (16 entries).
struct Layout {
  static constexpr uint64_t kL1Size = 64ull << 20;
  static constexpr uint64_t kL2Base = 32ull << 20;  // L1 real of L2 real 0
  static constexpr uint64_t kL2Size = 32ull << 20;
  static constexpr uint64_t kProcessTable = 16ull << 20;  // L2 real
  static constexpr uint64_t kProcessTableSize = 16 * 16;

  TestMemory mem{kL1Size};
  Bump part_alloc{0, 8ull << 20};
  Bump proc_alloc{kProcessTable + 4096, 24ull << 20};
  RadixTree partition{mem, std::ref(part_alloc), [](uint64_t a) { return a; }};
  PartitionConfig config;

  Layout() {
    for (uint64_t a = 0; a < kL2Size; a += uint64_t{1} << kShift2M) {
      partition.map(a, kL2Base + a, kShift2M, kRwx);
    }
    config.partition_table_defined = true;
    config.pt_root = partition.root();
    config.pt_ea_bits = RadixTree::kTreeBits;
    config.pt_root_size = uint64_t{8} << RadixTree::kRootNls;
    config.process_table = kProcessTable;
    config.process_table_size = kProcessTableSize;
  }

  // A process-scoped tree for `pid`, its tables in L2 memory, registered in the process table.
  RadixTree& process(uint32_t pid) {
    auto tree = std::make_unique<RadixTree>(
        mem, std::ref(proc_alloc), [](uint64_t l2) { return kL2Base + l2; });
    mem.store_be64(kL2Base + kProcessTable + 16 * pid,
                   radix::make_table_entry(tree->root(), RadixTree::kTreeBits, RadixTree::kRootNls));
    trees_[pid] = std::move(tree);
    return *trees_[pid];
  }

  MmuContext context(uint64_t msr, uint32_t pidr = 0) const {
    return MmuContext{mem.real(), &config, msr, 0, pidr};
  }

 private:
  std::unique_ptr<RadixTree> trees_[16];
};

}  // namespace nv2::isa::testing
