// Hostile tables: the L1 (and the L2, for its own tables) controls every byte the radix walk
// reads. Random trees with entries pointing inside, across and beyond L1 memory, random
// partition/process table info, random EAs and MSRs: the walk must answer every one with a
// translation inside L1 memory or a fault, never touch a byte outside (the ASan stage of the
// test script runs this too). Deterministic seeds, so a failure reproduces.
#include <gtest/gtest.h>

#include <random>

#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "test_radix_tables.hpp"

namespace nv2::isa {
namespace {

constexpr uint64_t kSize = 1ull << 20;
constexpr uint64_t kL2Base = 512 * 1024;      // L1 real of L2 real 0
constexpr uint64_t kL2Size = 512 * 1024;
constexpr uint64_t kProcessTable = 0x1000;    // L2 real
constexpr uint64_t kProcTables = 0x10000;     // L2 real, process-scoped tables
constexpr uint32_t kPids = 3;

class Hostile {
 public:
  explicit Hostile(uint64_t seed) : rng_(seed), mem_(kSize) {}

  // Lay out well-formed trees (a partition tree mapping L2 real [0, 512 KiB) to L1 real
  // [512 KiB, 1 MiB) with 4 KiB pages and mixed permissions, a process table, three process
  // trees), fill the rest with a mix of directories, leaves and garbage pointing inside, near
  // the end of and beyond L1 memory, then corrupt random words of the tables; the table info
  // is well-formed 7 times in 8.
  void randomise() {
    for (uint64_t a = 0; a < kSize; a += 8) mem_.store_be64(a, entry());
    for (uint64_t a = 0; a < kL2Size + kL2Base; a += 8) mem_.store_be64(a, 0);
    testing::Bump part_alloc(0, kL2Base);
    testing::RadixTree part(mem_, std::ref(part_alloc), [](uint64_t x) { return x; });
    for (uint64_t a = 0; a < kL2Size; a += 0x1000) {
      if (pick(8) != 0) part.map(a, kL2Base + a, testing::kShift4K, perms());
    }
    testing::Bump proc_alloc(kProcTables, kL2Size);
    for (uint32_t pid = 0; pid < kPids; ++pid) {
      testing::RadixTree tree(mem_, std::ref(proc_alloc), [](uint64_t x) { return kL2Base + x; });
      for (int i = 0; i < 32; ++i) {
        const uint64_t ea = (pid == 0 ? 0xC000000000000000ull : 0) | (pick(64) << 12) | (pick(4) << 30);
        tree.map(ea, pick(kL2Size >> 12) << 12, testing::kShift4K, perms() | (pick(2) ? radix::kEaaPrivileged : 0));
      }
      mem_.store_be64(kL2Base + kProcessTable + 16 * pid,
                      radix::make_table_entry(tree.root(), testing::RadixTree::kTreeBits,
                                              testing::RadixTree::kRootNls));
    }
    for (int i = 0, n = static_cast<int>(pick(64)); i < n; ++i) {
      mem_.store_be64(pick((kL2Base + kL2Size) / 8) * 8, entry());
    }
    const bool sane = pick(8) != 0;
    cfg_.partition_table_defined = pick(16) != 0;
    cfg_.pt_root = sane ? part.root() : address() & ~uint64_t{0xFF};
    cfg_.pt_ea_bits = sane ? 52 : pick(80);
    cfg_.pt_root_size = sane ? uint64_t{8} << 13 : rng_() % 100000;
    cfg_.process_table = sane ? kProcessTable : address();
    cfg_.process_table_size = sane ? 16 * kPids : rng_();
  }

  MmuContext context() {
    static constexpr uint64_t kMsrs[] = {
        msr::kSF, msr::kSF | msr::kIR | msr::kDR, msr::kSF | msr::kIR | msr::kDR | msr::kPR,
        msr::kSF | msr::kIR, msr::kSF | msr::kDR};
    MmuContext ctx{mem_.real(), &cfg_, kMsrs[pick(5)], 0,
                   static_cast<uint32_t>(pick(8) == 0 ? rng_() : pick(6))};
    ctx.amr = pick(4) == 0 ? rng_() : 0;
    ctx.iamr = pick(4) == 0 ? rng_() : 0;
    return ctx;
  }

