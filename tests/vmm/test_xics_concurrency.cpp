// The XICS line callback under concurrent hcalls (labelled "concurrency": run under TSan by
// scripts/test.sh). The machine mirrors each server's line into its vCPU from the callback
// (it reads interrupt_pending() and stores it); a stale mirror is a lost interrupt: the vCPU
// cedes with XISR set and never takes it. This test is that mirror, with a pause between
// reading a low line and storing it (a preempted vCPU thread), the window in which an
// unserialised callback lets a newer "high" be overwritten.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <string>
#include <thread>

#include "vmm/xics.hpp"

namespace nv2::vmm {
namespace {

using papr::HStatus;

TEST(XicsConcurrency, MirroredLineIsNeverStale) {
  constexpr unsigned kServers = 2;
  constexpr int kIterations = 300;
  std::array<std::atomic<bool>, kServers> mirror{};
  std::atomic<bool> racing{false};  // pause only in the raced phase: keeps the test quick
  Xics* xp = nullptr;
  Xics xics(kServers, [&](unsigned server) {
    const bool line = xp->interrupt_pending(server);
    if (!line && racing.load()) std::this_thread::sleep_for(std::chrono::microseconds(50));
    mirror[server].store(line);
  });
  xp = &xics;
  ASSERT_EQ(xics.h_cppr(0, 0xff), HStatus::Success);
  ASSERT_EQ(xics.h_cppr(1, 0xff), HStatus::Success);
  ASSERT_FALSE(mirror[0].load());

  // Each iteration: server 0 (idle, line low) issues an EOI, whose callback reads the line
  // low, while server 1 sends it an IPI, whose callback reads it high. Whatever the order,
  // once both hcalls returned the mirror must be high.
  std::barrier sync(2);
  std::atomic<int> stale_high{0}, stale_low{0};
  std::thread target([&] {
    for (int i = 0; i < kIterations; ++i) {
      racing.store(true);
      sync.arrive_and_wait();  // start together
      EXPECT_EQ(xics.h_eoi(0, uint64_t{0xff} << 24), HStatus::Success);
      sync.arrive_and_wait();  // both hcalls done
      racing.store(false);
      if (!mirror[0].load()) stale_low.fetch_add(1);
      // Take the IPI and go idle again: accept, clear MFRR, EOI. The line ends low.
      uint64_t xirr = 0;
      EXPECT_EQ(xics.h_xirr(0, xirr), HStatus::Success);
      EXPECT_EQ(xirr & 0xffffff, kXicsIpiSource);
      EXPECT_EQ(xics.h_ipi(0, 0, 0xff), HStatus::Success);
      EXPECT_EQ(xics.h_eoi(0, xirr), HStatus::Success);
      if (mirror[0].load()) stale_high.fetch_add(1);
      sync.arrive_and_wait();  // idle again before the next round
    }
  });
  std::thread sender([&] {
    for (int i = 0; i < kIterations; ++i) {
      sync.arrive_and_wait();
      EXPECT_EQ(xics.h_ipi(1, 0, 5), HStatus::Success);
      sync.arrive_and_wait();
      sync.arrive_and_wait();
    }
  });
  target.join();
  sender.join();
  EXPECT_EQ(stale_low.load(), 0) << "IPIs presented while the mirrored line stayed low";
  EXPECT_EQ(stale_high.load(), 0) << "accepted IPIs whose mirrored line stayed high";
  EXPECT_FALSE(xics.interrupt_pending(0));
}

}  // namespace
}  // namespace nv2::vmm
