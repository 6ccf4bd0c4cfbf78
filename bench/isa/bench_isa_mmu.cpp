// Cost of one translation (isa/mmu.hpp; docs/perf/isa.md): a software-TLB hit (the
// baseline), and full walks — partition-scoped only (real mode, 2 MiB and 4 KiB pages) and
// both trees (relocated, 4 KiB pages: up to 4 process-scoped levels, each entry itself
// translated by the partition-scoped walk). Each reports its time as a ratio to the TLB hit
// measured in the same run (`vs_tlb_hit`), from thread CPU time (the machine is shared).
//
//   build/bench/isa/bench_isa_mmu --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>

#include <time.h>

#include "../../tests/isa/test_radix_tables.hpp"
#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"

namespace {

using namespace nv2::isa;
using testing::Layout;

constexpr uint64_t kReal = msr::kSF;
constexpr uint64_t kUser = msr::kSF | msr::kIR | msr::kDR | msr::kPR;
constexpr unsigned kPages = 256;  // fits the 1024-entry TLB

double g_hit_ns = 0;

// A layout whose process 1 maps kPages 4 KiB pages at EA 0x10000000, and whose partition
// table maps L2 real [0, 2 MiB) with 4 KiB pages (the rest with 2 MiB pages).
struct Fixture {
  Layout l;
  Fixture() {
    auto& tree = l.process(1);
    for (uint64_t p = 0; p < kPages; ++p) {
      tree.map(0x10000000 + p * 0x1000, p * 0x1000, testing::kShift4K, testing::kRwx);
    }
    l.partition.write(l.partition.entry_at(0, 2), 0);  // drop the first 2 MiB leaf
    for (uint64_t a = 0; a < (2u << 20); a += 0x1000) {
      l.partition.map(a, Layout::kL2Base + a, testing::kShift4K, testing::kRwx);
    }
  }
};

void report(benchmark::State& state, double ns_per_op) {
  state.SetItemsProcessed(state.iterations());
  if (g_hit_ns > 0) state.counters["vs_tlb_hit"] = ns_per_op / g_hit_ns;
}

double cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double ns_per_iteration(benchmark::State& state, double start_ns) {
  return (cpu_ns() - start_ns) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}

void BM_TlbHit(benchmark::State& state) {
  Fixture f;
  SoftTlb tlb;
  const auto ctx = f.l.context(kUser, 1);
  for (uint64_t p = 0; p < kPages; ++p) (void)translate(ctx, tlb, 0x10000000 + p * 0x1000, AccessType::Load);
  uint64_t i = 0;
  const double t0 = cpu_ns();
  for (auto _ : state) {
    const Translation t = translate(ctx, tlb, 0x10000000 + (i++ % kPages) * 0x1000 + 8, AccessType::Load);
    benchmark::DoNotOptimize(t);
  }
  g_hit_ns = ns_per_iteration(state, t0);
  report(state, g_hit_ns);
}

// state.range(0): page shift of the partition-scoped leaf (21 = 2 MiB, 12 = 4 KiB).
void BM_WalkPartitionOnly(benchmark::State& state) {
  Fixture f;
  const auto ctx = f.l.context(kReal);
  const uint64_t base = state.range(0) == 12 ? 0 : (4u << 20);
  uint64_t i = 0;
  const double t0 = cpu_ns();
  for (auto _ : state) {
    const Translation t = walk(ctx, base + (i++ % kPages) * 0x1000, AccessType::Load);
    benchmark::DoNotOptimize(t);
  }
  report(state, ns_per_iteration(state, t0));
}

void BM_WalkBothTrees(benchmark::State& state) {
  Fixture f;
  const auto ctx = f.l.context(kUser, 1);
  uint64_t i = 0;
  const double t0 = cpu_ns();
  for (auto _ : state) {
    const Translation t = walk(ctx, 0x10000000 + (i++ % kPages) * 0x1000, AccessType::Load);
    benchmark::DoNotOptimize(t);
  }
  report(state, ns_per_iteration(state, t0));
}

// A TLB miss on every access (2048 pages cycling through the 1024-entry TLB), relocated:
// the walk of both trees with the table pages' partition-scoped translations cached.
void BM_TranslateMissBothTrees(benchmark::State& state) {
  Fixture f;
  auto& tree = f.l.process(2);
  for (uint64_t p = 0; p < 2048; ++p) {
    tree.map(0x20000000 + p * 0x1000, (p % 512) * 0x1000, testing::kShift4K, testing::kRwx);
  }
  SoftTlb tlb;
  const auto ctx = f.l.context(kUser, 2);
  uint64_t i = 0;
  const double t0 = cpu_ns();
  for (auto _ : state) {
    const Translation t = translate(ctx, tlb, 0x20000000 + (i++ % 2048) * 0x1000, AccessType::Load);
    benchmark::DoNotOptimize(t);
  }
  report(state, ns_per_iteration(state, t0));
  state.counters["hit_rate"] =
      static_cast<double>(tlb.hits) / static_cast<double>(std::max<uint64_t>(tlb.hits + tlb.misses, 1));
}

BENCHMARK(BM_TlbHit);
BENCHMARK(BM_WalkPartitionOnly)->ArgName("page_shift")->Arg(21)->Arg(12);
BENCHMARK(BM_WalkBothTrees);
BENCHMARK(BM_TranslateMissBothTrees);

}  // namespace

BENCHMARK_MAIN();
