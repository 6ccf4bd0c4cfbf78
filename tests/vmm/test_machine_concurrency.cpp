// The machine's shared devices under concurrent vCPU threads (run under TSan by
// scripts/test.sh): XICS IPI rings, the console and the test device.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
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

// How long a worker waits for its peers before failing the test instead of hanging it
// (the ring takes well under a second even under TSan on a loaded machine).
constexpr auto kPeerTimeout = std::chrono::seconds(60);

// Failures seen by worker threads. A gtest ASSERT_* in a worker only returns from that
// worker: its peers would then wait forever for a token it never passes, turning a failure
// into a hang. Workers record here, raise `stop` and wake everyone; the main thread reports.
struct WorkerFailures {
  std::mutex mu;
  std::vector<std::string> messages;
  std::atomic<bool> stop{false};
  void add(std::string m) {
    {
      std::lock_guard lock(mu);
      messages.push_back(std::move(m));
    }
    stop.store(true);
  }
};

std::string icp_text(const IcpState& s) {
  return "cppr=" + std::to_string(s.cppr) + " mfrr=" + std::to_string(s.mfrr) +
         " xisr=" + std::to_string(s.xisr);
}

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
  WorkerFailures failures;
  const auto wake_all = [&] {
    std::lock_guard lock(mu);
    cv.notify_all();
  };
  std::array<std::atomic<unsigned>, kCpus> received{};
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) {
    threads.emplace_back([&, cpu] {
      // Every hcall must succeed; the first that does not stops the whole ring.
      const auto ok = [&](HStatus s, const char* what) {
        if (s == HStatus::Success) return true;
        failures.add("cpu " + std::to_string(cpu) + ": " + what + " returned " +
                     std::to_string(static_cast<int64_t>(s)));
        wake_all();
        return false;
      };
      if (!ok(xics.h_cppr(cpu, 0xff), "H_CPPR")) return;
      const unsigned next = (cpu + 1) % kCpus;
      if (cpu == 0 && !ok(xics.h_ipi(cpu, next, 5), "first H_IPI")) return;
      while (!failures.stop.load() && received[cpu].load() < kRounds) {
        bool presented = false;
        const auto waited_from = std::chrono::steady_clock::now();
        {
          std::unique_lock lock(mu);
          presented = cv.wait_for(lock, kPeerTimeout, [&] {
            return failures.stop.load() || xics.interrupt_pending(cpu);
          });
        }
        if (failures.stop.load()) return;
        // Timed out: either no IPI came (the ICP dump shows no XISR: a lost IPI) or it was
        // presented and only the wakeup went missing (XISR set: a lost notify).
        if (!presented || std::chrono::steady_clock::now() - waited_from >= kPeerTimeout) {
          std::string m = "cpu " + std::to_string(cpu) + " waited " +
                          std::to_string(kPeerTimeout.count()) + " s for the token after " +
                          std::to_string(received[cpu].load()) + " rounds (" +
                          (presented ? "presented, never woken" : "never presented") +
                          "); ICPs:";
          for (unsigned c = 0; c < kCpus; ++c) m += " [" + icp_text(xics.state(c)) + "]";
          failures.add(std::move(m));
          wake_all();
          return;
        }
        uint64_t xirr = 0;
        if (!ok(xics.h_xirr(cpu, xirr), "H_XIRR")) return;
        if ((xirr & 0xffffff) != kXicsIpiSource) {
          failures.add("cpu " + std::to_string(cpu) + ": line up but H_XIRR gave source " +
                       std::to_string(xirr & 0xffffff));
          wake_all();
          return;
        }
        if (!ok(xics.h_ipi(cpu, cpu, 0xff), "H_IPI (clear own MFRR)")) return;
        if (!ok(xics.h_eoi(cpu, xirr), "H_EOI")) return;
        received[cpu].fetch_add(1);
        // Pass the token on; cpu 0 keeps it after the last round.
        if (!(cpu == 0 && received[cpu].load() == kRounds) &&
            !ok(xics.h_ipi(cpu, next, 5), "H_IPI (pass)"))
          return;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& m : failures.messages) ADD_FAILURE() << m;
  ASSERT_TRUE(failures.messages.empty());
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) EXPECT_EQ(received[cpu].load(), kRounds) << cpu;
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) EXPECT_FALSE(xics.interrupt_pending(cpu)) << cpu;
}

// Every H_PUT_TERM_CHAR chunk reaches the output whole: chunks from different vCPUs may
// interleave, their bytes never do.
TEST(MachineConcurrency, ConsoleChunksStayWhole) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Console console(fds[1], -1);
  console.set_capture(true);
  // Drain the pipe while the writers run: the output (12.8 KB) may exceed the pipe's
  // buffer (a user over fs.pipe-user-pages-soft gets one-page pipes), and a writer blocked
  // on a full pipe nobody reads would hang the test.
  std::string out;
  std::thread reader([&] {
    std::array<char, 4096> buf{};
    ssize_t n;
    while ((n = ::read(fds[0], buf.data(), buf.size())) > 0)
      out.append(buf.data(), static_cast<std::size_t>(n));
  });
  constexpr int kThreads = 4, kChunks = 200;
  std::atomic<int> failed_puts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string chunk = std::string(15, static_cast<char>('a' + t)) + "\n";
      uint64_t hi = 0, lo = 0;
      pack_term_bytes(chunk, hi, lo);
      for (int i = 0; i < kChunks; ++i)
        if (console.put(kVtyTerminal, 16, hi, lo) != HStatus::Success) failed_puts.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  EXPECT_EQ(failed_puts.load(), 0);
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
