// The isa workload benchmark (issue 3 item 9; docs/perf/isa.md): the same integer C
// workload (workload.c) natively, under qemu-ppc64le (Linux-user build) and under nv2's Cpu
// (bare image, real mode, flat partition-scoped map with 2 MiB pages). Every benchmark checks
// the workload's checksum against the native one. nv2 and qemu report their time as a ratio
// to the baselines measured in the same process, and nv2 its instructions per second:
//
//   build/bench/isa/bench_isa_workload --benchmark_format=json
//
// Times are CPU times (this thread's for native and nv2; the qemu child's user + system time
// from getrusage(RUSAGE_CHILDREN)), so the ratios hold on a loaded machine; wall times are
// reported as counters. qemu's time is net of the CPU time of `workload-qemu 0` (start-up).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "isa/radix.hpp"
#include "workload.h"

namespace {

using namespace nv2;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kScale = 20;  // rounds per iteration: ~0.2 s under qemu

// Per-iteration seconds measured in this process (0 = not measured yet).
double g_native_s = 0;
double g_qemu_s = 0;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double children_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  const auto tv = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

uint64_t native_checksum() {
  static const uint64_t h = [] {
    std::vector<uint8_t> mem(WORKLOAD_MEM_SIZE);
    return workload(mem.data(), kScale);
  }();
  return h;
}

void BM_Native(benchmark::State& state) {
  std::vector<uint8_t> mem(WORKLOAD_MEM_SIZE);
  double cpu = 0;
  Clock::duration wall{};
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_s();
    const uint64_t h = workload(mem.data(), kScale);
    const double dt = thread_cpu_s() - c0;
    wall += Clock::now() - t0;
    cpu += dt;
    state.SetIterationTime(dt);
    benchmark::DoNotOptimize(h);
    if (h != native_checksum()) state.SkipWithError("native checksum changed");
  }
  const auto n = static_cast<double>(state.iterations());
  g_native_s = cpu / n;
  state.counters["wall_s"] = seconds(wall) / n;
}

// ---- qemu-ppc64le ------------------------------------------------------------------------

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs `workload-qemu scale`; the printed checksum, or 0 on failure.
uint64_t run_qemu(uint64_t scale) {
  const std::string out = "/tmp/nv2-bench-isa-qemu-" + std::to_string(::getpid());
  const std::string cmd = std::string("qemu-ppc64le -cpu power9 '") + NV2_BENCH_ISA_QEMU_ELF +
                          "' " + std::to_string(scale) + " > '" + out + "'";
  if (std::system(cmd.c_str()) != 0) return 0;
  std::ifstream f(out);
  std::string hex;
  f >> hex;
  std::remove(out.c_str());
  return hex.empty() ? 0 : std::strtoull(hex.c_str(), nullptr, 16);
}

// CPU time of a qemu process that runs no workload (scale 0): start-up and exit.
double qemu_startup_s() {
  static const double s = [] {
    double best = 1e9;
    for (int i = 0; i < 5; ++i) {
      const double c0 = children_cpu_s();
      run_qemu(0);
      best = std::min(best, children_cpu_s() - c0);
    }
    return best;
  }();
  return s;
}

void BM_Qemu(benchmark::State& state) {
  if (std::string(NV2_BENCH_ISA_QEMU_ELF).empty() || !have("qemu-ppc64le")) {
    state.SkipWithError("needs qemu-ppc64le and powerpc64le-linux-gnu-gcc");
    return;
  }
  const double startup = qemu_startup_s();
  double cpu = 0;
  Clock::duration wall{};
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const double c0 = children_cpu_s();
    const uint64_t h = run_qemu(kScale);
    const double dt = std::max(children_cpu_s() - c0 - startup, 1e-6);
    wall += Clock::now() - t0;
    cpu += dt;
    state.SetIterationTime(dt);
    if (h != native_checksum()) state.SkipWithError("qemu checksum differs from native");
  }
  const auto n = static_cast<double>(state.iterations());
  g_qemu_s = cpu / n;
  state.counters["startup_s"] = startup;
  state.counters["wall_s"] = seconds(wall) / n;
  if (g_native_s > 0) state.counters["time_vs_native"] = g_qemu_s / g_native_s;
}

