// The block translator with several vCPUs (jit.hpp; docs/decisions/isa-jit.md): each Cpu has
// its own code arena, and nothing in jit.cpp is shared between them but constant tables.
// Run under TSan by the test script (label `concurrency`). Written by the translator review.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "isa/testing.hpp"

namespace nv2::isa {
namespace {

constexpr uint32_t d_form(uint32_t po, uint32_t rt, uint32_t ra, int32_t imm) {
  return (po << 26) | (rt << 21) | (ra << 16) | (static_cast<uint32_t>(imm) & 0xFFFF);
}
constexpr uint32_t ds_form(uint32_t po, uint32_t rt, uint32_t ra, int32_t ds, uint32_t xo) {
  return (po << 26) | (rt << 21) | (ra << 16) | (static_cast<uint32_t>(ds) & 0xFFFC) | xo;
}
constexpr uint32_t b(int32_t li) { return (18u << 26) | (static_cast<uint32_t>(li) & 0x3FFFFFC); }
constexpr uint32_t bc(uint32_t bo, uint32_t bi, int32_t bd) {
  return (16u << 26) | (bo << 21) | (bi << 16) | (static_cast<uint32_t>(bd) & 0xFFFC);
}
constexpr uint32_t cmp_d(uint32_t po, uint32_t bf, uint32_t l, uint32_t ra, int32_t imm) {
  return (po << 26) | (bf << 23) | (l << 21) | (ra << 16) | (static_cast<uint32_t>(imm) & 0xFFFF);
}
constexpr uint32_t kScOne = 0x44000022;

void prime(VcpuState& s, uint64_t nia) {
  s.msr = msr::kSF | msr::kME | msr::kRI | msr::kLE;
  s.nia = nia;
  s.hdec_expiry_tb = ~uint64_t{0};
  s.dec_expiry_tb = ~uint64_t{0};
}

// A loop of loads, stores and arithmetic over its own data (r10), 20000 iterations, then
// `sc 1`: several blocks, chained.
std::vector<uint32_t> worker_program() {
  return {
      ds_form(58, 4, 10, 0, 0),     // ld r4,0(r10)
      d_form(14, 4, 4, 3),          // addi r4,r4,3
      ds_form(62, 4, 10, 0, 0),     // std r4,0(r10)
      d_form(14, 3, 3, 1),          // addi r3,r3,1
      cmp_d(11, 0, 1, 3, 20000),    // cmpdi r3,20000
      bc(4, 2, -20),                // bne loop
      kScOne,
  };
}

TEST(JitConcurrency, VcpusOnTwoThreadsEachMatchTheInterpreter) {
  // Two engines translating and running at once (two arenas; the lazily built tables of
  // jit.cpp initialised from two threads): each gives the interpreter's result.
  constexpr uint64_t kCode = 0x10000, kData[2] = {0x20000, 0x30000};
  testing::TestMachine m;
  m.put_words(kCode, worker_program(), true);
  Cpu cpus[2];
  std::vector<Exit> exits(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    cpus[i].set_jit_threshold(0);
    prime(cpus[i].state(), kCode);
    cpus[i].state().gpr[10] = kData[i];
    threads.emplace_back([&, i] { exits[static_cast<std::size_t>(i)] = cpus[i].run(m.env()); });
  }
  for (auto& t : threads) t.join();
  testing::TestMachine ref;
  ref.cpu().set_jit(false);
  ref.put_words(kCode, worker_program(), true);
  prime(ref.state(), kCode);
  ref.state().gpr[10] = kData[0];
  const Exit want = ref.run();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(exits[static_cast<std::size_t>(i)].kind, ExitKind::Hcall);
    EXPECT_EQ(exits[static_cast<std::size_t>(i)].instructions, want.instructions);
    EXPECT_EQ(cpus[i].state().gpr[3], 20000u);
    EXPECT_EQ(m.read_u64(kData[i], true), 3u * 20000u);
  }
}

TEST(JitConcurrency, TightTranslatedLoopsStopPromptly) {
  // A one-instruction self loop (`b .`) and a CTR loop that would run 2^64 times (`bdnz .`
  // with CTR = 0): translated, each chains to itself in host code. A stop request from
  // another thread must end both at the next chained boundary (the inline stop test on
  // every chainable exit), well within the test's patience.
  constexpr uint64_t kCode[2] = {0x10000, 0x11000};
  testing::TestMachine m;
  const uint32_t self[] = {b(0)};
  const uint32_t ctr_loop[] = {bc(16, 0, 0)};
  m.put_words(kCode[0], self, true);
  m.put_words(kCode[1], ctr_loop, true);
  Cpu cpus[2];
  std::vector<Exit> exits(2);
  std::atomic<int> running{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    cpus[i].set_jit_threshold(0);
    prime(cpus[i].state(), kCode[i]);
    cpus[i].state().ctr = 0;
    threads.emplace_back([&, i] {
      running.fetch_add(1);
      exits[static_cast<std::size_t>(i)] = cpus[i].run(m.env());
    });
  }
  while (running.load() < 2) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& c : cpus) c.request_stop();
  for (auto& t : threads) t.join();
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, std::chrono::seconds(2));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(exits[static_cast<std::size_t>(i)].kind, ExitKind::Stopped);
    EXPECT_GT(exits[static_cast<std::size_t>(i)].instructions, 0u);
    EXPECT_EQ(cpus[i].state().nia, kCode[i]);  // stopped at the loop's own boundary
  }
  // `bdnz .` retired once per decrement: CTR = 0 - retired.
  EXPECT_EQ(cpus[1].state().ctr, uint64_t{0} - exits[1].instructions);
}

