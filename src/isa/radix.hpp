// Radix tree formats (Power ISA 3.0B Book III §5.7.6 "Radix Tree Translation", §5.7.10
// "Storage Protection"; papr-nestedv2.md §8). Entries are big-endian doublewords in memory.
//
// Every mask is written by its book bit number and checked against the value Linux uses in
// arch/powerpc/include/asm/book3s/64/pgtable.h (_PAGE_*) and radix.h (RPN, NLB, NLS) — the
// static_asserts pin them (docs/decisions/isa-system.md, "PTE masks verified").
#pragma once

#include <cstdint>

#include "util/bits.hpp"

namespace nv2::isa::radix {

using bits::bit;
using bits::field_mask;

// Any radix tree entry (§5.7.10.1).
inline constexpr uint64_t kValid = bit(0);  // Linux _PAGE_PRESENT
inline constexpr uint64_t kLeaf = bit(1);   // Linux _PAGE_PTE
// Non-leaf (page directory) entry.
inline constexpr uint64_t kNlbMask = field_mask(4, 55);   // next level base (real address)
inline constexpr uint64_t kNlsMask = field_mask(59, 63);  // log2(entries of the next level)
// Leaf (PTE).
inline constexpr uint64_t kRpnMask = field_mask(7, 51);   // real page number, 4 KiB units
inline constexpr uint64_t kReference = bit(55);           // R, Linux _PAGE_ACCESSED
inline constexpr uint64_t kChange = bit(56);              // C, Linux _PAGE_DIRTY
inline constexpr uint64_t kAttMask = field_mask(58, 59);  // storage attributes
inline constexpr uint64_t kAttNonIdempotent = bit(58);    // ATT 0b10: I/O, guarded
inline constexpr uint64_t kAttTolerant = bit(58) | bit(59);  // ATT 0b11: I/O, not guarded
// Encoded access authority, bits 60:63 (§5.7.10.2).
inline constexpr uint64_t kEaaPrivileged = bit(60);  // process-scoped: privileged access only
inline constexpr uint64_t kEaaRead = bit(61);
inline constexpr uint64_t kEaaReadWrite = bit(62);   // read and write
inline constexpr uint64_t kEaaExecute = bit(63);

static_assert(kValid == 0x8000000000000000ull && kLeaf == 0x4000000000000000ull);
static_assert(kNlbMask == 0x0FFFFFFFFFFFFF00ull && kNlsMask == 0x1F);
static_assert(kRpnMask == 0x01FFFFFFFFFFF000ull);
static_assert(kReference == 0x100 && kChange == 0x80 && kAttMask == 0x30 &&
              kAttNonIdempotent == 0x20 && kAttTolerant == 0x30);
static_assert(kEaaPrivileged == 0x8 && kEaaRead == 0x4 && kEaaReadWrite == 0x2 &&
              kEaaExecute == 0x1);

// Process table entry doubleword 0 (§5.7.6.2), the same layout as partition table entry
// doubleword 0 without HR: RTS1 bits 1:2, RPDB bits 4:55, RTS2 bits 56:58, RPDS 59:63.
// The tree translates RTS + 31 address bits.
inline constexpr uint64_t kRpdbMask = field_mask(4, 55);
inline constexpr unsigned rts(uint64_t entry) {
  return static_cast<unsigned>((bits::extract(entry, 1, 2) << 3) | bits::extract(entry, 56, 58));
}
inline constexpr unsigned rpds(uint64_t entry) {
  return static_cast<unsigned>(bits::extract(entry, 59, 63));
}
// Size in bytes of one process table entry (papr-nestedv2.md §8: entry for PID p at 16*p).
inline constexpr uint64_t kProcessTableEntrySize = 16;

// Builders, for L1 code and tests that lay out tables.
inline constexpr uint64_t make_pde(uint64_t next_level_base, unsigned nls) {
  return kValid | (next_level_base & kNlbMask) | (nls & kNlsMask);
}
inline constexpr uint64_t make_pte(uint64_t real_page, uint64_t flags) {
  return kValid | kLeaf | (real_page & kRpnMask) | flags;
}
inline constexpr uint64_t make_table_entry(uint64_t root, unsigned ea_bits, unsigned root_nls) {
  const uint64_t r = ea_bits - 31;
  return bits::insert(bits::insert(0, 1, 2, r >> 3), 56, 58, r & 7) | (root & kRpdbMask) |
         (root_nls & kNlsMask);
}
static_assert(rts(make_table_entry(0x10000, 52, 13)) == 21);
static_assert(rpds(make_table_entry(0x10000, 52, 13)) == 13);
static_assert((make_table_entry(0x10000, 52, 13) & kRpdbMask) == 0x10000);

}  // namespace nv2::isa::radix
