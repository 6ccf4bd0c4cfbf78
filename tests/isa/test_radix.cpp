// Radix walks over hand-built tables (Power ISA 3.0B Book III §5.7; papr-nestedv2.md §8):
// every page size and level, permissions, R/C, faults at each level, tables and pages
// outside L1 memory, process-scoped faults inside partition-scoped mappings.
#include <gtest/gtest.h>

#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "test_radix_tables.hpp"

namespace nv2::isa {
namespace {

using testing::kRw;
using testing::kRwx;
using testing::Layout;
using Kind = Translation::Kind;

constexpr uint64_t kReal = msr::kSF;                              // MSR[IR/DR] = 0
constexpr uint64_t kVirt = msr::kSF | msr::kIR | msr::kDR;        // privileged, relocated
constexpr uint64_t kUser = kVirt | msr::kPR;                      // problem state
constexpr uint64_t kKernelEa = 0xC000000000000000ull;             // quadrant 3 = PID 0

// ---- partition-scoped (real mode) ---------------------------------------------------------

TEST(RadixPartition, RealModeUses2MiBMappingAndIgnoresEaBits0To3) {
  Layout l;
  const auto ctx = l.context(kReal);
  const Translation t = walk(ctx, 0x123456, AccessType::Load);
  ASSERT_EQ(t.kind, Kind::Ok);
  EXPECT_EQ(t.l2_real, 0x123456u);
  EXPECT_EQ(t.l1_real, Layout::kL2Base + 0x123456);
  // EA bits 0:3 are ignored in real mode (§5.7.3): the kernel's 0xC... addresses work.
  const Translation k = walk(ctx, 0xC000000000123456ull, AccessType::Load);
  ASSERT_EQ(k.kind, Kind::Ok);
  EXPECT_EQ(k.l1_real, Layout::kL2Base + 0x123456);
}

struct PageCase {
  const char* name;
  unsigned shift;
  unsigned leaf_level;
};

class RadixPartitionPageSize : public ::testing::TestWithParam<PageCase> {};

TEST_P(RadixPartitionPageSize, LeafAtItsLevelTranslatesEveryOffset) {
  const PageCase& c = GetParam();
  Layout l;
  // A fresh region of L2 real space above the 2 MiB-mapped 32 MiB, pointing back at L1
  // real 8 MiB (1 GiB and larger pages map L1 real 0, whose first bytes are tables).
  const uint64_t l2 = uint64_t{1} << 40;  // outside the default map, aligned for any page
  const uint64_t target = c.shift >= testing::kShift1G ? 0 : 8ull << 20;
  const uint64_t leaf = l.partition.map(l2, target, c.shift, kRwx);
  EXPECT_EQ(leaf, l.partition.entry_at(l2, c.leaf_level)) << c.name;
  const auto ctx = l.context(kReal);
  for (const uint64_t off : {uint64_t{0}, uint64_t{0x8}, uint64_t{0xFF8}, uint64_t{0x1000},
                             (uint64_t{1} << c.shift) - 8}) {
    if (off >= (uint64_t{1} << c.shift)) continue;  // the next page: not mapped
    const uint64_t want = target + off;
    const Translation t = walk(ctx, l2 + off, AccessType::Load);
    if (want + 8 > Layout::kL1Size) {
      // The page is bigger than L1 memory: the part beyond it is a partition fault.
      EXPECT_EQ(t.kind, Kind::PartitionFault) << c.name << " off " << off;
      EXPECT_EQ(t.cause, dsisr::kBadConfig);
      continue;
    }
    ASSERT_EQ(t.kind, Kind::Ok) << c.name << " off " << off;
    EXPECT_EQ(t.l1_real, want) << c.name << " off " << off;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, RadixPartitionPageSize,
    ::testing::Values(PageCase{"4K", testing::kShift4K, 3}, PageCase{"64K", testing::kShift64K, 3},
                      PageCase{"2M", testing::kShift2M, 2}, PageCase{"1G", testing::kShift1G, 1},
                      PageCase{"512G", testing::kShift512G, 0}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(RadixPartition, RpnBitsBelowTheLeafPageSizeAreIgnored) {
  Layout l;
  const uint64_t l2 = uint64_t{1} << 40;
  // A 2 MiB leaf whose RPN has low bits set: the walk uses RPN & ~(2 MiB - 1).
  l.partition.map(l2, (8ull << 20) | 0x5000, testing::kShift2M, kRwx);
  const Translation t = walk(l.context(kReal), l2 + 0x10, AccessType::Load);
  ASSERT_EQ(t.kind, Kind::Ok);
  EXPECT_EQ(t.l1_real, (8ull << 20) + 0x10);
}

TEST(RadixPartition, InvalidEntryAtEachLevelIsHdsiNoTranslationWithAsdr) {
  for (unsigned level = 0; level < 4; ++level) {
    Layout l;
    const uint64_t l2 = (uint64_t{1} << 40) + 0x3000;
    l.partition.map(l2, 8ull << 20, testing::kShift4K, kRwx);
    const uint64_t entry = l.partition.entry_at(l2, level);
    l.partition.write(entry, l.partition.read(entry) & ~radix::kValid);
    const auto ctx = l.context(kReal);
    const Translation ld = walk(ctx, l2 + 0x10, AccessType::Load);
    ASSERT_EQ(ld.kind, Kind::PartitionFault) << "level " << level;
    EXPECT_EQ(ld.cause, dsisr::kNoTranslation) << "level " << level;
    EXPECT_EQ(ld.l2_real, l2 + 0x10);
    const Translation st = walk(ctx, l2 + 0x10, AccessType::Store);
    EXPECT_EQ(st.cause, dsisr::kNoTranslation | dsisr::kStore) << "level " << level;

    VcpuState s;
    EXPECT_EQ(record_partition_fault(s, st, l2 + 0x10, AccessType::Store), ExitKind::Hdsi);
    EXPECT_EQ(s.hdar, l2 + 0x10);
    EXPECT_EQ(s.hdsisr, dsisr::kNoTranslation | dsisr::kStore);
    EXPECT_EQ(s.asdr, l2);  // the L2 real page
    EXPECT_EQ(record_partition_fault(s, walk(ctx, l2, AccessType::Fetch), l2, AccessType::Fetch),
              ExitKind::Hisi);
  }
}

TEST(RadixPartition, PermissionsReadWriteExecute) {
  Layout l;
  const uint64_t ro = uint64_t{1} << 40;
  const uint64_t rw = ro + 0x1000;
  const uint64_t x = ro + 0x2000;
  const uint64_t w_only = ro + 0x3000;  // RW bit alone grants read and write (§5.7.10.2)
  l.partition.map(ro, 8ull << 20, testing::kShift4K, radix::kEaaRead);
  l.partition.map(rw, 8ull << 20, testing::kShift4K, kRw);
  l.partition.map(x, 8ull << 20, testing::kShift4K, radix::kEaaExecute);
  l.partition.map(w_only, 8ull << 20, testing::kShift4K, radix::kEaaReadWrite);
  const auto ctx = l.context(kReal);
  EXPECT_EQ(walk(ctx, ro, AccessType::Load).kind, Kind::Ok);
  const Translation st = walk(ctx, ro, AccessType::Store);
  EXPECT_EQ(st.kind, Kind::PartitionFault);
  EXPECT_EQ(st.cause, dsisr::kProtection | dsisr::kStore);
  EXPECT_EQ(walk(ctx, ro, AccessType::Fetch).kind, Kind::PartitionFault);
  EXPECT_EQ(walk(ctx, rw, AccessType::Store).kind, Kind::Ok);
  EXPECT_EQ(walk(ctx, rw, AccessType::Fetch).cause, static_cast<uint32_t>(srr1::kIsiProtection));
  EXPECT_EQ(walk(ctx, x, AccessType::Fetch).kind, Kind::Ok);
  EXPECT_EQ(walk(ctx, x, AccessType::Load).cause, dsisr::kProtection);
  EXPECT_EQ(walk(ctx, w_only, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(walk(ctx, w_only, AccessType::Store).kind, Kind::Ok);
  // The privilege bit does not apply to partition-scoped translations.
  const uint64_t priv = ro + 0x4000;
  l.partition.map(priv, 8ull << 20, testing::kShift4K, kRw | radix::kEaaPrivileged);
  EXPECT_EQ(walk(ctx, priv, AccessType::Load).kind, Kind::Ok);
}

TEST(RadixPartition, ReferenceOnAccessChangeOnStore) {
  Layout l;
  const uint64_t l2 = uint64_t{1} << 40;
  const uint64_t leaf = l.partition.map(l2, 8ull << 20, testing::kShift4K, kRwx);
  const auto ctx = l.context(kReal);
  EXPECT_EQ(l.partition.read(leaf) & (radix::kReference | radix::kChange), 0u);
  ASSERT_EQ(walk(ctx, l2, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(l.partition.read(leaf) & (radix::kReference | radix::kChange), radix::kReference);
  ASSERT_EQ(walk(ctx, l2, AccessType::Fetch).kind, Kind::Ok);
  EXPECT_EQ(l.partition.read(leaf) & radix::kChange, 0u);
  ASSERT_EQ(walk(ctx, l2, AccessType::Store).kind, Kind::Ok);
  EXPECT_EQ(l.partition.read(leaf) & (radix::kReference | radix::kChange),
            radix::kReference | radix::kChange);
  // A faulting access records nothing.
  const uint64_t ro = l2 + 0x1000;
  const uint64_t ro_leaf = l.partition.map(ro, 8ull << 20, testing::kShift4K, radix::kEaaRead);
  EXPECT_EQ(walk(ctx, ro, AccessType::Store).kind, Kind::PartitionFault);
  EXPECT_EQ(l.partition.read(ro_leaf) & (radix::kReference | radix::kChange), 0u);
}

TEST(RadixPartition, TablesAndPagesOutsideL1MemoryAreFaultsNotHostAccesses) {
  Layout l;
  const uint64_t l2 = uint64_t{1} << 40;
  l.partition.map(l2, 8ull << 20, testing::kShift4K, kRwx);
  const auto ctx = l.context(kReal);
  // A directory whose next level lies beyond L1 memory.
  const uint64_t pde = l.partition.entry_at(l2, 1);
  l.partition.write(pde, radix::make_pde(Layout::kL1Size + 0x10000, 9));
  Translation t = walk(ctx, l2, AccessType::Load);
  EXPECT_EQ(t.kind, Kind::PartitionFault);
  EXPECT_EQ(t.cause, dsisr::kBadConfig);
  // A leaf that maps a page beyond L1 memory.
  Layout l2layout;
  l2layout.partition.map(l2, Layout::kL1Size, testing::kShift4K, kRwx);
  t = walk(l2layout.context(kReal), l2, AccessType::Store);
  EXPECT_EQ(t.kind, Kind::PartitionFault);
  EXPECT_EQ(t.cause, dsisr::kBadConfig | dsisr::kStore);
  // A root outside L1 memory.
  Layout l3;
  l3.config.pt_root = 1ull << 50;
  EXPECT_EQ(walk(l3.context(kReal), 0, AccessType::Load).kind, Kind::PartitionFault);
  // A root that would wrap around the address space.
  l3.config.pt_root = ~uint64_t{0} & radix::kNlbMask & ~uint64_t{0xFFFF};
  EXPECT_EQ(walk(l3.context(kReal), 0, AccessType::Load).kind, Kind::PartitionFault);
}

TEST(RadixPartition, BadConfigurations) {
  {
    Layout l;
    l.config.pt_root_size = 3 * 4096;  // not a power of two
    EXPECT_EQ(walk(l.context(kReal), 0, AccessType::Load).cause, dsisr::kBadConfig);
  }
  {
    Layout l;
    l.config.partition_table_defined = false;
    EXPECT_EQ(walk(l.context(kReal), 0, AccessType::Load).kind, Kind::PartitionFault);
  }
  {
    Layout l;
    l.config.pt_ea_bits = 70;
    EXPECT_EQ(walk(l.context(kReal), 0, AccessType::Load).cause, dsisr::kBadConfig);
  }
  {
    // A directory with NLS < 5 (§5.7.6.1).
    Layout l;
    const uint64_t l2 = uint64_t{1} << 40;
    l.partition.map(l2, 8ull << 20, testing::kShift4K, kRwx);
    const uint64_t pde = l.partition.entry_at(l2, 2);
    l.partition.write(pde, (l.partition.read(pde) & ~radix::kNlsMask) | 4);
    EXPECT_EQ(walk(l.context(kReal), l2, AccessType::Load).cause, dsisr::kBadConfig);
  }
  {
    // A leaf with less than 4 KiB left: NLS 9 at the last level of a 64 KiB tree.
    Layout l;
    const uint64_t l2 = uint64_t{1} << 40;
    l.partition.map(l2, 8ull << 20, testing::kShift4K, kRwx);
    const uint64_t pde = l.partition.entry_at(l2, 2);
    l.partition.write(pde, (l.partition.read(pde) & ~radix::kNlsMask) | 13);
    EXPECT_EQ(walk(l.context(kReal), l2, AccessType::Load).cause, dsisr::kBadConfig);
  }
  {
    // An L2 real address beyond the tree's 52 bits.
    Layout l;
    const Translation t = walk(l.context(kReal), uint64_t{1} << 55, AccessType::Load);
    EXPECT_EQ(t.kind, Kind::PartitionFault);
    EXPECT_EQ(t.cause, dsisr::kNoTranslation);
  }
}

// ---- process-scoped -----------------------------------------------------------------------

TEST(RadixProcess, Quadrant0UsesPidrAndQuadrant3UsesPid0) {
  Layout l;
  l.process(0).map(kKernelEa + 0x5000, 0x100000, testing::kShift4K, kRwx | radix::kEaaPrivileged);
  l.process(5).map(0x10000000, 0x200000, testing::kShift4K, kRwx);
  l.process(6).map(0x10000000, 0x300000, testing::kShift4K, kRwx);

  Translation t = walk(l.context(kVirt, 5), kKernelEa + 0x5123, AccessType::Load);
  ASSERT_EQ(t.kind, Kind::Ok);
  EXPECT_EQ(t.l2_real, 0x100123u);
  EXPECT_EQ(t.l1_real, Layout::kL2Base + 0x100123);
  t = walk(l.context(kUser, 5), 0x10000010, AccessType::Load);
  ASSERT_EQ(t.kind, Kind::Ok);
  EXPECT_EQ(t.l2_real, 0x200010u);
  t = walk(l.context(kUser, 6), 0x10000010, AccessType::Load);
  ASSERT_EQ(t.kind, Kind::Ok);
  EXPECT_EQ(t.l2_real, 0x300010u);
  // PID 5's tree has nothing at the kernel's offset in quadrant 0.
  EXPECT_EQ(walk(l.context(kVirt, 5), 0x5123, AccessType::Load).kind, Kind::ProcessFault);
}

class RadixProcessPageSize : public ::testing::TestWithParam<PageCase> {};

TEST_P(RadixProcessPageSize, EachPageSizeComposesWithThePartitionMap) {
  const PageCase& c = GetParam();
  Layout l;
  const uint64_t ea = uint64_t{1} << 41;
  // The L2 real target: 0 for 1 GiB (L2 real 0..32 MiB is mapped), 4 MiB otherwise.
  const uint64_t target = c.shift >= testing::kShift1G ? 0 : 4ull << 20;
  auto& tree = l.process(1);
  const uint64_t leaf = tree.map(ea, target, c.shift, kRwx);
  EXPECT_EQ(leaf, tree.entry_at(ea, c.leaf_level));
  for (const uint64_t off : {uint64_t{0}, uint64_t{0xFF8}, uint64_t{0x1008},
                             (uint64_t{1} << c.shift) - 8}) {
    if (off >= (uint64_t{1} << c.shift)) continue;  // the next page: not mapped
    const Translation t = walk(l.context(kUser, 1), ea + off, AccessType::Store);
    if (target + off >= Layout::kL2Size) {
      // Beyond the L2's 32 MiB of mapped real memory: a partition-scoped fault.
      EXPECT_EQ(t.kind, Kind::PartitionFault) << c.name;
      EXPECT_EQ(t.cause, dsisr::kNoTranslation | dsisr::kStore) << c.name;
      EXPECT_EQ(t.l2_real, target + off) << c.name;
      continue;
    }
    ASSERT_EQ(t.kind, Kind::Ok) << c.name << " off " << off;
    EXPECT_EQ(t.l2_real, target + off);
    EXPECT_EQ(t.l1_real, Layout::kL2Base + target + off);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, RadixProcessPageSize,
    ::testing::Values(PageCase{"4K", testing::kShift4K, 3}, PageCase{"64K", testing::kShift64K, 3},
                      PageCase{"2M", testing::kShift2M, 2}, PageCase{"1G", testing::kShift1G, 1}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(RadixProcess, InvalidEntryAtEachLevelIsDsiOrIsi) {
  for (unsigned level = 0; level < 4; ++level) {
    Layout l;
    auto& tree = l.process(1);
    const uint64_t ea = 0x7FFF0000;
    tree.map(ea, 0x400000, testing::kShift4K, kRwx);
    const uint64_t e = tree.entry_at(ea, level);
    tree.write(e, tree.read(e) & ~radix::kValid);
    const auto ctx = l.context(kUser, 1);
    Translation t = walk(ctx, ea + 4, AccessType::Store);
    EXPECT_EQ(t.kind, Kind::ProcessFault) << level;
    EXPECT_EQ(t.cause, dsisr::kNoTranslation | dsisr::kStore) << level;
    t = walk(ctx, ea, AccessType::Fetch);
    EXPECT_EQ(t.kind, Kind::ProcessFault) << level;
    EXPECT_EQ(t.cause, static_cast<uint32_t>(srr1::kIsiNoTranslation)) << level;
  }
}

TEST(RadixProcess, PrivilegeAndAccessAuthority) {
  Layout l;
  auto& k = l.process(0);
  const uint64_t kpage = kKernelEa + 0x10000;
  k.map(kpage, 0x400000, testing::kShift4K, kRw | radix::kEaaPrivileged);
  auto& u = l.process(2);
  const uint64_t ro = 0x20000;
  const uint64_t rx = 0x21000;
  const uint64_t io = 0x22000;
  u.map(ro, 0x401000, testing::kShift4K, radix::kEaaRead);
  u.map(rx, 0x402000, testing::kShift4K, radix::kEaaRead | radix::kEaaExecute);
  u.map(io, 0x403000, testing::kShift4K, kRwx | radix::kAttNonIdempotent);

  // Problem state may not touch a privileged page.
  Translation t = walk(l.context(kUser, 2), kpage, AccessType::Load);
  EXPECT_EQ(t.kind, Kind::ProcessFault);
  EXPECT_EQ(t.cause, dsisr::kProtection);
  t = walk(l.context(kUser, 2), kpage, AccessType::Fetch);
  EXPECT_EQ(t.cause, static_cast<uint32_t>(srr1::kIsiProtection));
  EXPECT_EQ(walk(l.context(kVirt, 2), kpage, AccessType::Store).kind, Kind::Ok);
  // A privileged page without execute authority.
  EXPECT_EQ(walk(l.context(kVirt, 2), kpage, AccessType::Fetch).cause,
            static_cast<uint32_t>(srr1::kIsiNoExecGuard));

  const auto user = l.context(kUser, 2);
  EXPECT_EQ(walk(user, ro, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(walk(user, ro, AccessType::Store).cause, dsisr::kProtection | dsisr::kStore);
  EXPECT_EQ(walk(user, ro, AccessType::Fetch).cause, static_cast<uint32_t>(srr1::kIsiNoExecGuard));
  EXPECT_EQ(walk(user, rx, AccessType::Fetch).kind, Kind::Ok);
  // Fetch from guarded (non-idempotent I/O) storage.
  EXPECT_EQ(walk(user, io, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(walk(user, io, AccessType::Fetch).cause, static_cast<uint32_t>(srr1::kIsiNoExecGuard));
}

TEST(RadixProcess, AmrAndIamrKey0GuardPrivilegedAccessToUserPages) {
  Layout l;
  l.process(3).map(0x30000, 0x500000, testing::kShift4K, kRwx);
  auto ctx = l.context(kVirt, 3);
  EXPECT_EQ(walk(ctx, 0x30000, AccessType::Store).kind, Kind::Ok);
  ctx.amr = bits::bit(0);  // key 0 store disable (Linux KUAP)
  EXPECT_EQ(walk(ctx, 0x30000, AccessType::Store).cause, dsisr::kAmr | dsisr::kStore);
  EXPECT_EQ(walk(ctx, 0x30000, AccessType::Load).kind, Kind::Ok);
  ctx.amr = bits::bit(1);  // key 0 load disable
  EXPECT_EQ(walk(ctx, 0x30000, AccessType::Load).cause, dsisr::kAmr);
  ctx.amr = 0;
  ctx.iamr = bits::bit(1);  // key 0 execute disable (Linux KUEP)
  EXPECT_EQ(walk(ctx, 0x30000, AccessType::Fetch).cause, static_cast<uint32_t>(srr1::kIsiIamr));
  // Problem state is not subject to key 0 on radix.
  auto user = l.context(kUser, 3);
  user.amr = ~uint64_t{0};
  user.iamr = ~uint64_t{0};
  EXPECT_EQ(walk(user, 0x30000, AccessType::Store).kind, Kind::Ok);
  EXPECT_EQ(walk(user, 0x30000, AccessType::Fetch).kind, Kind::Ok);
}

TEST(RadixProcess, ReferenceAndChangeInBothTrees) {
  Layout l;
  auto& tree = l.process(1);
  const uint64_t ea = 0x40000;
  const uint64_t proc_leaf = tree.map(ea, 0x600000, testing::kShift4K, kRwx);
  // Give the data page its own 4 KiB partition-scoped leaf to watch its R/C.
  const uint64_t l2_page = 0x600000;
  const uint64_t part_pde = l.partition.entry_at(l2_page, 2);
  // Replace the 2 MiB leaf holding 0x600000 by a directory of 4 KiB pages.
  l.partition.write(part_pde, 0);
  const uint64_t part_leaf = l.partition.map(l2_page, Layout::kL2Base + l2_page, testing::kShift4K, kRwx);
  const auto ctx = l.context(kUser, 1);
  constexpr uint64_t kRc = radix::kReference | radix::kChange;

  ASSERT_EQ(walk(ctx, ea, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(tree.read(proc_leaf) & kRc, radix::kReference);
  EXPECT_EQ(l.partition.read(part_leaf) & kRc, radix::kReference);
  ASSERT_EQ(walk(ctx, ea, AccessType::Store).kind, Kind::Ok);
  EXPECT_EQ(tree.read(proc_leaf) & kRc, kRc);
  EXPECT_EQ(l.partition.read(part_leaf) & kRc, kRc);
}

TEST(RadixProcess, QuadrantsOneAndTwoAndEaBeyondTheTreeAreSegmentFaults) {
  Layout l;
  l.process(0);
  l.process(1);
  const auto ctx = l.context(kVirt, 1);
  EXPECT_EQ(walk(ctx, 0x4000000000001000ull, AccessType::Load).kind, Kind::SegmentFault);
  EXPECT_EQ(walk(ctx, 0x8000000000001000ull, AccessType::Fetch).kind, Kind::SegmentFault);
  // 52-bit tree: EA bits 2:11 must be zero.
  EXPECT_EQ(walk(ctx, uint64_t{1} << 52, AccessType::Load).kind, Kind::SegmentFault);
  EXPECT_EQ(walk(ctx, kKernelEa | (uint64_t{1} << 60), AccessType::Load).kind, Kind::SegmentFault);

  VcpuState s;
  s.msr = kVirt;
  deliver_storage_interrupt(s, walk(ctx, uint64_t{1} << 52, AccessType::Load), uint64_t{1} << 52,
                            AccessType::Load, 0x7000);
  EXPECT_EQ(s.nia, 0x380u);
  EXPECT_EQ(s.dar, uint64_t{1} << 52);
  EXPECT_EQ(s.srr0, 0x7000u);
  deliver_storage_interrupt(s, walk(ctx, uint64_t{1} << 52, AccessType::Fetch), uint64_t{1} << 52,
                            AccessType::Fetch, uint64_t{1} << 52);
  EXPECT_EQ(s.nia, 0x480u);
  EXPECT_EQ(s.srr0, uint64_t{1} << 52);
}

TEST(RadixProcess, PidOutsideTheProcessTableIsNoTranslation) {
  Layout l;
  const Translation t = walk(l.context(kVirt, 16), 0x1000, AccessType::Store);
  EXPECT_EQ(t.kind, Kind::ProcessFault);
  EXPECT_EQ(t.cause, dsisr::kNoTranslation | dsisr::kStore);
}

TEST(RadixProcess, UnusedProcessTableEntryIsBadConfig) {
  Layout l;  // PID 4's entry is all zeros: RPDS 0
  const Translation t = walk(l.context(kVirt, 4), 0x1000, AccessType::Load);
  EXPECT_EQ(t.kind, Kind::ProcessFault);
  EXPECT_EQ(t.cause, dsisr::kBadConfig);
}

TEST(RadixNested, ProcessTableEntryNotMappedByThePartitionIsHdsiOnTheTableEntry) {
  Layout l;
  l.process(1).map(0x1000, 0x2000, testing::kShift4K, kRwx);
  // Move the process table to L2 real 40 MiB, which the partition does not map.
  l.config.process_table = 40ull << 20;
  const Translation t = walk(l.context(kVirt, 1), 0x1000, AccessType::Store);
  ASSERT_EQ(t.kind, Kind::PartitionFault);
  EXPECT_EQ(t.cause, dsisr::kNoTranslation | dsisr::kTableWalk);
  EXPECT_EQ(t.l2_real, (40ull << 20) + 16);
  VcpuState s;
  EXPECT_EQ(record_partition_fault(s, t, 0x1000, AccessType::Store), ExitKind::Hdsi);
  EXPECT_EQ(s.hdar, 0x1000u);
  EXPECT_EQ(s.asdr, 40ull << 20);
}

TEST(RadixNested, DirectoryOfTheProcessTreeNotMappedIsHdsiOnThatDirectory) {
  for (unsigned level = 1; level < 4; ++level) {
    Layout l;
    auto& tree = l.process(1);
    const uint64_t ea = 0x1234000;
    tree.map(ea, 0x2000, testing::kShift4K, kRwx);
    // Point the entry at `level - 1` to a directory at L2 real 48 MiB (not mapped).
    const uint64_t parent = tree.entry_at(ea, level - 1);
    const uint64_t pde = tree.read(parent);
    const auto nls = static_cast<unsigned>(pde & radix::kNlsMask);
    tree.write(parent, radix::make_pde(48ull << 20, nls));
    const Translation t = walk(l.context(kVirt, 1), ea, AccessType::Fetch);
    ASSERT_EQ(t.kind, Kind::PartitionFault) << level;
    EXPECT_EQ(t.cause & dsisr::kTableWalk, dsisr::kTableWalk) << level;
    EXPECT_EQ(t.l2_real & ~uint64_t{0xFFF}, 48ull << 20) << level;
  }
}

TEST(RadixNested, ProcessFaultTakesPrecedenceOverThePartitionFaultOfTheData) {
  Layout l;
  // The process-scoped leaf is read-only and maps an L2 real page the partition lacks.
  l.process(1).map(0x1000, 40ull << 20, testing::kShift4K, radix::kEaaRead);
  const auto ctx = l.context(kUser, 1);
  EXPECT_EQ(walk(ctx, 0x1000, AccessType::Store).kind, Kind::ProcessFault);
  const Translation t = walk(ctx, 0x1000, AccessType::Load);
  EXPECT_EQ(t.kind, Kind::PartitionFault);
  EXPECT_EQ(t.cause, dsisr::kNoTranslation);  // not a table walk: the data page itself
  EXPECT_EQ(t.l2_real, 40ull << 20);
}

TEST(RadixNested, ProcessFaultDeliversDsiAndIsiInsideL2) {
  Layout l;
  l.process(1);
  const auto ctx = l.context(kUser, 1);
  VcpuState s;
  s.msr = kUser | msr::kEE;
  const Translation d = walk(ctx, 0x9000, AccessType::Store);
  deliver_storage_interrupt(s, d, 0x9000, AccessType::Store, 0x10000040);
  EXPECT_EQ(s.nia, 0x300u);
  EXPECT_EQ(s.srr0, 0x10000040u);
  EXPECT_EQ(s.dar, 0x9000u);
  EXPECT_EQ(s.dsisr, dsisr::kNoTranslation | dsisr::kStore);
  EXPECT_EQ(s.msr & msr::kPR, 0u);
  s.msr = kUser;
  const Translation i = walk(ctx, 0x9000, AccessType::Fetch);
  deliver_storage_interrupt(s, i, 0x9000, AccessType::Fetch, 0x9000);
  EXPECT_EQ(s.nia, 0x400u);
  EXPECT_EQ(s.srr0, 0x9000u);
  EXPECT_EQ(s.srr1 & srr1::kCauseMask, srr1::kIsiNoTranslation);
  EXPECT_EQ(s.srr1 & msr::kPR, msr::kPR);
}

}  // namespace
}  // namespace nv2::isa
