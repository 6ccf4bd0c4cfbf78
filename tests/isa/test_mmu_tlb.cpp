// The software TLB (isa/mmu.hpp SoftTlb): caching, tags, and the invalidations tlbie /
// tlbiel / a SET of 0x0005/0x0006 imply; a store never bypasses C recording.
#include <gtest/gtest.h>

#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "test_radix_tables.hpp"

namespace nv2::isa {
namespace {

using testing::kRwx;
using testing::Layout;
using Kind = Translation::Kind;

constexpr uint64_t kVirt = msr::kSF | msr::kIR | msr::kDR;
constexpr uint64_t kUser = kVirt | msr::kPR;
constexpr uint64_t kReal = msr::kSF;

TEST(SoftTlb, SecondAccessHitsAndSeesTheSameTranslation) {
  Layout l;
  l.process(1).map(0x5000, 0x100000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  const Translation a = translate(ctx, tlb, 0x5010, AccessType::Load);
  ASSERT_EQ(a.kind, Kind::Ok);
  EXPECT_EQ(tlb.misses, 1u);
  const Translation b = translate(ctx, tlb, 0x5FF8, AccessType::Load);
  ASSERT_EQ(b.kind, Kind::Ok);
  EXPECT_EQ(tlb.hits, 1u);
  EXPECT_EQ(b.l1_real, Layout::kL2Base + 0x100FF8);
  EXPECT_EQ(b.l2_real, 0x100FF8u);
}

TEST(SoftTlb, CachedTranslationIsStaleUntilInvalidated) {
  Layout l;
  auto& tree = l.process(1);
  const uint64_t leaf = tree.map(0x5000, 0x100000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  // The L2 OS remaps the page; until it invalidates, the TLB keeps the old translation
  // (as hardware does), afterwards the new one is used.
  tree.write(leaf, radix::make_pte(0x200000, kRwx));
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).l2_real, 0x100000u);
  tlb.flush_ea(0x5000, 1);
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).l2_real, 0x200000u);
  tree.write(leaf, 0);
  tlb.flush_pid(1);
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::ProcessFault);
}

