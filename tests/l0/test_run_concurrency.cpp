// Concurrency (issue 4 item 4): many L1 threads call in at once, different vCPUs run in
// parallel, and a delete / kick / GET / SET / second RUN meeting a running vCPU has its
// defined outcome (docs/decisions/l0.md). Built and run under TSan by scripts/test.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "isa/interrupts.hpp"
#include "l0/guest.hpp"
#include "support_l1.hpp"

namespace nv2::l0::test {
namespace {

constexpr uint64_t kMsrL2 = isa::msr::kSF | isa::msr::kME | isa::msr::kRI | isa::msr::kLE;
constexpr uint64_t kEntry = 0x10000;

class Concurrency : public ::testing::Test {
 protected:
  void SetUp() override { build_partition_table(w.l1.mem()); }

  // Guest with `n` vCPUs, each at kEntry of `program`, with an empty run input buffer.
  uint64_t guest_running(const char* program, uint64_t n) {
    const uint64_t g = w.l1.ready_guest(n);
    const auto code = load_program(program);
    std::memcpy(w.l1.mem().base() + kL2Base + kEntry, code.data(), code.size());
    // A safety net, not part of any check: an HDEC 30 s away ends a run a broken test
    // forgot to stop, instead of hanging the suite.
    const uint64_t hdec = w.host.timebase().now(0) + 30 * isa::Timebase::kFrequency;
    for (uint64_t v = 0; v < n; ++v) {
      EXPECT_EQ(w.l1.set(0, g, v, {{gsb::id::kNia, kEntry}, {gsb::id::kMsr, kMsrL2}, {gsb::id::kHdecExpiry, hdec}})
                    .status,
                HStatus::Success);
      w.l1.run_input({}, kRunIn + v * 0x2000);
    }
    return g;
  }
  // An L1 vCPU thread's RUN: H_BUSY means "retry" — here it happens when the test's own
  // polling GET (wait_running) holds the vCPU at that moment.
  static Answer run_retrying(L1& l1, uint64_t g, uint64_t v) {
    Answer a{};
    do {
      a = l1.run(g, v);
    } while (a.status == HStatus::Busy);
    return a;
  }
  // Wait until vCPU `v` is inside H_GUEST_RUN_VCPU: a thread-wide GET answers H_BUSY.
  void wait_running(L1& l1, uint64_t g, uint64_t v) {
    for (int i = 0; i < 20000; ++i) {
      if (l1.get(0, g, v, {gsb::id::gpr(1)}).first.status == HStatus::Busy) return;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    FAIL() << "vCPU never started running";
  }

  World w;
};

TEST_F(Concurrency, DifferentVcpusRunInParallel) {
  constexpr uint64_t kVcpus = 4;
  constexpr int kRounds = 200;
  const uint64_t g = guest_running("hcall", kVcpus);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (uint64_t v = 0; v < kVcpus; ++v) {
    threads.emplace_back([&, v] {
      // Each thread is an L1 vCPU thread with its own scratch GSB area.
      L1 l1(w.part, w.part.memory());
      for (int i = 0; i < kRounds; ++i) {
        const Answer a = l1.run(g, v);
        if (a.status != HStatus::Success || a.r4 != 0xC00) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (uint64_t v = 0; v < kVcpus; ++v)
    EXPECT_EQ(w.l1.reg64(g, v, gsb::id::gpr(20)), static_cast<uint64_t>(kRounds - 1)) << v;
}

TEST_F(Concurrency, ManyThreadsCreateAndDeleteGuestsAtOnce) {
  w.l1.negotiate();
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      L1 l1(w.part, w.part.memory());
      const uint64_t gsb_area = kGsbAddr + 0x1000 * static_cast<uint64_t>(t);
      for (int i = 0; i < 50; ++i) {
        const Answer c = l1.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken});
        if (c.status != HStatus::Success) { ++failures; continue; }
        for (uint64_t v = 0; v < 4; ++v)
          if (l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, c.r4, v}).status != HStatus::Success) ++failures;
        gsb::Writer wr(w.part.memory().span(gsb_area, 0x1000));
        (void)wr.put(gsb::id::gpr(1), uint64_t{static_cast<uint64_t>(i)});
        if (l1.call(Hcall::H_GUEST_SET_STATE, {0, c.r4, 3, gsb_area, wr.size()}).status != HStatus::Success)
          ++failures;
        if (l1.call(Hcall::H_GUEST_DELETE, {0, c.r4}).status != HStatus::Success) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(w.part.guest_count(), 0u);
  EXPECT_EQ(w.host.accounting().heap_in_use(), 0u);  // every allocation given back
}

TEST_F(Concurrency, DeleteStopsARunningVcpuAndItsRunAnswersHState) {
  const uint64_t g = guest_running("spin", 1);
  std::atomic<int64_t> status{1};
  std::thread runner([&] {
    L1 l1(w.part, w.part.memory());
    status = static_cast<int64_t>(run_retrying(l1, g, 0).status);
  });
  wait_running(w.l1, g, 0);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  runner.join();
  EXPECT_EQ(static_cast<HStatus>(status.load()), HStatus::State);
  EXPECT_EQ(w.host.accounting().heap_in_use(), 0u);  // freed when the run let go
}

// Runs of vCPUs with IDs of 64 and above keep the guest through the slot's run count, the
// others through the slot's vCPU lock (host.hpp GuestSlot): a delete meeting runs of both
// kinds stops both, and the guest's memory goes once both let go.
TEST_F(Concurrency, DeleteStopsRunsHoldingTheSlotLockAndTheSlotCount) {
  const uint64_t g = guest_running("spin", 1);
  const uint64_t high = 70;
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, high}).status, HStatus::Success);
  w.l1.register_run_buffers(g, high, kRunIn + 0x4000, kRunOut + 0x4000);
  const uint64_t hdec = w.host.timebase().now(0) + 30 * isa::Timebase::kFrequency;
  ASSERT_EQ(w.l1.set(0, g, high, {{gsb::id::kNia, kEntry}, {gsb::id::kMsr, kMsrL2}, {gsb::id::kHdecExpiry, hdec}})
                .status,
            HStatus::Success);
  w.l1.run_input({}, kRunIn + 0x4000);
  std::atomic<int> states{0};
  std::vector<std::thread> runners;
  for (const uint64_t v : {uint64_t{0}, high})
    runners.emplace_back([&, v] {
      L1 l1(w.part, w.part.memory());
      if (run_retrying(l1, g, v).status == HStatus::State) ++states;
    });
  wait_running(w.l1, g, 0);
  wait_running(w.l1, g, high);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  for (auto& t : runners) t.join();
  EXPECT_EQ(states.load(), 2);
  EXPECT_EQ(w.host.accounting().heap_in_use(), 0u);
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::P2);
  EXPECT_EQ(w.l1.run(g, high).status, HStatus::P2);
}

