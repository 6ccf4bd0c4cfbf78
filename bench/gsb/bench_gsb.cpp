// GSB codec benchmarks (issue 2, item 6), all in one run so ratios are to the same floor:
//  (a) encode every thread-wide RW element of one vCPU (~2.5 KiB, incl. 64 VSRs);
//  (b) validate + index + read every element of that buffer;
//  (c) encode and parse a 16-element exit-like buffer (GPR3–12, NIA, MSR, CR, CTR, LR, XER);
//  (d) memcpy of the same byte count as (a): the floor.
// The *_Writer / *_Iterate variants are the straightforward element-by-element paths, kept
// as a reference for what the precomputed layout buys.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/layout.hpp"

using namespace nv2::gsb;

namespace {

// A vCPU's thread-wide state in host order, shaped like an L0 vCPU or an L1 cache.
struct VcpuRegs {
  std::array<BufferInfo, 2> run_buffers{};  // 0x0C00–0x0C01
  uint64_t vpa = 0;                         // 0x0C02
  std::array<uint64_t, 32> gpr{};           // 0x1000–0x101F
  std::array<uint64_t, 52> spr64{};         // 0x1020–0x1053
  std::array<uint32_t, 15> spr32{};         // 0x2000–0x200E
  std::array<Vec128, 64> vsr{};             // 0x3000–0x303F
  std::array<uint64_t, 4> intr{};           // 0xF000, 0xF002, 0xF003 (+ spare)
  uint32_t hdsisr = 0;                      // 0xF001
};

const HostMap<VcpuRegs>& regs_map() {
  static const HostMap<VcpuRegs> map = [] {
    HostMap<VcpuRegs> m;
    bool ok = m.bind_array(id::kRunInput, &VcpuRegs::run_buffers) && m.bind(id::kVpa, &VcpuRegs::vpa) &&
              m.bind_array(id::gpr(0), &VcpuRegs::gpr) && m.bind_array(0x1020, &VcpuRegs::spr64) &&
              m.bind_array(0x2000, &VcpuRegs::spr32) && m.bind_array(id::vsr(0), &VcpuRegs::vsr);
    if (!ok) std::abort();
    return m;
  }();
  return map;
}

VcpuRegs sample_regs() {
  VcpuRegs r;
  uint64_t x = 0x0123456789ABCDEFull;
  auto next = [&x] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  r.run_buffers = {BufferInfo{0x300000, 0x1000}, BufferInfo{0x301000, 0x1000}};
  r.vpa = 0x302000;
  for (auto& v : r.gpr) v = next();
  for (auto& v : r.spr64) v = next();
  for (auto& v : r.spr32) v = static_cast<uint32_t>(next());
  for (auto& v : r.vsr) v = {next(), next()};
  return r;
}

// (a)'s ID set: every thread-wide RW element.
const IdBitmap kThreadRw = IdBitmap::of([](const ElementDesc& d) {
  return d.scope == Scope::Thread && d.access == Access::RW;
});
// (c)'s ID set.
const IdBitmap kExit = [] {
  IdBitmap b{id::kNia, id::kMsr, id::kCr, id::kCtr, id::kLr, id::kXer};
  for (unsigned n = 3; n <= 12; ++n) b.set(id::gpr(n));
  return b;
}();

Value host_value(const VcpuRegs& r, ElementId id) {
  const ElementDesc& d = *find(id);
  const auto* p = reinterpret_cast<const unsigned char*>(&r) + *regs_map().offset(id);
  uint64_t w[3] = {};
  switch (d.type) {
    case Type::Be32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case Type::Be64: std::memcpy(w, p, 8); return w[0];
    case Type::Vec128: std::memcpy(w, p, 16); return Vec128{w[0], w[1]};
    case Type::BufferInfo: std::memcpy(w, p, 16); return BufferInfo{w[0], w[1]};
    case Type::ProcessTable: std::memcpy(w, p, 16); return ProcessTableInfo{w[0], w[1]};
    case Type::PartitionTable: std::memcpy(w, p, 24); return PartitionTableInfo{w[0], w[1], w[2]};
  }
  return uint64_t{0};
}

// ---- (d) the floor -------------------------------------------------------------------------

void BM_d_Memcpy(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  std::vector<uint8_t> src(layout.size(), 0x5A), dst(layout.size());
  for (auto _ : st) {
    benchmark::DoNotOptimize(src.data());
    std::memcpy(dst.data(), src.data(), src.size());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(src.size()));
  st.counters["bytes"] = static_cast<double>(src.size());
}
BENCHMARK(BM_d_Memcpy);

// ---- (a) encode a whole vCPU ------------------------------------------------------------------

void BM_a_EncodeVcpu_Layout(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  const VcpuRegs regs = sample_regs();
  std::vector<uint8_t> buf(layout.size());
  for (auto _ : st) {
    benchmark::DoNotOptimize(&regs);
    auto n = layout.encode(buf, regs);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(layout.size()));
  st.counters["elements"] = layout.count();
}
BENCHMARK(BM_a_EncodeVcpu_Layout);

void BM_a_EncodeVcpu_Writer(benchmark::State& st) {
  const VcpuRegs regs = sample_regs();
  std::vector<uint8_t> buf(4096);
  for (auto _ : st) {
    Writer w(buf);
    for (ElementId id : kThreadRw) {
      auto r = w.put(id, host_value(regs, id));
      benchmark::DoNotOptimize(r);
    }
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_a_EncodeVcpu_Writer);

// ---- (b) validate + index + read a whole vCPU ---------------------------------------------------

void BM_b_ParseVcpu_Layout(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  VcpuRegs out{};
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!layout.read(buf, Policy::set(Scope::Thread), out)) std::abort();
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(buf.size()));
  st.counters["segments"] = static_cast<double>(layout.segments());
}
BENCHMARK(BM_b_ParseVcpu_Layout);

