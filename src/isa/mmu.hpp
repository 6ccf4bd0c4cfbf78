// Radix MMU (Power ISA 3.0B Book III §5.7; papr-nestedv2.md §8).
//
// L2 effective address --process-scoped walk--> L2 real address --partition-scoped
// walk--> L1 real address. Page tables of the first walk live in L2 memory, of the second
// in L1 memory; every table read is bounds-checked against L1 memory: a walk that leaves
// it is a partition-scoped fault, never an out-of-bounds host access.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "isa/state.hpp"
#include "papr/abi.hpp"
#include "util/bits.hpp"

namespace nv2::isa {

enum class AccessType : uint8_t { Load, Store, Fetch };

// Everything a translation depends on besides the addresses.
struct MmuContext {
  papr::RealMemory l1;              // L1 real memory (bounds of every host access)
  const PartitionConfig* config;    // partition and process table info
  uint64_t msr;                     // IR/DR/PR/HV of the access
  uint64_t lpcr;
  uint32_t pidr;
  // Key 0 of AMR/IAMR guards privileged accesses to non-privileged (user) pages
  // (ISA 3.0B Book III §5.7.13, as Linux's radix KUAP/KUEP use it).
  uint64_t amr = 0;
  uint64_t iamr = 0;
};

struct Translation {
  enum class Kind : uint8_t {
    Ok,              // l1_real is valid
    ProcessFault,    // deliver DSI (0x300) / ISI (0x400) inside L2: dsisr/srr1 bits set
    PartitionFault,  // exit HDSI / HISI to the L0: hdsisr, asdr set
    SegmentFault,    // deliver data/instruction segment (0x380/0x480): quadrant 1/2 from an
                     // L2, or EA bits outside the process-scoped tree (§5.7.6)
  };
  Kind kind = Kind::Ok;
  uint64_t l1_real = 0;  // L1 real address of the byte at `ea`
  uint64_t l2_real = 0;  // L2 real address (for ASDR)
  uint32_t cause = 0;    // DSISR/HDSISR bits, or SRR1 bits for instruction faults
};

// Software TLB, one per vCPU: combined EA -> L1 real translations at 4 KiB granularity,
// tagged by the translation space (PID of the process-scoped walk, or real mode) and
// carrying the permissions the walk proved for each (MSR[PR], access type). A store is
// only allowed from the TLB once the walk has set C in both the process- and the
// partition-scoped PTE, so R/C recording never misses a store (docs/decisions/isa-system.md).
class SoftTlb {
 public:
  static constexpr unsigned kEntries = 1024;                  // direct-mapped on EA bits 42:51
  static constexpr uint32_t kRealSpace = 0xFFFFFFFFu;         // tag of MSR[IR/DR]=0 entries
  // In real mode an L2's EA bits 0:3 are ignored (ISA 3.0B Book III §5.7.3).
  static constexpr uint64_t kRealModeMask = 0x0FFFFFFFFFFFFFFFull;

  struct Entry {
    uint64_t vpn = ~uint64_t{0};  // EA >> 12 (masked in real mode); all ones = invalid
    uint64_t l1_page = 0;         // L1 real address of the 4 KiB page
    uint64_t l2_page = 0;         // L2 real address of the 4 KiB page
    uint32_t space = 0;           // PID, or kRealSpace
    uint8_t page_shift = 12;      // log2 of the process-scoped page (for flush_ea)
    uint8_t perm = 0;             // bit (pr * 3 + AccessType): allowed without a walk
    bool user_page = false;       // process-scoped PTE without the privilege bit
  };

  static constexpr uint8_t perm_bit(AccessType type, bool pr) {
    return static_cast<uint8_t>(1u << ((pr ? 3u : 0u) + static_cast<unsigned>(type)));
  }

  void flush_all();
  void flush_pid(uint32_t pid);          // tlbiel/tlbie with RIC/PRS/R per PID
  void flush_ea(uint64_t ea, uint32_t pid);

  // Catch up with the broadcast invalidations of `domain` (see TlbDomain): flush_all when
  // another vCPU broadcast since the last sync. True when it flushed (the caller drops the
  // caches it keeps in front of this TLB too).
  bool sync(const class TlbDomain& domain);
  // False when `domain` broadcast since the last sync (the run loop tests this at every block
  // boundary, so it is one load and one compare).
  bool in_sync(const class TlbDomain& domain) const;
  // The domain generation this TLB last caught up with (sync / note_own_broadcast). The
  // translated code's boundary check compares the live generation with this one value: a
  // broadcast that lands after it was read is then always seen (Cpu::run).
  uint64_t seen_generation() const { return seen_generation_; }
  // This vCPU just broadcast, raising the generation from `before`: it already invalidated its
  // own entries precisely, so it need not flush everything at its next sync, unless another
  // vCPU broadcast in between (then the generation is not before + 1 and the sync flushes).
  void note_own_broadcast(uint64_t before) {
    if (seen_generation_ == before) seen_generation_ = before + 1;
  }

