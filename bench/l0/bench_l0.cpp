// L0 benchmarks (issue 4 item 6; docs/perf/l0.md). Every figure is reported next to a
// baseline measured in the same run, so the ratio, not the absolute time, is the result.
//
//   BM_Baseline_VirtualCall        an HcallPort virtual call that does nothing: the floor
//   BM_Dispatch_TrivialHcall       H_GUEST_GET_CAPABILITIES through Partition::hcall
//   BM_Baseline_Memcpy/n           memcpy of the n-element GSB: the floor of GET/SET
//   BM_GetState/n, BM_SetState/n   1, 16 and all thread-wide elements
//   BM_CreateDelete_8Vcpus         H_GUEST_CREATE + 8 × CREATE_VCPU + H_GUEST_DELETE
//   BM_HcallRoundTrip              L2 `sc 1` → exit 0xC00 → L1 sets r3 → rerun
//   BM_IdleVcpuMemory              counters: host heap bytes per idle vCPU (malloc-measured
//                                  and L0-accounted) beyond sizeof(isa::VcpuState)
//   BM_RanVcpuMemory               counter: heap the engine adds at a vCPU's first run
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"
#include "isa/interrupts.hpp"
#include "isa/radix.hpp"
#include "l0/host.hpp"
#include "papr/abi.hpp"
#include "papr/flags.hpp"

namespace {

using namespace nv2;
using papr::Hcall;
using papr::HStatus;

constexpr uint64_t kMem = uint64_t{64} << 20;
constexpr uint64_t kGsb = 0x10000;
// Run buffers of vCPU v: input at kRunIn + 0x2000 v, output 0x1000 above it.
constexpr uint64_t kRunIn = 0x20000;
constexpr uint64_t kPtRoot = 0x100000;
constexpr uint64_t kPtPool = 0x110000;
constexpr uint64_t kL2Base = 0x400000;

struct Rig {
  l0::Host host;
  l0::Partition& p = host.create_partition(kMem);
  papr::RealMemory mem = p.memory();

  HStatus call(Hcall h, std::initializer_list<uint64_t> args, uint64_t* r4 = nullptr) {
    auto regs = papr::HcallRegs::make(h, args);
    p.hcall(regs);
    if (r4) *r4 = regs.r[4];
    return regs.status();
  }
  uint64_t guest() {
    uint64_t caps = 0;
    call(Hcall::H_GUEST_GET_CAPABILITIES, {0}, &caps);
    call(Hcall::H_GUEST_SET_CAPABILITIES, {0, caps});
    uint64_t g = 0;
    call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken}, &g);
    return g;
  }
};

// The thread-wide elements a GET/SET can carry, in ID order.
std::vector<gsb::ElementId> thread_ids(bool set) {
  std::vector<gsb::ElementId> ids;
  for (gsb::ElementId id : gsb::kIdByDenseIndex) {
    const auto* d = gsb::find(id);
    if (d->scope != gsb::Scope::Thread || id == gsb::id::kRunInput || id == gsb::id::kRunOutput ||
        id == gsb::id::kVpa)
      continue;
    if (set ? d->writable() : d->readable()) ids.push_back(id);
  }
  return ids;
}

std::size_t count_arg(const benchmark::State& s, std::size_t all) {
  return s.range(0) == 0 ? all : static_cast<std::size_t>(s.range(0));
}

class NullPort final : public papr::HcallPort {
 public:
  void hcall(papr::HcallRegs& regs) override { regs.r[3] = 0; regs.r[4] = regs.r[5]; }
};

void BM_Baseline_VirtualCall(benchmark::State& state) {
  NullPort port;
  papr::HcallPort* volatile p = &port;
  auto regs = papr::HcallRegs::make(Hcall::H_GUEST_GET_CAPABILITIES, {0});
  for (auto _ : state) {
    p->hcall(regs);
    benchmark::DoNotOptimize(regs);
  }
}
BENCHMARK(BM_Baseline_VirtualCall);

void BM_Dispatch_TrivialHcall(benchmark::State& state) {
  Rig rig;
  papr::HcallPort* volatile p = &rig.p;
  for (auto _ : state) {
    auto regs = papr::HcallRegs::make(Hcall::H_GUEST_GET_CAPABILITIES, {0});
    p->hcall(regs);
    benchmark::DoNotOptimize(regs);
  }
}
BENCHMARK(BM_Dispatch_TrivialHcall);

