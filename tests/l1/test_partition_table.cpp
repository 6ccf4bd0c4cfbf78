// The partition-scoped radix table and the page allocator (issue 5 item 4; §8).
#include <gtest/gtest.h>

#include <vector>

#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "l1/memory.hpp"
#include "l1/partition_table.hpp"

namespace nv2::l1 {
namespace {

// The L1's entry encodings are the ones the engine's walker decodes (agreement test).
static_assert(radix::kValid == isa::radix::kValid && radix::kLeaf == isa::radix::kLeaf &&
              radix::kNlbMask == isa::radix::kNlbMask && radix::kNlsMask == isa::radix::kNlsMask &&
              radix::kRpnMask == isa::radix::kRpnMask && radix::kReference == isa::radix::kReference &&
              radix::kChange == isa::radix::kChange && radix::kRead == isa::radix::kEaaRead &&
              radix::kReadWrite == isa::radix::kEaaReadWrite &&
              radix::kExecute == isa::radix::kEaaExecute);

class TableTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> bytes = std::vector<uint8_t>(8u << 20);
  papr::RealMemory mem{bytes.data(), bytes.size()};
  PageAllocator alloc{mem, 0, 0};

  // Translate an L2 real address with the engine's partition-scoped walk (real mode).
  isa::Translation walk(const PartitionScopedTable& t, uint64_t l2_real, isa::AccessType type) {
    isa::PartitionConfig cfg;
    cfg.partition_table_defined = true;
    cfg.pt_root = t.root();
    cfg.pt_ea_bits = t.ea_bits();
    cfg.pt_root_size = t.root_size();
    isa::MmuContext ctx{mem, &cfg, /*msr=*/0, /*lpcr=*/0, /*pidr=*/0};
    return isa::walk(ctx, l2_real, type);
  }
};

TEST_F(TableTest, EntryEncodings) {
  EXPECT_EQ(PartitionScopedTable::make_pte(0x12340000, Perms{}),
            isa::radix::make_pte(0x12340000, isa::radix::kReference | isa::radix::kChange |
                                                 isa::radix::kEaaRead | isa::radix::kEaaReadWrite |
                                                 isa::radix::kEaaExecute));
  EXPECT_EQ(PartitionScopedTable::make_pte(0x12340000, Perms{true, false, false}),
            0xC000000012340104ull) << "V L RPN R read";
  EXPECT_EQ(PartitionScopedTable::make_pde(0x56000, 9), isa::radix::make_pde(0x56000, 9));
  EXPECT_EQ(PartitionScopedTable::make_pde(0x56000, 9), 0x8000000000056009ull);
}

TEST_F(TableTest, MappedPagesWalkToTheirL1PageWithTheEnginesWalker) {
  auto t = PartitionScopedTable::create(alloc);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root() % 65536, 0u);
  EXPECT_EQ(t->root_size(), 65536u);
  EXPECT_EQ(t->page_size(), 65536u);
  auto page = alloc.allocate(kPage64K, kPage64K);
  ASSERT_TRUE(page);
  const uint64_t l2 = 0x123450000ull;
  ASSERT_TRUE(t->map(l2, *page));
  for (uint64_t off : {uint64_t{0}, uint64_t{0x10}, uint64_t{0xFFF8}}) {
    const auto tr = walk(*t, l2 + off, isa::AccessType::Store);
    ASSERT_EQ(tr.kind, isa::Translation::Kind::Ok) << std::hex << off;
    EXPECT_EQ(tr.l1_real, *page + off);
    EXPECT_EQ(t->lookup(l2 + off), *page + off);
  }
  EXPECT_EQ(walk(*t, l2 + 0x10000, isa::AccessType::Load).kind,
            isa::Translation::Kind::PartitionFault) << "the next page is not mapped";
  EXPECT_FALSE(t->lookup(l2 + 0x10000));
  // Four levels: root + one directory per lower level.
  EXPECT_EQ(t->tables_bytes(), 65536u + 3 * kPage4K);
}

TEST_F(TableTest, FourKilobytePagesWalkToo) {
  auto t = PartitionScopedTable::create(alloc, RadixPageSize::k4K);
  ASSERT_TRUE(t);
  auto page = alloc.allocate(kPage4K, kPage4K);
  ASSERT_TRUE(page);
  ASSERT_TRUE(t->map(0x5000, *page));
  const auto tr = walk(*t, 0x5008, isa::AccessType::Fetch);
  ASSERT_EQ(tr.kind, isa::Translation::Kind::Ok);
  EXPECT_EQ(tr.l1_real, *page + 8);
  EXPECT_EQ(walk(*t, 0x6000, isa::AccessType::Load).kind, isa::Translation::Kind::PartitionFault);
}