  uint64_t ea() {
    switch (pick(6)) {
      case 0: return rng_();
      case 1: return 0xC000000000000000ull | (rng_() & 0xFFFFFFFFFull);
      case 2: return address();
      case 3: return 0xC000000000000000ull | (pick(64) << 12) | (pick(4) << 30) | pick(4096);
      default: return (pick(64) << 12) | (pick(4) << 30) | pick(4096);  // where the trees map
    }
  }

  uint64_t pick(uint64_t n) { return rng_() % n; }
  const testing::TestMemory& mem() const { return mem_; }

 private:
  // Around L1 memory: mostly inside, some in the last page, some beyond, some anywhere.
  uint64_t address() {
    switch (pick(8)) {
      case 0: return rng_();
      case 1: return kSize - pick(4096);
      case 2: return kSize + pick(kSize);
      default: return pick(kSize);
    }
  }
  uint64_t perms() { return pick(4) == 0 ? rng_() & 0xF : testing::kRwx; }
  uint64_t entry() {
    switch (pick(10)) {
      case 0: case 1: case 2: case 3:
        return radix::make_pde(address(), static_cast<unsigned>(pick(8) == 0 ? pick(32) : 5 + pick(9)));
      case 4: case 5: case 6:
        return radix::make_pte(address(), rng_() & 0x1FF);
      case 7:
        return radix::make_table_entry(address(), 31 + static_cast<unsigned>(pick(32)),
                                       static_cast<unsigned>(pick(32)));
      default:
        return rng_();
    }
  }

  std::mt19937_64 rng_;
  testing::TestMemory mem_;
  PartitionConfig cfg_;
};

TEST(RadixHostile, EveryAnswerIsInsideL1MemoryOrAFault) {
  uint64_t ok = 0;
  uint64_t faults[4] = {};
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Hostile h(seed);
    for (int round = 0; round < 8; ++round) {
      h.randomise();
      SoftTlb tlb;
      for (int i = 0; i < 4000; ++i) {
        const MmuContext ctx = h.context();
        const uint64_t ea = h.ea();
        const auto type = static_cast<AccessType>(h.pick(3));
        const Translation t = (i % 2 == 0) ? walk(ctx, ea, type) : translate(ctx, tlb, ea, type);
        ++faults[static_cast<unsigned>(t.kind)];
        if (t.kind != Translation::Kind::Ok) continue;
        ++ok;
        ASSERT_TRUE(h.mem().real().contains(t.l1_real & ~uint64_t{0xFFF}, 4096))
            << "seed " << seed << " round " << round << " ea 0x" << std::hex << ea << " -> 0x"
            << t.l1_real;
        ASSERT_EQ(t.l1_real & 0xFFF, ea & 0xFFF);
        ASSERT_EQ(t.l2_real & 0xFFF, ea & 0xFFF);
        // A successful access recorded R in the leaves it used; the same access again agrees.
        const Translation again = walk(ctx, ea, type);
        ASSERT_EQ(again.kind, Translation::Kind::Ok);
        ASSERT_EQ(again.l1_real, t.l1_real);
      }
    }
  }
  // The generator must reach every outcome, or the test proves little.
  EXPECT_GT(ok, 100u);
  EXPECT_GT(faults[static_cast<unsigned>(Translation::Kind::ProcessFault)], 100u);
  EXPECT_GT(faults[static_cast<unsigned>(Translation::Kind::PartitionFault)], 100u);
  EXPECT_GT(faults[static_cast<unsigned>(Translation::Kind::SegmentFault)], 100u);
}

}  // namespace
}  // namespace nv2::isa
