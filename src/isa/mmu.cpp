// Radix MMU for an L2 (Power ISA 3.0B Book III §5.7; papr-nestedv2.md §8, §9.1).
//
// walk(): EA --process-scoped--> L2 real --partition-scoped--> L1 real. The process-scoped
// tables live in L2 memory, so every one of their entries is itself reached through the
// partition-scoped walk; a fault there is a partition-scoped fault (HDSISR bit 46) that
// names the table entry's L2 real address in ASDR. Every host access is bounds-checked
// against L1 memory: a table or page outside it is a partition-scoped fault, never a read
// or write outside the region.
#include "isa/mmu.hpp"

#include <bit>
#include <optional>

#include "isa/interrupts.hpp"
#include "isa/radix.hpp"

namespace nv2::isa {

namespace {

using Kind = Translation::Kind;

// A page is the smallest unit nv2 maps; leaves must map at least this much (§5.7.6).
constexpr unsigned kMinPageShift = 12;
constexpr uint64_t kPageSize = uint64_t{1} << kMinPageShift;
// The smallest directory ISA 3.0B allows (NLS >= 5, §5.7.6.1: 32 entries = 256 bytes).
constexpr unsigned kMinNls = 5;
// The tree sizes the RTS field can describe: RTS (5 bits) + 31.
constexpr unsigned kMinTreeBits = 31;
constexpr unsigned kMaxTreeBits = 62;
// How often a walk restarts when a concurrent writer changes a PTE between the read and
// the R/C update (the L1 edits its tables while the L2 runs on another thread).
constexpr int kMaxRcRetries = 16;

// Read a table entry. The L1 (and the L2, for its own tables) edits tables on other threads
// while this vCPU walks them: the read is one relaxed atomic doubleword (never torn); the
// R/C update below re-checks it with a compare-and-swap.
uint64_t load_entry(const papr::RealMemory& l1, uint64_t at) {
  const uint8_t* const p = l1.base() + at;
  if (reinterpret_cast<uintptr_t>(p) % alignof(uint64_t) != 0) return l1.load_be64(at);
  return __builtin_bswap64(__atomic_load_n(reinterpret_cast<const uint64_t*>(p), __ATOMIC_RELAXED));
}

// The outcome of walking one radix tree.
struct TreeWalk {
  enum class Status : uint8_t { Ok, NotFound, BadConfig, TableFault, Retry };
  Status status = Status::Ok;
  uint64_t pte = 0;         // the leaf
  uint64_t pte_l1 = 0;      // L1 real address of the leaf
  unsigned page_shift = 0;  // log2 of the page the leaf maps
  Translation nested;       // TableFault: the partition-scoped fault of a table read
};

// Walk a tree rooted at `root` (NLS `root_nls`) translating the low `tree_bits` bits of
// `addr`. `entry_to_l1(table address)` turns the address of an entry into the L1 real
// address to read, or a Translation fault. §5.7.6.1 "Radix Tree Page Directory Entry".
template <typename EntryToL1>
TreeWalk walk_tree(const papr::RealMemory& l1, uint64_t root, unsigned root_nls, unsigned tree_bits,
                   uint64_t addr, EntryToL1&& entry_to_l1) {
  TreeWalk w;
  uint64_t base = root;
  unsigned nls = root_nls;
  unsigned remaining = tree_bits;
  for (;;) {
    // Each level must leave room for at least a 4 KiB page and be aligned to its size.
    if (nls < kMinNls || nls + kMinPageShift > remaining ||
        (base & ((uint64_t{8} << nls) - 1)) != 0) {
      w.status = TreeWalk::Status::BadConfig;
      return w;
    }
    remaining -= nls;
    const uint64_t index = (addr >> remaining) & ((uint64_t{1} << nls) - 1);
    const std::optional<uint64_t> at = entry_to_l1(base + index * 8, w.nested);
    if (!at) {
      w.status = w.nested.kind == Kind::Ok ? TreeWalk::Status::BadConfig
                                           : TreeWalk::Status::TableFault;
      return w;
    }
    const uint64_t entry = load_entry(l1, *at);
    if ((entry & radix::kValid) == 0) {
      w.status = TreeWalk::Status::NotFound;
      return w;
    }
    if ((entry & radix::kLeaf) != 0) {
      w.pte = entry;
      w.pte_l1 = *at;
      w.page_shift = remaining;
      return w;
    }
    base = entry & radix::kNlbMask;
    nls = static_cast<unsigned>(entry & radix::kNlsMask);
  }
}

// Set `want` (R, or R|C) in the PTE at `pte_l1` if the PTE still reads `seen`, atomically
// (papr-nestedv2.md §9.1, nv2 decision: the engine records R/C itself, as POWER9 does for
// radix). False when the PTE changed under us: the caller walks again.
bool set_rc(const papr::RealMemory& l1, uint64_t pte_l1, uint64_t seen, uint64_t want) {
  if ((seen & want) == want) return true;
  uint8_t* const p = l1.base() + pte_l1;
  if (reinterpret_cast<uintptr_t>(p) % alignof(uint64_t) != 0) {
    // Table entries are 8-byte aligned in L1 real space; a misaligned host base would only
    // come from a test harness, where a plain store is good enough.
    l1.store_be64(pte_l1, seen | want);
    return true;
  }
  uint64_t expected = __builtin_bswap64(seen);
  const uint64_t desired = __builtin_bswap64(seen | want);
  return __atomic_compare_exchange_n(reinterpret_cast<uint64_t*>(p), &expected, desired, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

Translation partition_fault(uint64_t l2_real, uint32_t cause) {
  return {Kind::PartitionFault, 0, l2_real, cause};
}

// Partition-scoped permission (§5.7.10.2): R/W/X of the EAA; the privilege bit does not
// apply to partition-scoped translations.
bool partition_allows(uint64_t pte, AccessType type) {
  switch (type) {
    case AccessType::Load: return (pte & (radix::kEaaRead | radix::kEaaReadWrite)) != 0;
    case AccessType::Store: return (pte & radix::kEaaReadWrite) != 0;
    case AccessType::Fetch: return (pte & radix::kEaaExecute) != 0;
  }
  return false;
}

// Process-scoped permission for MSR[PR] = `pr`, without AMR/IAMR key 0, as the DSISR/SRR1
// cause (0 = allowed).
uint32_t process_denies(uint64_t pte, AccessType type, bool pr) {
  const bool fetch = type == AccessType::Fetch;
  if (pr && (pte & radix::kEaaPrivileged) != 0) {
    return static_cast<uint32_t>(fetch ? srr1::kIsiProtection : dsisr::kProtection);
  }
  switch (type) {
    case AccessType::Load:
      return (pte & (radix::kEaaRead | radix::kEaaReadWrite)) != 0 ? 0 : dsisr::kProtection;
    case AccessType::Store:
      return (pte & radix::kEaaReadWrite) != 0 ? 0 : dsisr::kProtection;
    case AccessType::Fetch:
      // No execute, or guarded (non-idempotent I/O) storage: SRR1 bit 35 (§7.5.5).
      if ((pte & radix::kEaaExecute) == 0 ||
          (pte & radix::kAttMask) == radix::kAttNonIdempotent) {
        return static_cast<uint32_t>(srr1::kIsiNoExecGuard);
      }
      return 0;
  }
  return dsisr::kProtection;
}

// What the partition-scoped walk found for one access.
struct PartitionLeaf {
  uint64_t pte = 0;  // after the R/C update
  unsigned page_shift = 0;
};

// L2 real -> L1 real for one access. `table_read`: an implicit read of a process-scoped
// table entry (HDSISR bit 46 on a fault, R set, read permission needed). `len` bytes from
// the result must lie in L1 memory.
Translation partition_translate(const MmuContext& ctx, uint64_t l2_real, AccessType type,
                                bool table_read, uint64_t len, PartitionLeaf* leaf_out) {
  const uint32_t walk_bit = table_read ? dsisr::kTableWalk : 0;
  const uint32_t store_bit = type == AccessType::Store ? dsisr::kStore : 0;
  const PartitionConfig* cfg = ctx.config;
  if (cfg == nullptr || !cfg->partition_table_defined || cfg->pt_ea_bits < kMinTreeBits ||
      cfg->pt_ea_bits > kMaxTreeBits || (cfg->pt_root_size & (cfg->pt_root_size - 1)) != 0 ||
      cfg->pt_root_size < 8) {
    return partition_fault(l2_real, dsisr::kBadConfig | walk_bit | store_bit);
  }
  const unsigned tree_bits = static_cast<unsigned>(cfg->pt_ea_bits);
  if ((l2_real >> tree_bits) != 0) {
    return partition_fault(l2_real, dsisr::kNoTranslation | walk_bit | store_bit);
  }
  const unsigned root_nls = static_cast<unsigned>(std::countr_zero(cfg->pt_root_size)) - 3;

  for (int attempt = 0; attempt < kMaxRcRetries; ++attempt) {
    // The partition-scoped tables are in L1 real space: the bounds check is the whole map.
    const TreeWalk w = walk_tree(ctx.l1, cfg->pt_root, root_nls, tree_bits, l2_real,
                                 [&](uint64_t entry, Translation&) -> std::optional<uint64_t> {
                                   if (!ctx.l1.contains(entry, 8)) return std::nullopt;
                                   return entry;
                                 });
    switch (w.status) {
      case TreeWalk::Status::Ok: break;
      case TreeWalk::Status::NotFound:
        return partition_fault(l2_real, dsisr::kNoTranslation | walk_bit | store_bit);
      case TreeWalk::Status::BadConfig:
      case TreeWalk::Status::TableFault:
      case TreeWalk::Status::Retry:
        return partition_fault(l2_real, dsisr::kBadConfig | walk_bit | store_bit);
    }
    if (!partition_allows(w.pte, type)) {
      const uint32_t cause = type == AccessType::Fetch ? static_cast<uint32_t>(srr1::kIsiProtection)
                                                       : dsisr::kProtection;
      return partition_fault(l2_real, cause | walk_bit | store_bit);
    }
    const uint64_t mask = (uint64_t{1} << w.page_shift) - 1;
    const uint64_t l1_real = (w.pte & radix::kRpnMask & ~mask) | (l2_real & mask);
    // A leaf that points outside L1 memory is a broken L1 table (nv2 decision: bad config).
    if (!ctx.l1.contains(l1_real & ~(kPageSize - 1), kPageSize) || !ctx.l1.contains(l1_real, len)) {
      return partition_fault(l2_real, dsisr::kBadConfig | walk_bit | store_bit);
    }
    const uint64_t rc = radix::kReference | (type == AccessType::Store ? radix::kChange : 0);
    if (!set_rc(ctx.l1, w.pte_l1, w.pte, rc)) continue;
    if (leaf_out != nullptr) *leaf_out = {w.pte | rc, w.page_shift};
    return {Kind::Ok, l1_real, l2_real, 0};
  }
  return partition_fault(l2_real, dsisr::kAtomicRc | walk_bit | store_bit);
}

// The partition-scoped permission of a leaf, in the TLB's MSR[PR]=0 bits: loads, fetches,
// and stores once C is recorded.
uint8_t partition_perm(uint64_t part_pte) {
  uint8_t perm = 0;
  for (const AccessType type : {AccessType::Load, AccessType::Store, AccessType::Fetch}) {
    if (!partition_allows(part_pte, type)) continue;
    if (type == AccessType::Store && (part_pte & radix::kChange) == 0) continue;
    perm = static_cast<uint8_t>(perm | SoftTlb::perm_bit(type, false));
  }
  return perm;
}

// The TLB permissions of a combined translation: the process-scoped leaf's for each MSR[PR]
// (stores only once its C is recorded) and the partition-scoped `part_perm`.
uint8_t perm_bits(uint64_t proc_pte, bool relocated, uint8_t part_perm) {
  uint8_t perm = 0;
  for (const bool pr : {false, true}) {
    for (const AccessType type : {AccessType::Load, AccessType::Store, AccessType::Fetch}) {
      if ((part_perm & SoftTlb::perm_bit(type, false)) == 0) continue;
      if (relocated && process_denies(proc_pte, type, pr) != 0) continue;
      if (relocated && type == AccessType::Store && (proc_pte & radix::kChange) == 0) continue;
      perm = static_cast<uint8_t>(perm | SoftTlb::perm_bit(type, pr));
    }
  }
  return perm;
}

// An implicit read of a process-scoped table entry (8 bytes at L2 real `l2_real`): through
// the TLB's table-page entries when one covers it, else by the partition-scoped walk, whose
// successful result is cached. A read that would run past its page always takes the walk,
// which checks the 8 bytes against L1 memory.
std::optional<uint64_t> table_entry_l1(const MmuContext& ctx, SoftTlb* tlb, uint64_t l2_real,
                                       Translation& nested) {
  const bool in_page = (l2_real & (kPageSize - 1)) <= kPageSize - 8;
  if (tlb != nullptr && in_page) {
    if (const SoftTlb::Entry* e = tlb->lookup_table(l2_real)) {
      return e->l1_page | (l2_real & (kPageSize - 1));
    }
  }
  PartitionLeaf leaf;
  nested = partition_translate(ctx, l2_real, AccessType::Load, true, 8, &leaf);
  if (nested.kind != Kind::Ok) return std::nullopt;
  if (tlb != nullptr && in_page) {
    tlb->insert_table(SoftTlb::Entry{l2_real >> kMinPageShift, nested.l1_real & ~(kPageSize - 1),
                                     l2_real & ~(kPageSize - 1), SoftTlb::kRealSpace,
                                     static_cast<uint8_t>(leaf.page_shift), 0, false});
  }
  return nested.l1_real;
}

}  // namespace

Translation walk(const MmuContext& ctx, uint64_t ea, AccessType type, SoftTlb::Entry* filled,
                 SoftTlb* tlb) {
  const bool fetch = type == AccessType::Fetch;
  const bool relocated = (ctx.msr & (fetch ? msr::kIR : msr::kDR)) != 0;
  const bool pr = (ctx.msr & msr::kPR) != 0;
  const uint32_t store_bit = type == AccessType::Store ? dsisr::kStore : 0;
  const auto process_fault = [&](uint32_t cause) {
    return Translation{Kind::ProcessFault, 0, 0, fetch ? cause : cause | store_bit};
  };

  if (!relocated) {
    // Real mode: EA bits 0:3 are ignored and the rest is the L2 real address (§5.7.3).
    const uint64_t l2_real = ea & SoftTlb::kRealModeMask;
    PartitionLeaf part;
    Translation t = partition_translate(ctx, l2_real, type, false, 1, &part);
    if (t.kind == Kind::Ok && filled != nullptr) {
      *filled = SoftTlb::Entry{l2_real >> kMinPageShift, t.l1_real & ~(kPageSize - 1),
                               l2_real & ~(kPageSize - 1), SoftTlb::kRealSpace,
                               static_cast<uint8_t>(part.page_shift),
                               perm_bits(0, false, partition_perm(part.pte)), false};
    }
    return t;
  }

  // Quadrants (§5.7.6): 0 = PIDR's process, 3 = PID 0 (the OS); 1 and 2 are reserved to the
  // hypervisor and give a segment interrupt in a guest.
  const uint64_t quadrant = ea >> 62;
  if (quadrant == 1 || quadrant == 2) return {Kind::SegmentFault, 0, 0, 0};
  const uint32_t pid = quadrant == 3 ? 0 : ctx.pidr;

  const PartitionConfig* cfg = ctx.config;
  if (cfg == nullptr) return partition_fault(0, dsisr::kBadConfig);
  if (pid >= cfg->process_table_size / radix::kProcessTableEntrySize) {
    return process_fault(fetch ? static_cast<uint32_t>(srr1::kIsiNoTranslation)
                               : dsisr::kNoTranslation);
  }

  for (int attempt = 0; attempt < kMaxRcRetries; ++attempt) {
    // Process table entry doubleword 0, an implicit read in L2 real space.
    const uint64_t prte_l2 = cfg->process_table + radix::kProcessTableEntrySize * pid;
    Translation t;
    const std::optional<uint64_t> prte_l1 = table_entry_l1(ctx, tlb, prte_l2, t);
    if (!prte_l1) return t;
    const uint64_t prte = load_entry(ctx.l1, *prte_l1);
    const unsigned tree_bits = radix::rts(prte) + kMinTreeBits;
    // EA bits 2 .. 63-tree_bits must be 0: outside the tree is a segment interrupt.
    const uint64_t offset = ea & bits::field_mask(2, 63);
    if (tree_bits > kMaxTreeBits || (offset >> tree_bits) != 0) {
      return {Kind::SegmentFault, 0, 0, 0};
    }
    const uint32_t bad_config = fetch ? static_cast<uint32_t>(srr1::kIsiBadConfig) : dsisr::kBadConfig;

    const TreeWalk w = walk_tree(
        ctx.l1, prte & radix::kRpdbMask, radix::rpds(prte), tree_bits, offset,
        [&](uint64_t entry_l2, Translation& nested) -> std::optional<uint64_t> {
          return table_entry_l1(ctx, tlb, entry_l2, nested);
        });
    switch (w.status) {
      case TreeWalk::Status::Ok: break;
      case TreeWalk::Status::NotFound:
        return process_fault(fetch ? static_cast<uint32_t>(srr1::kIsiNoTranslation)
                                   : dsisr::kNoTranslation);
      case TreeWalk::Status::BadConfig:
      case TreeWalk::Status::Retry:
        return process_fault(bad_config);
      case TreeWalk::Status::TableFault:
        return w.nested;
    }

    if (const uint32_t cause = process_denies(w.pte, type, pr); cause != 0) {
      return process_fault(cause);
    }
    const bool user_page = (w.pte & radix::kEaaPrivileged) == 0;
    if (!pr && user_page && SoftTlb::key0_blocks(ctx, type)) {
      return process_fault(fetch ? static_cast<uint32_t>(srr1::kIsiIamr) : dsisr::kAmr);
    }
    const uint64_t mask = (uint64_t{1} << w.page_shift) - 1;
    const uint64_t l2_real = (w.pte & radix::kRpnMask & ~mask) | (ea & mask);

    const uint64_t rc = radix::kReference | (type == AccessType::Store ? radix::kChange : 0);
    if (!set_rc(ctx.l1, w.pte_l1, w.pte, rc)) continue;

    PartitionLeaf part;
    t = partition_translate(ctx, l2_real, type, false, 1, &part);
    if (t.kind == Kind::Ok && filled != nullptr) {
      const uint32_t space = quadrant == 3 ? 0 : ctx.pidr;
      *filled = SoftTlb::Entry{ea >> kMinPageShift, t.l1_real & ~(kPageSize - 1),
                               l2_real & ~(kPageSize - 1), space,
                               static_cast<uint8_t>(w.page_shift),
                               perm_bits(w.pte | rc, true, partition_perm(part.pte)), user_page};
    }
    return t;
  }
  return process_fault(dsisr::kAtomicRc);
}

void SoftTlb::flush_all() {
  for (Entry& e : entries_) e = Entry{};
  for (Entry& e : table_entries_) e = Entry{};
}

void SoftTlb::flush_pid(uint32_t pid) {
  for (Entry& e : entries_) {
    if (e.space == pid) e = Entry{};
  }
}

void SoftTlb::flush_ea(uint64_t ea, uint32_t pid) {
  // tlbie/tlbiel with an EA invalidate the whole page that holds it, whatever its size: an
  // entry goes when its own page (size from its process-scoped leaf) contains `ea`.
  for (Entry& e : entries_) {
    if (e.space != pid || e.vpn == ~uint64_t{0}) continue;
    const unsigned shift = e.page_shift;
    if (((e.vpn << kMinPageShift) >> shift) == (ea >> shift)) e = Entry{};
  }
}

}  // namespace nv2::isa