TEST(JitConcurrency, ChainedLoopsOfTwoVcpusSeeOneBroadcast) {
  // Two vCPUs of one partition (one tlbie domain) loop on a load in translated code; a third
  // thread removes the partition-scoped mapping and broadcasts once. Both chained loops must
  // leave at their next boundary and fault on the re-walk (Hdsi/Hisi), not run on stale
  // host pages until stopped. Repeated: the broadcast lands at a different point each time
  // (also between the run loop's TLB sync and the host code's entry).
  constexpr uint64_t kCode = 0x10000;
  const uint32_t loop[] = {d_form(32, 4, 10, 0), d_form(14, 3, 3, 1), b(-8)};
  for (int round = 0; round < 5; ++round) {
    testing::TestMachine m;
    m.put_words(kCode, loop, true);
    TlbDomain domain;
    Cpu cpus[2];
    std::vector<Exit> exits(2);
    std::atomic<int> running{0};
    std::atomic<bool> finished[2] = {false, false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      cpus[i].set_jit_threshold(0);
      prime(cpus[i].state(), kCode);
      cpus[i].state().gpr[10] = 0x20000;
      threads.emplace_back([&, i] {
        running.fetch_add(1);
        exits[static_cast<std::size_t>(i)] = cpus[i].run(RunEnv{m.l1(), &m.config(), &m.timebase(), &domain});
        finished[i].store(true);
      });
    }
    while (running.load() < 2) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + 3 * round));
    const uint64_t leaf = m.tables_base() + (uint64_t{8} << testing::TestMachine::kRootNls);
    // The PTE is read by the other threads' walks: an atomic store, as the L1 would do it.
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(m.memory().data() + leaf)).store(0);
    domain.broadcast();
    for (int w = 0; w < 200 && !(finished[0].load() && finished[1].load()); ++w)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (auto& c : cpus) c.request_stop();  // only if a broadcast was missed
    for (auto& t : threads) t.join();
    for (int i = 0; i < 2; ++i) {
      SCOPED_TRACE(::testing::Message() << "round " << round << " vcpu " << i);
      const ExitKind k = exits[static_cast<std::size_t>(i)].kind;
      EXPECT_NE(k, ExitKind::Stopped) << "the tlbie broadcast was not seen by the chained loop";
      EXPECT_TRUE(k == ExitKind::Hisi || k == ExitKind::Hdsi) << static_cast<int>(k);
    }
  }
}

}  // namespace
}  // namespace nv2::isa
