// The machine's shared devices under concurrent vCPU threads (run under TSan by
// scripts/test.sh): XICS IPI rings, the console and the test device.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vmm/console.hpp"
#include "vmm/fdt_builder.hpp"
#include "vmm/testdev.hpp"
#include "vmm/xics.hpp"

namespace nv2::vmm {
namespace {

using papr::HStatus;

// Each "vCPU" thread i passes a token to i+1 by IPI, R rounds around the ring. The line
// callback wakes the target like the machine's kick; no IPI may be lost or duplicated.
TEST(MachineConcurrency, XicsIpiRingLosesNothing) {
  constexpr unsigned kCpus = 4;
  constexpr unsigned kRounds = 500;
  std::mutex mu;
  std::condition_variable cv;
  Xics xics(kCpus, [&](unsigned) {
    std::lock_guard lock(mu);
    cv.notify_all();
  });
  std::array<std::atomic<unsigned>, kCpus> received{};
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) {
    threads.emplace_back([&, cpu] {
      ASSERT_EQ(xics.h_cppr(cpu, 0xff), HStatus::Success);
      const unsigned next = (cpu + 1) % kCpus;
      if (cpu == 0) {
        ASSERT_EQ(xics.h_ipi(cpu, next, 5), HStatus::Success);
      }
      while (received[cpu].load() < kRounds) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return xics.interrupt_pending(cpu); });
        }
        uint64_t xirr = 0;
        ASSERT_EQ(xics.h_xirr(cpu, xirr), HStatus::Success);
        if ((xirr & 0xffffff) != kXicsIpiSource) continue;  // already taken
        ASSERT_EQ(xics.h_ipi(cpu, cpu, 0xff), HStatus::Success);
        ASSERT_EQ(xics.h_eoi(cpu, xirr), HStatus::Success);
        received[cpu].fetch_add(1);
        // Pass the token on; cpu 0 keeps it after the last round.
        if (!(cpu == 0 && received[cpu].load() == kRounds)) {
          ASSERT_EQ(xics.h_ipi(cpu, next, 5), HStatus::Success);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) EXPECT_EQ(received[cpu].load(), kRounds) << cpu;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) EXPECT_FALSE(xics.interrupt_pending(cpu)) << cpu;
}

// Every H_PUT_TERM_CHAR chunk reaches the output whole: chunks from different vCPUs may
// interleave, their bytes never do.
TEST(MachineConcurrency, ConsoleChunksStayWhole) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  Console console(fds[1], -1);
  console.set_capture(true);
  constexpr int kThreads = 4, kChunks = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string chunk = std::string(15, static_cast<char>('a' + t)) + "\n";
      uint64_t hi = 0, lo = 0;
      pack_term_bytes(chunk, hi, lo);
      for (int i = 0; i < kChunks; ++i)
        ASSERT_EQ(console.put(kVtyTerminal, 16, hi, lo), HStatus::Success);
    });
  }
  for (auto& t : threads) t.join();
  ::close(fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n;
  while ((n = ::read(fds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<std::size_t>(n));
  ::close(fds[0]);
  ASSERT_EQ(out.size(), std::size_t{kThreads * kChunks * 16});
  EXPECT_EQ(out, console.captured());
  for (std::size_t i = 0; i < out.size(); i += 16) {
    const std::string c = out.substr(i, 16);
    EXPECT_EQ(c, std::string(15, c[0]) + "\n") << "chunk " << i / 16 << " was torn";
  }
}

TEST(MachineConcurrency, TestDeviceAccumulatesEveryWrite) {
  TestDevice dev;
  constexpr int kThreads = 4, kWrites = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kWrites; ++i) dev.write(testdev::kAccum, 8, __builtin_bswap64(1));
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(__builtin_bswap64(dev.read(testdev::kAccum, 8)), uint64_t{kThreads * kWrites});
  EXPECT_EQ(dev.accesses(), uint64_t{kThreads * kWrites + 1});
}

}  // namespace
}  // namespace nv2::vmm