std::size_t encode_request(const papr::RealMemory& mem, const std::vector<gsb::ElementId>& ids, std::size_t n,
                           bool set) {
  gsb::Writer w(mem.span(kGsb, 0x10000));
  for (std::size_t i = 0; i < n; ++i) {
    const auto* d = gsb::find(ids[i]);
    if (set) {
      gsb::Value v;
      switch (d->type) {
        case gsb::Type::Be32: v = uint32_t{1}; break;
        case gsb::Type::Vec128: v = gsb::Vec128{1, 2}; break;
        case gsb::Type::Be64:
        case gsb::Type::PartitionTable:
        case gsb::Type::ProcessTable:
        case gsb::Type::BufferInfo: v = uint64_t{0x1000}; break;
      }
      (void)w.put(ids[i], v);
    } else {
      (void)w.put_request(ids[i]);
    }
  }
  return w.size();
}

void BM_Baseline_Memcpy(benchmark::State& state) {
  Rig rig;
  const auto ids = thread_ids(false);
  const std::size_t bytes = encode_request(rig.mem, ids, count_arg(state, ids.size()), false);
  std::vector<uint8_t> dst(bytes);
  for (auto _ : state) {
    std::memcpy(dst.data(), rig.mem.base() + kGsb, bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Baseline_Memcpy)->Arg(1)->Arg(16)->Arg(0);

void state_bench(benchmark::State& state, bool set) {
  Rig rig;
  const uint64_t g = rig.guest();
  rig.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 0});
  const auto ids = thread_ids(set);
  const std::size_t n = count_arg(state, ids.size());
  const std::size_t bytes = encode_request(rig.mem, ids, n, set);
  const Hcall h = set ? Hcall::H_GUEST_SET_STATE : Hcall::H_GUEST_GET_STATE;
  for (auto _ : state) {
    auto regs = papr::HcallRegs::make(h, {0, g, 0, kGsb, bytes});
    rig.p.hcall(regs);
    if (regs.status() != HStatus::Success) state.SkipWithError("state hcall failed");
    benchmark::DoNotOptimize(regs);
  }
  state.counters["elements"] = static_cast<double>(n);
  state.counters["bytes"] = static_cast<double>(bytes);
}
void BM_GetState(benchmark::State& state) { state_bench(state, false); }
void BM_SetState(benchmark::State& state) { state_bench(state, true); }
BENCHMARK(BM_GetState)->Arg(1)->Arg(16)->Arg(0);
BENCHMARK(BM_SetState)->Arg(1)->Arg(16)->Arg(0);

void BM_CreateDelete_8Vcpus(benchmark::State& state) {
  Rig rig;
  rig.guest();
  for (auto _ : state) {
    uint64_t g = 0;
    rig.call(Hcall::H_GUEST_CREATE, {0, papr::kCreateFirstCallToken}, &g);
    for (uint64_t v = 0; v < 8; ++v) rig.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v});
    if (rig.call(Hcall::H_GUEST_DELETE, {0, g}) != HStatus::Success) state.SkipWithError("delete failed");
  }
}
BENCHMARK(BM_CreateDelete_8Vcpus);

// A partition-scoped table mapping L2 real [0, 4 MiB) to L1 real kL2Base.. (64 KiB pages).
void map_l2(const papr::RealMemory& mem) {
  using namespace isa::radix;
  uint64_t pool = kPtPool;
  auto next = [&](uint64_t table, uint64_t index, unsigned nls) {
    const uint64_t at = table + index * 8;
    uint64_t e = mem.load_be64(at);
    if ((e & kValid) == 0) {
      e = make_pde(pool, nls);
      pool += 0x1000;
      mem.store_be64(at, e);
    }
    return e & kNlbMask;
  };
  for (uint64_t l2 = 0; l2 < 0x400000; l2 += 0x10000) {
    const uint64_t d2 = next(kPtRoot, (l2 >> 39) & 0x1FFF, 9);
    const uint64_t d3 = next(d2, (l2 >> 30) & 0x1FF, 9);
    const uint64_t d4 = next(d3, (l2 >> 21) & 0x1FF, 5);
    mem.store_be64(d4 + ((l2 >> 16) & 0x1F) * 8, make_pte(kL2Base + l2, kEaaRead | kEaaReadWrite | kEaaExecute));
  }
}