  // The entry that translates `ea` for `type` under `ctx` without a walk, or nullptr.
  const Entry* lookup(const MmuContext& ctx, uint64_t ea, AccessType type) const {
    const uint64_t reloc_bit = type == AccessType::Fetch ? kMsrIR : kMsrDR;
    const bool reloc = (ctx.msr & reloc_bit) != 0;
    const bool pr = (ctx.msr & kMsrPR) != 0;
    uint64_t key = ea;
    uint32_t space = kRealSpace;
    if (!reloc) {
      key = ea & kRealModeMask;
    } else {
      space = (ea >> 62) == 3 ? 0 : ctx.pidr;
    }
    const uint64_t vpn = key >> 12;
    const Entry& e = entries_[vpn & (kEntries - 1)];
    if (e.vpn != vpn || e.space != space || (e.perm & perm_bit(type, pr)) == 0) return nullptr;
    if (reloc && !pr && e.user_page && key0_blocks(ctx, type)) return nullptr;
    return &e;
  }

  void insert(const Entry& e) { entries_[e.vpn & (kEntries - 1)] = e; }

  // Partition-scoped translations (L2 real page -> L1 real page) of the pages the
  // process-scoped walk reads its tables from: few and hot, so in their own small array that
  // data never evicts. Dropped by flush_all only: a process-scoped invalidation does not
  // change the partition-scoped map. (Caching the data pages' partition-scoped translations
  // too did not help measurably on a miss-heavy run, bench_isa_mmu; data pages outnumber
  // any small array.)
  static constexpr unsigned kTableEntries = 64;
  const Entry* lookup_table(uint64_t l2_real) const {
    const uint64_t vpn = l2_real >> 12;
    const Entry& e = table_entries_[vpn & (kTableEntries - 1)];
    return e.vpn == vpn ? &e : nullptr;
  }
  void insert_table(const Entry& e) { table_entries_[e.vpn & (kTableEntries - 1)] = e; }

  // Counters for the benchmark and tests.
  uint64_t hits = 0;
  uint64_t misses = 0;

  static bool key0_blocks(const MmuContext& ctx, AccessType type) {
    // AMR/IAMR key 0 = bits 0:1: AMR bit 0 forbids stores, bit 1 loads; IAMR bit 1 fetches.
    switch (type) {
      case AccessType::Load: return (ctx.amr & kKey0Read) != 0;
      case AccessType::Store: return (ctx.amr & kKey0Write) != 0;
      case AccessType::Fetch: return (ctx.iamr & kKey0Read) != 0;
    }
    return true;
  }

 private:
  // MSR bits (ISA 3.0B Book III §4.2.1; isa/interrupts.hpp names them all).
  static constexpr uint64_t kMsrPR = bits::bit(49);
  static constexpr uint64_t kMsrIR = bits::bit(58);
  static constexpr uint64_t kMsrDR = bits::bit(59);
  static constexpr uint64_t kKey0Write = bits::bit(0);  // AMR bit 0
  static constexpr uint64_t kKey0Read = bits::bit(1);   // AMR/IAMR bit 1
  std::array<Entry, kEntries> entries_{};
  std::array<Entry, kTableEntries> table_entries_{};
  uint64_t seen_generation_ = 0;
};

// The broadcast half of tlbie (ISA 3.0B Book III §5.10.1: a tlbie from one thread removes
// the translation from every thread of the partition; tlbiel is local). One per guest, shared
// by the SoftTlbs of its vCPUs: a vCPU that executes tlbie (or the L0, for H_RPT_INVALIDATE
// or a SET of 0x0005/0x0006) calls broadcast(); every vCPU calls SoftTlb::sync at its next
// instruction-block boundary. Conservative: the other vCPUs flush everything, whatever the
// tlbie's scope (tlbie is rare next to translations; docs/decisions/isa-system.md).
class TlbDomain {
 public:
  // Returns the generation before this broadcast (SoftTlb::note_own_broadcast).
  uint64_t broadcast() { return generation_.fetch_add(1, std::memory_order_acq_rel); }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint64_t> generation_{0};
};

inline bool SoftTlb::in_sync(const TlbDomain& domain) const {
  return domain.generation() == seen_generation_;
}

inline bool SoftTlb::sync(const TlbDomain& domain) {
  const uint64_t g = domain.generation();
  if (g == seen_generation_) return false;
  flush_all();
  seen_generation_ = g;
  return true;
}

// The full two-level walk: process-scoped when MSR[IR] (fetch) / MSR[DR] (data) is 1, then
// partition-scoped. Sets R (and C for a store) in the PTEs it uses, atomically. `filled`,
// when given, receives the TLB entry that caches the result. `tlb`, when given, serves and
// caches the partition-scoped translations of the process-scoped table pages.
Translation walk(const MmuContext& ctx, uint64_t ea, AccessType type,
                 SoftTlb::Entry* filled = nullptr, SoftTlb* tlb = nullptr);

// One access at `ea` (the caller splits accesses that cross a page). Real mode (MSR[IR/DR]=0)
// skips the process-scoped walk; both modes do the partition-scoped walk (L2 real -> L1 real).
inline Translation translate(const MmuContext& ctx, SoftTlb& tlb, uint64_t ea, AccessType type) {
  if (const SoftTlb::Entry* e = tlb.lookup(ctx, ea, type)) {
    ++tlb.hits;
    return {Translation::Kind::Ok, e->l1_page | (ea & 0xFFF), e->l2_page | (ea & 0xFFF), 0};
  }
  ++tlb.misses;
  SoftTlb::Entry fill;
  Translation t = walk(ctx, ea, type, &fill, &tlb);
  if (t.kind == Translation::Kind::Ok) tlb.insert(fill);
  return t;
}

}  // namespace nv2::isa