// ---- nv2 ---------------------------------------------------------------------------------

// An L1 with the L2's first 16 MiB of real memory mapped flat by 2 MiB partition-scoped
// pages (L2 real x -> L1 real 32 MiB + x), the image at L2 real 0x100000.
class Nv2Machine {
 public:
  static constexpr uint64_t kL1Size = 64ull << 20;
  static constexpr uint64_t kL2Base = 32ull << 20;
  static constexpr uint64_t kL2Size = 16ull << 20;
  static constexpr uint64_t kImage = 0x100000;
  static constexpr uint64_t kMem = 0x400000;    // working memory (L2 real)
  static constexpr uint64_t kStack = 0xF00000;  // top of the stack (L2 real)

  Nv2Machine() : mem_(static_cast<uint8_t*>(std::aligned_alloc(4096, kL1Size)), &std::free) {
    std::fill_n(mem_.get(), kL1Size, uint8_t{0});
    const papr::RealMemory l1 = real();
    // Root: 2^13 entries at L1 real 0 (64 KiB); one level-1 directory at 64 KiB; one
    // level-2 directory of 2 MiB leaves at 68 KiB. 52-bit tree: 13 + 9 + 9 bits, 21 left.
    l1.store_be64(0, isa::radix::make_pde(0x10000, 9));
    l1.store_be64(0x10000, isa::radix::make_pde(0x11000, 9));
    for (uint64_t a = 0; a < kL2Size; a += 2ull << 20) {
      l1.store_be64(0x11000 + (a >> 21) * 8,
                    isa::radix::make_pte(kL2Base + a, isa::radix::kEaaRead | isa::radix::kEaaReadWrite |
                                                          isa::radix::kEaaExecute));
    }
    config_.partition_table_defined = true;
    config_.pt_root = 0;
    config_.pt_ea_bits = 52;
    config_.pt_root_size = 8ull << 13;
  }

  // Turn on the process-scoped walk: PID 1 maps EA [0, 16 MiB) to the same L2 real addresses
  // with 4 KiB pages (tables in L2 memory at 12 MiB, process table at 14 MiB), so every
  // fetch, load and store goes through both radix trees (the software TLB absorbs repeats).
  void enable_process_scoped() {
    const papr::RealMemory l1 = real();
    constexpr uint64_t kTables = 12ull << 20;  // L2 real
    constexpr uint64_t kProcessTable = 14ull << 20;
    const auto at = [](uint64_t l2) { return kL2Base + l2; };
    const uint64_t root = kTables;               // 2^13 entries, 64 KiB
    const uint64_t l1dir = kTables + 0x10000;    // 2^9
    const uint64_t l2dir = kTables + 0x11000;    // 2^9
    const uint64_t leaves = kTables + 0x12000;   // 8 tables of 2^9 PTEs
    l1.store_be64(at(root), isa::radix::make_pde(l1dir, 9));
    l1.store_be64(at(l1dir), isa::radix::make_pde(l2dir, 9));
    for (uint64_t t = 0; t < kL2Size >> 21; ++t) {
      l1.store_be64(at(l2dir + t * 8), isa::radix::make_pde(leaves + t * 0x1000, 9));
    }
    for (uint64_t a = 0; a < kL2Size; a += 0x1000) {
      l1.store_be64(at(leaves + (a >> 12) * 8),
                    isa::radix::make_pte(a, isa::radix::kEaaRead | isa::radix::kEaaReadWrite |
                                                isa::radix::kEaaExecute | isa::radix::kEaaPrivileged));
    }
    l1.store_be64(at(kProcessTable + 16), isa::radix::make_table_entry(root, 52, 13));
    config_.process_table = kProcessTable;
    config_.process_table_size = 16 * 16;
    relocate_ = true;
  }

