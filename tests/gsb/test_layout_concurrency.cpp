// The codec's shared pieces are read-only after construction: one HostMap and Layout per
// exit kind, shared by every vCPU thread of an L0 or L1 (each thread with its own buffers
// and Reader). Run under ThreadSanitizer by scripts/test.sh (label "concurrency").
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "gsb/layout.hpp"
#include "gsb/message.hpp"

using namespace nv2::gsb;

namespace {

struct Regs {
  std::array<uint64_t, 84> r64{};  // 0x1000–0x1053
  std::array<uint32_t, 15> r32{};  // 0x2000–0x200E
  std::array<Vec128, 64> vsr{};
  friend bool operator==(const Regs&, const Regs&) = default;
};

}  // namespace

TEST(LayoutConcurrency, SharedLayoutsAndMapsFromManyThreads) {
  // The first HostMap of a State type computes member offsets through a function-local
  // static: build it from several threads at once.
  constexpr int kThreads = 4;
  std::vector<HostMap<Regs>> maps(kThreads);
  {
    std::vector<std::thread> t;
    for (int i = 0; i < kThreads; ++i)
      t.emplace_back([&maps, i] {
        HostMap<Regs>& m = maps[static_cast<std::size_t>(i)];
        EXPECT_TRUE(m.bind_array(id::gpr(0), &Regs::r64));
        EXPECT_TRUE(m.bind_array(0x2000, &Regs::r32));
        EXPECT_TRUE(m.bind_array(id::vsr(0), &Regs::vsr));
      });
    for (auto& th : t) th.join();
  }
  const HostMap<Regs>& map = maps[0];
  IdBitmap exit_ids{id::kNia, id::kMsr, id::kCr};
  for (unsigned n = 3; n <= 12; ++n) exit_ids.set(id::gpr(n));
  const Layout<Regs> exit_layout(exit_ids, map);
  const Layout<Regs> all(map.bound(), map);

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Regs mine{};
      for (std::size_t i = 0; i < mine.r64.size(); ++i) mine.r64[i] = i * 0x1000 + static_cast<uint64_t>(t);
      for (auto& v : mine.vsr) v = {static_cast<uint64_t>(t), ~static_cast<uint64_t>(t)};
      std::vector<uint8_t> buf(all.size());
      Reader reader;
      for (int iter = 0; iter < 200; ++iter) {
        const Layout<Regs>& l = iter % 2 == 0 ? exit_layout : all;
        Regs back{};
        if (!l.encode(buf, mine) || !l.read(buf, Policy::run_input(), back)) ++failures;
        if (!reader.parse(std::span<const uint8_t>(buf).first(l.size()), Policy::run_input())) ++failures;
        Regs via_reader{};
        if (apply(reader, map, via_reader) != l.ids() || via_reader != back) ++failures;
        if (back.r64[3] != mine.r64[3] || back.r64[0x22] != mine.r64[0x22]) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}
