// vCPUs of one guest on their own threads (as the vmm runs them): the shared parts of the
// L1 — the guest-wide cache, lazy mapping into one partition-scoped table, the allocator,
// the counters, idle wake-ups — under concurrent use. Run under TSan by the test script.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "fixture.hpp"
#include "l1/run_loop.hpp"

namespace nv2::l1 {
namespace {

using papr::Hcall;
using test::ScriptedExit;

using Concurrency = test::L1Test;

TEST_F(Concurrency, VcpusOnTheirOwnThreadsShareTheGuestSafely) {
  constexpr unsigned kVcpus = 4;
  constexpr unsigned kRounds = 150;
  constexpr uint64_t kPages = 24;  // shared by all vCPUs: every page is raced for
  make_guest(64u << 20);
  std::vector<Vcpu*> vcpus{vcpu};
  for (unsigned i = 1; i < kVcpus; ++i) {
    auto v = guest->create_vcpu(i);
    ASSERT_TRUE(v);
    vcpus.push_back(*v);
  }
  for (unsigned i = 0; i < kVcpus; ++i) {
    auto& q = l0.vcpu_exits[i];
    for (unsigned r = 0; r < kRounds; ++r) {
      if (r % 3 == 0) {
        const uint64_t page = ((r / 3 + i) % kPages) * 0x10000;
        q.push_back(ScriptedExit::hdsi(page, page, 0x100, msr::kSF));
      } else {
        q.push_back(ScriptedExit::hcall(0x58, {0, 1, r}));
      }
    }
    q.push_back(ScriptedExit::hcall(0xF000));
  }
  HcallTable table;
  ASSERT_TRUE(table.register_hcall(Hcall::H_PUT_TERM_CHAR, [](Vcpu& v, uint64_t) -> Result<HcallOutcome> {
    NV2_TRY(v.gpr(6));
    NV2_TRY(v.set_gpr(3, 0));
    return HcallOutcome::Resume;
  }));
  ASSERT_TRUE(table.register_hcall(Hcall::H_RTAS, [](Vcpu&, uint64_t) -> Result<HcallOutcome> {
    return HcallOutcome::Stop;
  }));

  std::atomic<bool> done{false};
  // Another thread plays the interrupt controller and the L1's own guest-wide updates.
  std::thread irq([&] {
    uint64_t n = 0;
    while (!done.load()) {
      vcpus[n % kVcpus]->set_external_pending((n & 1) != 0);
      (void)guest->set_tb_offset(n);
      ++n;
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> threads;
  std::atomic<unsigned> stopped{0};
  for (unsigned i = 0; i < kVcpus; ++i) {
    threads.emplace_back([&, i] {
      RunLoop loop(*vcpus[i], table);
      auto end = loop.run();
      EXPECT_TRUE(end) << (end ? "" : end.error().message());
      if (end && *end == LoopEnd::HandlerStop) ++stopped;
    });
  }
  for (auto& t : threads) t.join();
  done = true;
  irq.join();

  EXPECT_EQ(stopped.load(), kVcpus);
  const auto s = hv->stats();
  EXPECT_EQ(s.runs, kVcpus * (kRounds + 1));
  EXPECT_EQ(s.exit_count(papr::ExitReason::Hdsi), kVcpus * ((kRounds + 2) / 3));
  // Every page mapped exactly once, to distinct L1 pages, whoever faulted first.
  EXPECT_EQ(s.pages_mapped, kPages);
  EXPECT_EQ(guest->pages_mapped(), kPages);
  std::set<uint64_t> targets;
  for (uint64_t p = 0; p < kPages; ++p) {
    auto l1 = guest->partition_table().lookup(p * 0x10000);
    ASSERT_TRUE(l1.has_value()) << p;
    targets.insert(*l1);
  }
  EXPECT_EQ(targets.size(), kPages);
}

}  // namespace
}  // namespace nv2::l1