void BM_b_ParseVcpu_Apply(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  Reader r;
  VcpuRegs out{};
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!r.parse(buf, Policy::set(Scope::Thread))) std::abort();
    auto applied = apply(r, regs_map(), out);
    benchmark::DoNotOptimize(applied);
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(buf.size()));
}
BENCHMARK(BM_b_ParseVcpu_Apply);

void BM_b_ParseVcpu_Iterate(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  Reader r;
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!r.parse(buf, Policy::set(Scope::Thread))) std::abort();
    uint64_t sum = 0;
    for (const Element& e : r) {
      const Value v = e.value();
      sum += v.index();
    }
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_b_ParseVcpu_Iterate);


void BM_b_ParseVcpu_ValidateOnly(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kThreadRw, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  Reader r;
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!r.parse(buf, Policy::set(Scope::Thread))) std::abort();
    benchmark::DoNotOptimize(&r);
  }
}
BENCHMARK(BM_b_ParseVcpu_ValidateOnly);

// ---- (c) a 16-element exit buffer, each way ---------------------------------------------------------

void BM_c_ExitEncode_Layout(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kExit, regs_map());
  const VcpuRegs regs = sample_regs();
  std::vector<uint8_t> buf(layout.size());
  for (auto _ : st) {
    benchmark::DoNotOptimize(&regs);
    auto n = layout.encode(buf, regs);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  st.counters["elements"] = layout.count();
}
BENCHMARK(BM_c_ExitEncode_Layout);

void BM_c_ExitEncode_Writer(benchmark::State& st) {
  const VcpuRegs regs = sample_regs();
  std::vector<uint8_t> buf(512);
  for (auto _ : st) {
    benchmark::DoNotOptimize(&regs);
    Writer w(buf);
    for (unsigned n = 3; n <= 12; ++n) (void)w.put_be64(id::gpr(n), regs.gpr[n]);
    (void)w.put_be64(id::kNia, regs.spr64[1]);
    (void)w.put_be64(id::kMsr, regs.spr64[2]);
    (void)w.put_be64(id::kLr, regs.spr64[3]);
    (void)w.put_be64(id::kXer, regs.spr64[4]);
    (void)w.put_be64(id::kCtr, regs.spr64[5]);
    (void)w.put_be32(id::kCr, regs.spr32[0]);
    benchmark::DoNotOptimize(w.size());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_c_ExitEncode_Writer);

void BM_c_ExitParse_Layout(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kExit, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  VcpuRegs out{};
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!layout.read(buf, Policy::run_output(), out)) std::abort();
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_c_ExitParse_Layout);

void BM_c_ExitParse_Apply(benchmark::State& st) {
  const Layout<VcpuRegs> layout(kExit, regs_map());
  std::vector<uint8_t> buf(layout.size());
  if (!layout.encode(buf, sample_regs())) std::abort();
  Reader r;
  VcpuRegs out{};
  for (auto _ : st) {
    benchmark::DoNotOptimize(buf.data());
    if (!r.parse(buf, Policy::run_output())) std::abort();
    auto applied = apply(r, regs_map(), out);
    benchmark::DoNotOptimize(applied);
    benchmark::DoNotOptimize(&out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_c_ExitParse_Apply);

}  // namespace

BENCHMARK_MAIN();