// A guest whose vCPUs 0..n-1 are at the hcall program with run buffers registered (each
// vCPU its own pair). False when the program binary is missing.
bool hcall_guest(Rig& rig, uint64_t& g, uint64_t n) {
  map_l2(rig.mem);
  std::ifstream f(std::string(NV2_L0_ASM_DIR) + "/hcall.bin", std::ios::binary);
  const std::vector<uint8_t> code{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  if (code.empty()) return false;
  std::memcpy(rig.mem.base() + kL2Base + 0x10000, code.data(), code.size());
  g = rig.guest();
  {
    gsb::Writer w(rig.mem.span(kGsb, 0x1000));
    (void)w.put(gsb::id::kLogicalPvr, papr::pvr::kPower9);
    (void)w.put(gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, 0x10000});
    rig.call(Hcall::H_GUEST_SET_STATE, {papr::state_flag::kGuestWide, g, 0, kGsb, w.size()});
  }
  for (uint64_t v = 0; v < n; ++v) {
    rig.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v});
    const uint64_t in = kRunIn + 0x2000 * v;
    gsb::Writer w(rig.mem.span(kGsb, 0x1000));
    (void)w.put(gsb::id::kRunInput, gsb::BufferInfo{in, 0x1000});
    (void)w.put(gsb::id::kRunOutput, gsb::BufferInfo{in + 0x1000, 0x1000});
    (void)w.put(gsb::id::kNia, uint64_t{0x10000});
    (void)w.put(gsb::id::kMsr, isa::msr::kSF | isa::msr::kME | isa::msr::kRI | isa::msr::kLE);
    rig.call(Hcall::H_GUEST_SET_STATE, {0, g, v, kGsb, w.size()});
    // What a minimal L1 does per exit: answer the hcall in r3 through the run input buffer.
    gsb::Writer inw(rig.mem.span(in, 0x1000));
    (void)inw.put(gsb::id::gpr(3), uint64_t{0});
  }
  return true;
}

void BM_HcallRoundTrip(benchmark::State& state) {
  Rig rig;
  uint64_t g = 0;
  if (!hcall_guest(rig, g, 1)) {
    state.SkipWithError("hcall.bin missing");
    return;
  }
  for (auto _ : state) {
    auto regs = papr::HcallRegs::make(Hcall::H_GUEST_RUN_VCPU, {0, g, 0});
    rig.p.hcall(regs);
    if (regs.status() != HStatus::Success || regs.r[4] != 0xC00) {
      state.SkipWithError("run did not exit with 0xC00");
      break;
    }
  }
}
BENCHMARK(BM_HcallRoundTrip);

void BM_IdleVcpuMemory(benchmark::State& state) {
  constexpr uint64_t kVcpus = 256;
  double per_vcpu_malloc = 0;
  double per_vcpu_accounted = 0;
  for (auto _ : state) {
    Rig rig;
    const uint64_t g = rig.guest();
    const auto m0 = mallinfo2();
    const uint64_t a0 = rig.host.accounting().heap_in_use();
    for (uint64_t v = 0; v < kVcpus; ++v) rig.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, v});
    const auto m1 = mallinfo2();
    const uint64_t a1 = rig.host.accounting().heap_in_use();
    per_vcpu_malloc = static_cast<double>(m1.uordblks - m0.uordblks) / kVcpus;
    per_vcpu_accounted = static_cast<double>(a1 - a0) / kVcpus;
  }
  const double arch = sizeof(isa::VcpuState);
  state.counters["vcpu_state_bytes"] = arch;
  state.counters["heap_per_vcpu"] = per_vcpu_malloc;
  state.counters["beyond_arch_malloc"] = per_vcpu_malloc - arch;
  state.counters["beyond_arch_accounted"] = per_vcpu_accounted - arch;
}
BENCHMARK(BM_IdleVcpuMemory)->Iterations(3);

// The same after each vCPU ran once: the engine (decoded blocks, software TLB) now exists.
void BM_RanVcpuMemory(benchmark::State& state) {
  constexpr uint64_t kVcpus = 16;
  double per_vcpu = 0;
  for (auto _ : state) {
    Rig rig;
    uint64_t g = 0;
    if (!hcall_guest(rig, g, kVcpus)) {
      state.SkipWithError("hcall.bin missing");
      return;
    }
    const auto m0 = mallinfo2();
    for (uint64_t v = 0; v < kVcpus; ++v) rig.call(Hcall::H_GUEST_RUN_VCPU, {0, g, v});
    const auto m1 = mallinfo2();
    per_vcpu = static_cast<double>(m1.uordblks - m0.uordblks) / kVcpus;
  }
  state.counters["engine_heap_per_vcpu"] = per_vcpu;
}
BENCHMARK(BM_RanVcpuMemory)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
