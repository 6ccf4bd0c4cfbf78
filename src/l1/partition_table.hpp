// The partition-scoped radix table the L1 keeps for one L2 (papr-nestedv2.md §8;
// Power ISA 3.0B Book III §5.7.7 "Radix Tree Translation").
//
// It lives in L1 real memory and is what the L0's MMU walks to turn an L2 real address
// into an L1 real address. 52-bit L2 real space; the leaf page size is 64 KiB (levels of
// 13, 9, 9, 5 index bits) or 4 KiB (13, 9, 9, 9). Every entry is a big-endian doubleword.
// Entries only ever go from invalid to valid during a mapping, so the L0 can walk the
// tree while another vCPU thread maps (each entry is published by one 8-byte store after
// the table it points to is zeroed).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "l1/error.hpp"
#include "l1/memory.hpp"
#include "util/bits.hpp"

namespace nv2::l1 {

// Radix tree entry fields (ISA 3.0B Book III §5.7.10.2, MSB-0 bit numbers).
namespace radix {
inline constexpr uint64_t kValid = bits::bit(0);             // V
inline constexpr uint64_t kLeaf = bits::bit(1);              // L
inline constexpr uint64_t kNlbMask = bits::field_mask(4, 55);  // next level base (PDE)
inline constexpr uint64_t kNlsMask = bits::field_mask(59, 63); // log2(entries) (PDE)
inline constexpr uint64_t kRpnMask = bits::field_mask(7, 51);  // real page number (PTE)
inline constexpr uint64_t kReference = bits::bit(55);        // R
inline constexpr uint64_t kChange = bits::bit(56);           // C
inline constexpr uint64_t kAttMask = bits::field_mask(58, 59); // ATT (0: normal memory)
inline constexpr uint64_t kPrivileged = bits::bit(60);       // EAA privilege
inline constexpr uint64_t kRead = bits::bit(61);             // EAA read
inline constexpr uint64_t kReadWrite = bits::bit(62);        // EAA read/write
inline constexpr uint64_t kExecute = bits::bit(63);          // EAA execute
static_assert(kValid == 0x8000000000000000ull && kLeaf == 0x4000000000000000ull);
static_assert(kNlbMask == 0x0FFFFFFFFFFFFF00ull && kNlsMask == 0x1Full);
static_assert(kRpnMask == 0x01FFFFFFFFFFF000ull);
static_assert(kReference == 0x100 && kChange == 0x80 && kAttMask == 0x30);
static_assert(kPrivileged == 0x8 && kRead == 0x4 && kReadWrite == 0x2 && kExecute == 0x1);
}  // namespace radix

// Access rights of a partition-scoped mapping (EAA bits of the leaf).
struct Perms {
  bool read = true;
  bool write = true;
  bool execute = true;
};

enum class RadixPageSize : uint8_t { k4K, k64K };

class PartitionScopedTable {
 public:
  static constexpr unsigned kEaBits = 52;
  static constexpr unsigned kRootIndexBits = 13;

  // Allocates the root directory (2^13 entries = 64 KiB) from `alloc`.
  static Result<PartitionScopedTable> create(PageAllocator& alloc,
                                             RadixPageSize page = RadixPageSize::k64K);

  PartitionScopedTable(PartitionScopedTable&& o) noexcept;
  PartitionScopedTable& operator=(PartitionScopedTable&&) = delete;
  ~PartitionScopedTable();  // returns its directories to the allocator

  // Element 0x0005 values (§4 partition table: root address, EA bits, root size in bytes).
  uint64_t root() const { return root_; }
  uint64_t ea_bits() const { return kEaBits; }
  uint64_t root_size() const { return (uint64_t{1} << kRootIndexBits) * 8; }
  uint64_t page_size() const { return page_ == RadixPageSize::k64K ? kPage64K : kPage4K; }
  RadixPageSize page_kind() const { return page_; }

  // Map the page at `l2_real` to the L1 page at `l1_real` (both page aligned). Mapping
  // an already-mapped page to a different target returns State: the L1 must unmap and
  // invalidate first (§8). Mapping it to the same target again is a no-op.
  Result<void> map(uint64_t l2_real, uint64_t l1_real, Perms perms = {});
  // Remove the mapping; returns the L1 page it pointed to, if any. The caller invalidates
  // the L0's cached translations (re-SET of 0x0005 or H_RPT_INVALIDATE, §8).
  std::optional<uint64_t> unmap(uint64_t l2_real);
  // The L1 real address `l2_real` maps to (offset within the page kept), if mapped.
  std::optional<uint64_t> lookup(uint64_t l2_real) const;
  // The raw leaf entry (host order) for `l2_real`, 0 when none: for tests and tools.
  uint64_t leaf_entry(uint64_t l2_real) const;

  // The leaf and directory entry encodings (host order; stored big-endian).
  static uint64_t make_pte(uint64_t l1_real, Perms perms);
  static uint64_t make_pde(uint64_t next_table, unsigned next_index_bits);

  uint64_t tables_bytes() const { return tables_bytes_; }

 private:
  PartitionScopedTable(PageAllocator& alloc, RadixPageSize page, uint64_t root);
  std::array<unsigned, 4> level_bits() const;
  // L1 real address of the leaf entry for l2_real; allocate directories when `create`.
  Result<uint64_t> leaf_slot(uint64_t l2_real, bool create) const;

  PageAllocator* alloc_;
  RadixPageSize page_;
  uint64_t root_;
  mutable uint64_t tables_bytes_ = 0;
  mutable std::vector<std::pair<uint64_t, uint64_t>> tables_;  // (address, bytes) allocated
  mutable std::mutex mu_;
};

}  // namespace nv2::l1
