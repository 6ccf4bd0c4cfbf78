// R/C recording while other threads edit the same PTEs (papr-nestedv2.md §9.1, nv2 decision:
// R and C are set with a compare-and-swap, docs/decisions/isa-system.md). An L1 harvesting
// dirty bits or an L2 OS updating its own PTE on another vCPU must never lose an update to
// the engine's R/C write, nor the engine's to theirs. Run under TSan by the test script.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"
#include "isa/radix.hpp"
#include "test_radix_tables.hpp"

namespace nv2::isa {
namespace {

using testing::Layout;

constexpr uint64_t kUser = msr::kSF | msr::kIR | msr::kDR | msr::kPR;
constexpr uint64_t kSoftwareBit = bits::bit(2);  // Linux _RPAGE_SW0: ignored by the walk

// Atomically XOR `mask` into the big-endian PTE at L1 real `at`, as another CPU would.
void toggle(const Layout& l, uint64_t at, uint64_t mask) {
  auto* p = reinterpret_cast<uint64_t*>(l.mem.real().base() + at);
  __atomic_fetch_xor(p, __builtin_bswap64(mask), __ATOMIC_ACQ_REL);
}
uint64_t read(const Layout& l, uint64_t at) {
  auto* p = reinterpret_cast<uint64_t*>(l.mem.real().base() + at);
  return __builtin_bswap64(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

TEST(RadixConcurrency, RcUpdatesAndForeignEditsOfTheSamePteAreNeverLost) {
  Layout l;
  auto& tree = l.process(1);
  const uint64_t ea = 0x7000;
  const uint64_t leaf_l2 = tree.map(ea, 0x100000, testing::kShift4K, testing::kRwx);
  const uint64_t leaf_l1 = Layout::kL2Base + leaf_l2;
  const auto ctx = l.context(kUser, 1);

  constexpr int kToggles = 20000;
  std::atomic<bool> stop{false};
  std::atomic<int> walks{0};
  std::atomic<int> bad{0};
  std::thread walker([&] {
    while (!stop.load(std::memory_order_acquire)) {
      const Translation t = walk(ctx, ea, walks.load() % 2 == 0 ? AccessType::Store : AccessType::Load);
      if (t.kind != Translation::Kind::Ok || t.l2_real != 0x100000) bad.fetch_add(1);
      walks.fetch_add(1);
    }
  });
  // The "other CPU": toggles a software bit and, every so often, harvests R and C.
  for (int i = 0; i < kToggles; ++i) {
    toggle(l, leaf_l1, kSoftwareBit);
    if (i % 64 == 0) {
      const uint64_t rc = read(l, leaf_l1) & (radix::kReference | radix::kChange);
      toggle(l, leaf_l1, rc);  // clear exactly the R/C bits that are set
    }
  }
  while (walks.load() < 1000) std::this_thread::yield();
  stop.store(true, std::memory_order_release);
  walker.join();

  EXPECT_EQ(bad.load(), 0);
  // An even number of toggles: a lost update (a plain read-modify-write of R/C racing with
  // the toggle) would leave the bit set.
  EXPECT_EQ(read(l, leaf_l1) & kSoftwareBit, 0u);
  // After the last harvest the walker's next store records C again.
  ASSERT_EQ(walk(ctx, ea, AccessType::Store).kind, Translation::Kind::Ok);
  EXPECT_EQ(read(l, leaf_l1) & radix::kChange, radix::kChange);
}

TEST(RadixConcurrency, TwoVcpusWalkingTheSameTablesAgree) {
  Layout l;
  auto& tree = l.process(2);
  for (uint64_t p = 0; p < 64; ++p) tree.map(0x100000 + p * 0x1000, 0x200000 + p * 0x1000, testing::kShift4K, testing::kRwx);
  const auto ctx = l.context(kUser, 2);
  std::atomic<int> bad{0};
  auto vcpu = [&](int seed) {
    SoftTlb tlb;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t page = static_cast<uint64_t>((i * 7 + seed) % 64);
      const auto type = (i + seed) % 3 == 0 ? AccessType::Store : AccessType::Load;
      const Translation t = translate(ctx, tlb, 0x100000 + page * 0x1000 + 8, type);
      if (t.kind != Translation::Kind::Ok || t.l2_real != 0x200000 + page * 0x1000 + 8) bad.fetch_add(1);
    }
  };
  std::thread a(vcpu, 1);
  std::thread b(vcpu, 2);
  a.join();
  b.join();
  EXPECT_EQ(bad.load(), 0);
  for (uint64_t p = 0; p < 64; ++p) {
    const uint64_t pte = read(l, Layout::kL2Base + tree.entry_at(0x100000 + p * 0x1000, 3));
    EXPECT_EQ(pte & radix::kReference, radix::kReference) << p;
  }
}

TEST(TlbDomain, ABroadcastReachesEveryVcpuOnItsNextSync) {
  Layout l;
  auto& tree = l.process(1);
  const uint64_t leaf = tree.map(0x5000, 0x100000, testing::kShift4K, testing::kRwx);
  const auto ctx = l.context(kUser, 1);
  TlbDomain domain;
  SoftTlb a;
  SoftTlb b;
  EXPECT_FALSE(a.sync(domain));
  EXPECT_FALSE(b.sync(domain));
  ASSERT_EQ(translate(ctx, a, 0x5000, AccessType::Load).l2_real, 0x100000u);
  ASSERT_EQ(translate(ctx, b, 0x5000, AccessType::Load).l2_real, 0x100000u);
  // vCPU a remaps and invalidates with tlbie: its own TLB locally, the others by broadcast.
  tree.write(leaf, radix::make_pte(0x200000, testing::kRwx));
  a.flush_ea(0x5000, 1);
  domain.broadcast();
  EXPECT_EQ(translate(ctx, b, 0x5000, AccessType::Load).l2_real, 0x100000u);  // not synced yet
  EXPECT_TRUE(b.sync(domain));
  EXPECT_EQ(translate(ctx, b, 0x5000, AccessType::Load).l2_real, 0x200000u);
  EXPECT_FALSE(b.sync(domain));  // once per broadcast
}

TEST(TlbDomain, ConcurrentBroadcastsAndSyncsNeverMissTheLastOne) {
  TlbDomain domain;
  std::atomic<bool> done{false};
  std::thread issuer([&] {
    for (int i = 0; i < 10000; ++i) domain.broadcast();
    done.store(true, std::memory_order_release);
  });
  SoftTlb tlb;
  while (!done.load(std::memory_order_acquire)) tlb.sync(domain);
  issuer.join();
  tlb.sync(domain);
  EXPECT_FALSE(tlb.sync(domain));  // caught up with the final generation
  EXPECT_EQ(domain.generation(), 10000u);
}

}  // namespace
}  // namespace nv2::isa