TEST(SoftTlb, FlushEaTouchesOnlyThatPageAndPid) {
  Layout l;
  auto& one = l.process(1);
  one.map(0x5000, 0x100000, testing::kShift4K, kRwx);
  one.map(0x6000, 0x101000, testing::kShift4K, kRwx);
  l.process(2).map(0x5000, 0x102000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  for (const uint32_t pid : {1u, 2u}) {
    ASSERT_EQ(translate(l.context(kUser, pid), tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  }
  ASSERT_EQ(translate(l.context(kUser, 1), tlb, 0x6000, AccessType::Load).kind, Kind::Ok);
  tlb.flush_ea(0x5123, 1);
  EXPECT_EQ(tlb.lookup(l.context(kUser, 1), 0x5000, AccessType::Load), nullptr);
  EXPECT_NE(tlb.lookup(l.context(kUser, 1), 0x6000, AccessType::Load), nullptr);
  EXPECT_NE(tlb.lookup(l.context(kUser, 2), 0x5000, AccessType::Load), nullptr);
}

TEST(SoftTlb, FlushEaOfALargePageDropsEvery4KiBPieceOfIt) {
  Layout l;
  l.process(1).map(0x40000000, 0x200000, testing::kShift2M, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  for (uint64_t off = 0; off < (2u << 20); off += 0x40000) {
    ASSERT_EQ(translate(ctx, tlb, 0x40000000 + off, AccessType::Load).kind, Kind::Ok);
  }
  tlb.flush_ea(0x40000000 + 0x1FF000, 1);  // any address inside the 2 MiB page
  for (uint64_t off = 0; off < (2u << 20); off += 0x40000) {
    EXPECT_EQ(tlb.lookup(ctx, 0x40000000 + off, AccessType::Load), nullptr) << off;
  }
}

TEST(SoftTlb, PidTaggingKeepsProcessesApartWithoutAFlush) {
  Layout l;
  l.process(1).map(0x5000, 0x100000, testing::kShift4K, kRwx);
  l.process(2).map(0x5000, 0x102000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  EXPECT_EQ(translate(l.context(kUser, 1), tlb, 0x5000, AccessType::Load).l2_real, 0x100000u);
  EXPECT_EQ(translate(l.context(kUser, 2), tlb, 0x5000, AccessType::Load).l2_real, 0x102000u);
  EXPECT_EQ(translate(l.context(kUser, 1), tlb, 0x5000, AccessType::Load).l2_real, 0x100000u);
}

TEST(SoftTlb, StoreThroughALoadFilledEntryWalksAndSetsChange) {
  Layout l;
  auto& tree = l.process(1);
  const uint64_t leaf = tree.map(0x5000, 0x100000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  EXPECT_EQ(tree.read(leaf) & radix::kChange, 0u);
  EXPECT_EQ(tlb.lookup(ctx, 0x5000, AccessType::Store), nullptr);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Store).kind, Kind::Ok);
  EXPECT_EQ(tree.read(leaf) & radix::kChange, radix::kChange);
  EXPECT_NE(tlb.lookup(ctx, 0x5000, AccessType::Store), nullptr);
}

TEST(SoftTlb, PermissionsAreCheckedOnHitsPerPrivilegeAndType) {
  Layout l;
  l.process(0).map(0xC000000000010000ull, 0x100000, testing::kShift4K,
                   radix::kEaaRead | radix::kEaaPrivileged);
  SoftTlb tlb;
  const uint64_t ea = 0xC000000000010000ull;
  ASSERT_EQ(translate(l.context(kVirt, 7), tlb, ea, AccessType::Load).kind, Kind::Ok);
  // Same page from problem state, as a store, as a fetch: all must fault, not hit.
  EXPECT_EQ(translate(l.context(kUser, 7), tlb, ea, AccessType::Load).kind, Kind::ProcessFault);
  EXPECT_EQ(translate(l.context(kVirt, 7), tlb, ea, AccessType::Store).kind, Kind::ProcessFault);
  EXPECT_EQ(translate(l.context(kVirt, 7), tlb, ea, AccessType::Fetch).kind, Kind::ProcessFault);
}

TEST(SoftTlb, AmrIsCheckedOnHits) {
  Layout l;
  l.process(1).map(0x5000, 0x100000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  auto ctx = l.context(kVirt, 1);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Store).kind, Kind::Ok);
  ctx.amr = bits::bit(0);  // KUAP: block kernel stores to user pages
  const Translation t = translate(ctx, tlb, 0x5000, AccessType::Store);
  EXPECT_EQ(t.kind, Kind::ProcessFault);
  EXPECT_EQ(t.cause, dsisr::kAmr | dsisr::kStore);
}

TEST(SoftTlb, RealModeAndRelocatedEntriesAreDistinct) {
  Layout l;
  l.process(0).map(0xC000000000005000ull, 0x300000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const uint64_t ea = 0xC000000000005000ull;
  EXPECT_EQ(translate(l.context(kReal), tlb, ea, AccessType::Load).l2_real, 0x5000u);
  EXPECT_EQ(translate(l.context(kVirt), tlb, ea, AccessType::Load).l2_real, 0x300000u);
  EXPECT_EQ(translate(l.context(kReal), tlb, ea, AccessType::Load).l2_real, 0x5000u);
  // MSR[IR]=1, MSR[DR]=0: fetches relocate, data does not.
  const auto mixed = l.context(msr::kSF | msr::kIR);
  EXPECT_EQ(translate(mixed, tlb, ea, AccessType::Fetch).l2_real, 0x300000u);
  EXPECT_EQ(translate(mixed, tlb, ea, AccessType::Load).l2_real, 0x5000u);
}

TEST(SoftTlb, PartitionScopedChangeNeedsFlushAll) {
  // A partition-scoped change (H_RPT_INVALIDATE, SET of 0x0005) is only seen after
  // flush_all: process-scoped entries cache the combined translation.
  Layout l;
  l.process(1).map(0x5000, 0x100000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  const uint64_t part_leaf = l.partition.entry_at(0x100000, 2);
  l.partition.write(part_leaf, 0);
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  tlb.flush_pid(1);  // a process-scoped flush also drops it (the entry is PID 1's)
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::PartitionFault);
  // Restore, fill, then change and flush_all.
  l.partition.write(part_leaf, radix::make_pte(Layout::kL2Base, kRwx));
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  l.partition.write(part_leaf, 0);
  tlb.flush_all();
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::PartitionFault);
}

TEST(SoftTlb, TablePageTranslationsAreCachedUntilFlushAll) {
  // The partition-scoped translations of the process-scoped table pages are cached in the
  // TLB: a change to the partition-scoped map of a table page is seen after flush_all (what
  // H_RPT_INVALIDATE / a SET of 0x0005 imply), not after a process-scoped flush.
  Layout l;
  auto& tree = l.process(1);
  tree.map(0x5000, 0x100000, testing::kShift4K, kRwx);
  tree.map(0x6000, 0x101000, testing::kShift4K, kRwx);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  ASSERT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
  // Unmap (partition-scoped) the 2 MiB that holds the process-scoped tables.
  const uint64_t tables_leaf = l.partition.entry_at(Layout::kProcessTable, 2);
  l.partition.write(tables_leaf, 0);
  tlb.flush_pid(1);
  EXPECT_EQ(translate(ctx, tlb, 0x6000, AccessType::Load).kind, Kind::Ok);  // cached table pages
  EXPECT_EQ(walk(ctx, 0x6000, AccessType::Load).kind, Kind::PartitionFault);  // no TLB: walks
  tlb.flush_all();
  const Translation t = translate(ctx, tlb, 0x6000, AccessType::Load);
  EXPECT_EQ(t.kind, Kind::PartitionFault);
  EXPECT_EQ(t.cause & dsisr::kTableWalk, dsisr::kTableWalk);
}

TEST(SoftTlb, FaultsAreNeverCached) {
  Layout l;
  auto& tree = l.process(1);
  SoftTlb tlb;
  const auto ctx = l.context(kUser, 1);
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::ProcessFault);
  // The OS maps the page after the fault; no invalidation is needed to see it.
  tree.map(0x5000, 0x100000, testing::kShift4K, kRwx);
  EXPECT_EQ(translate(ctx, tlb, 0x5000, AccessType::Load).kind, Kind::Ok);
}

}  // namespace
}  // namespace nv2::isa