TEST_F(Concurrency, DeleteAllStopsEveryRunningVcpu) {
  const uint64_t g = guest_running("spin", 3);
  std::vector<std::thread> runners;
  std::atomic<int> states{0};
  for (uint64_t v = 0; v < 3; ++v)
    runners.emplace_back([&, v] {
      L1 l1(w.part, w.part.memory());
      if (run_retrying(l1, g, v).status == HStatus::State) ++states;
    });
  for (uint64_t v = 0; v < 3; ++v) wait_running(w.l1, g, v);
  EXPECT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {papr::delete_flag::kDeleteAll, 0}).status, HStatus::Success);
  for (auto& t : runners) t.join();
  EXPECT_EQ(states.load(), 3);
}

TEST_F(Concurrency, KickStopsARunningVcpuWithReasonZero) {
  const uint64_t g = guest_running("spin", 1);
  Answer a{};
  std::thread runner([&] {
    L1 l1(w.part, w.part.memory());
    a = run_retrying(l1, g, 0);
  });
  wait_running(w.l1, g, 0);
  EXPECT_EQ(w.part.request_stop(g, 0), HStatus::Success);
  runner.join();
  EXPECT_EQ(a.status, HStatus::Success);
  EXPECT_EQ(a.r4, 0x0u);
}

TEST_F(Concurrency, GetSetAndRunOfARunningVcpuAreBusyGuestWideIsNot) {
  const uint64_t g = guest_running("spin", 1);
  Answer a{};
  std::thread runner([&] {
    L1 l1(w.part, w.part.memory());
    a = run_retrying(l1, g, 0);
  });
  wait_running(w.l1, g, 0);
  EXPECT_EQ(w.l1.set(0, g, 0, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::Busy);
  EXPECT_EQ(w.l1.get(0, g, 0, {gsb::id::gpr(1)}).first.status, HStatus::Busy);
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::Busy);
  // Guest-wide state is not the running vCPU's: served at once.
  EXPECT_EQ(w.l1.get(papr::state_flag::kGuestWide, g, 0, {gsb::id::kLogicalPvr}).first.status, HStatus::Success);
  // A SET of the partition table while it runs: the vCPU is stopped, flushes, and carries
  // on without an exit to the L1 (only the kick below ends the run).
  EXPECT_EQ(w.l1.set(papr::state_flag::kGuestWide, g, 0,
                     {{gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, kPtRootSize}}})
                .status,
            HStatus::Success);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(w.l1.get(0, g, 0, {gsb::id::gpr(1)}).first.status, HStatus::Busy) << "still running";
  EXPECT_EQ(w.part.request_stop(g, 0), HStatus::Success);
  runner.join();
  EXPECT_EQ(a.status, HStatus::Success);
  EXPECT_EQ(a.r4, 0x0u);
  EXPECT_EQ(w.l1.set(0, g, 0, {{gsb::id::gpr(1), uint64_t{1}}}).status, HStatus::Success);
}

TEST_F(Concurrency, HostWideCountersAreConsistentUnderLoad) {
  w.l1.negotiate();
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    L1 l1(w.part, w.part.memory());
    while (!stop.load()) {
      gsb::Writer wr(w.part.memory().span(kGsbAddr + 0x8000, 0x100));
      (void)wr.put_request(gsb::id::kHostHeapInUse);
      (void)wr.put_request(gsb::id::kHostHeapMax);
      const Answer a = l1.call(Hcall::H_GUEST_GET_STATE, {papr::state_flag::kHostWide, 0, 0, kGsbAddr + 0x8000, wr.size()});
      EXPECT_EQ(a.status, HStatus::Success);
      EXPECT_LE(gsb::load_be64(w.part.memory().base() + kGsbAddr + 0x8000 + 8),
                gsb::load_be64(w.part.memory().base() + kGsbAddr + 0x8000 + 20));
    }
  });
  for (int i = 0; i < 100; ++i) {
    const uint64_t g = w.l1.create_guest();
    ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 0}).status, HStatus::Success);
    ASSERT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  }
  stop = true;
  reader.join();
}

}  // namespace
}  // namespace nv2::l0::test