TEST_F(TableTest, PermissionsReachTheLeaf) {
  auto t = PartitionScopedTable::create(alloc);
  ASSERT_TRUE(t);
  auto page = alloc.allocate(kPage64K, kPage64K);
  ASSERT_TRUE(page);
  ASSERT_TRUE(t->map(0, *page, Perms{true, false, false}));
  EXPECT_EQ(walk(*t, 0x10, isa::AccessType::Load).kind, isa::Translation::Kind::Ok);
  EXPECT_EQ(walk(*t, 0x10, isa::AccessType::Store).kind, isa::Translation::Kind::PartitionFault);
  EXPECT_EQ(walk(*t, 0x10, isa::AccessType::Fetch).kind, isa::Translation::Kind::PartitionFault);
}

TEST_F(TableTest, RemapConflictsUnmapAndBadAddresses) {
  auto t = PartitionScopedTable::create(alloc);
  ASSERT_TRUE(t);
  auto a = alloc.allocate(kPage64K, kPage64K);
  auto b = alloc.allocate(kPage64K, kPage64K);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(t->map(0x20000, *a));
  EXPECT_TRUE(t->map(0x20000, *a)) << "same mapping again is a no-op";
  auto conflict = t->map(0x20000, *b);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().kind, ErrorKind::State) << "changing a mapping needs unmap + invalidate";
  EXPECT_EQ(t->unmap(0x20008), *a);
  EXPECT_FALSE(t->lookup(0x20000));
  EXPECT_EQ(t->leaf_entry(0x20000), 0u);
  EXPECT_FALSE(t->unmap(0x20000));
  ASSERT_TRUE(t->map(0x20000, *b));
  EXPECT_EQ(t->lookup(0x20000), *b);
  EXPECT_EQ(t->map(0x21000, *a).error().kind, ErrorKind::BadAddress) << "unaligned L2 address";
  EXPECT_EQ(t->map(0x30000, *a + 0x1000).error().kind, ErrorKind::BadAddress) << "unaligned L1";
  EXPECT_EQ(t->map(uint64_t{1} << 52, *a).error().kind, ErrorKind::BadAddress) << "beyond 52 bits";
  EXPECT_EQ(t->map(0x40000, mem.size()).error().kind, ErrorKind::BadAddress) << "outside L1 memory";
}

TEST_F(TableTest, DestroyingATableReturnsItsDirectories) {
  const auto before = alloc.stats().bytes_in_use;
  {
    auto t = PartitionScopedTable::create(alloc);
    ASSERT_TRUE(t);
    auto page = alloc.allocate(kPage64K, kPage64K);
    ASSERT_TRUE(page);
    ASSERT_TRUE(t->map(0x7770000, *page));
    alloc.free(*page, kPage64K);
  }
  EXPECT_EQ(alloc.stats().bytes_in_use, before);
}

TEST(PageAllocatorTest, AlignmentZeroingReuseAndExhaustion) {
  std::vector<uint8_t> bytes(1u << 20, 0xEE);
  PageAllocator a(papr::RealMemory{bytes.data(), bytes.size()}, 0x1000, 0);
  auto p4 = a.allocate(100);
  ASSERT_TRUE(p4);
  EXPECT_EQ(*p4, 0x1000u);
  EXPECT_EQ(bytes[*p4], 0) << "allocations are zeroed";
  EXPECT_EQ(bytes[*p4 + 4095], 0);
  auto p64 = a.allocate(kPage64K);
  ASSERT_TRUE(p64);
  EXPECT_EQ(*p64 % kPage64K, 0u) << "a 64 KiB block is 64 KiB aligned";
  // The alignment gap was kept: the next small blocks come from it.
  auto gap = a.allocate(kPage4K);
  ASSERT_TRUE(gap);
  EXPECT_LT(*gap, *p64);
  a.free(*p64, kPage64K);
  auto again = a.allocate(kPage64K);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *p64) << "freed blocks are reused";
  EXPECT_EQ(a.stats().allocations, 4u);
  EXPECT_EQ(a.stats().frees, 1u);
  auto huge = a.allocate(2u << 20);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().kind, ErrorKind::OutOfMemory);
  unsigned n = 0;
  while (a.allocate(kPage64K)) ++n;
  EXPECT_GT(n, 10u);
  EXPECT_EQ(a.allocate(kPage64K).error().kind, ErrorKind::OutOfMemory);
  EXPECT_LE(a.stats().bytes_in_use, a.stats().bytes_total);
}

}  // namespace
}  // namespace nv2::l1