  bool load(const char* path) {
    std::ifstream f(path, std::ios::binary);
    const std::vector<char> image{std::istreambuf_iterator<char>(f), {}};
    if (image.empty() || image.size() > kMem - kImage) return false;
    std::copy(image.begin(), image.end(), mem_.get() + kL2Base + kImage);
    return true;
  }

  // One run of the workload from a fresh vCPU state; the exit and the checksum in r3.
  isa::Exit run(isa::Cpu& cpu, uint64_t scale, uint64_t& checksum) {
    isa::VcpuState& s = cpu.state();
    s = isa::VcpuState{};
    s.msr = isa::msr::kSF | isa::msr::kLE | (relocate_ ? isa::msr::kIR | isa::msr::kDR : 0);
    s.pidr = relocate_ ? 1 : 0;
    s.nia = kImage;
    s.gpr[1] = kStack - 256;
    s.gpr[3] = kMem;
    s.gpr[4] = scale;
    s.fscr = s.hfscr = ~isa::fscr::kCauseMask;
    const isa::Exit e = cpu.run(isa::RunEnv{real(), &config_, &tb_});
    checksum = s.gpr[3];
    return e;
  }

 private:
  papr::RealMemory real() const { return {mem_.get(), kL1Size}; }
  std::unique_ptr<uint8_t, decltype(&std::free)> mem_;
  isa::PartitionConfig config_;
  isa::Timebase tb_{isa::Timebase::Mode::Deterministic};
  bool relocate_ = false;
};

// state.range(0): 0 = real mode (partition-scoped walk only), 1 = MSR[IR/DR]=1 (both walks).
void BM_Nv2(benchmark::State& state) {
  if (std::string(NV2_BENCH_ISA_NV2_BIN).empty()) {
    state.SkipWithError("needs powerpc64le-linux-gnu-gcc to build the image");
    return;
  }
  Nv2Machine machine;
  if (state.range(0) != 0) machine.enable_process_scoped();
  if (!machine.load(NV2_BENCH_ISA_NV2_BIN)) {
    state.SkipWithError("cannot load the nv2 workload image");
    return;
  }
  isa::Cpu cpu;
  uint64_t instructions = 0;
  double cpu_s = 0;
  Clock::duration wall{};
  for (auto _ : state) {
    uint64_t h = 0;
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_s();
    const isa::Exit e = machine.run(cpu, kScale, h);
    const double dt = thread_cpu_s() - c0;
    wall += Clock::now() - t0;
    cpu_s += dt;
    state.SetIterationTime(dt);
    instructions = e.instructions;
    if (e.kind != isa::ExitKind::Hcall) {
      state.SkipWithError("nv2 stopped before the end of the workload");
      break;
    }
    if (h != native_checksum()) state.SkipWithError("nv2 checksum differs from native");
  }
  const auto n = static_cast<double>(std::max<int64_t>(state.iterations(), 1));
  const double per_iter = cpu_s / n;
  state.counters["wall_s"] = seconds(wall) / n;
  state.counters["instructions"] = static_cast<double>(instructions);
  state.counters["ips"] = static_cast<double>(instructions) / per_iter;
  if (g_native_s > 0) state.counters["time_vs_native"] = per_iter / g_native_s;
  if (g_qemu_s > 0) {
    state.counters["time_vs_qemu"] = per_iter / g_qemu_s;
    state.counters["qemu_ips"] = static_cast<double>(instructions) / g_qemu_s;
  }
}

// Registration order = run order: the baselines first, so nv2's ratios come from this run.
BENCHMARK(BM_Native)->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(1.0);
BENCHMARK(BM_Qemu)->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(2.0);
BENCHMARK(BM_Nv2)->ArgName("relocated")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
