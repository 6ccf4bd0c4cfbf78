// L1 lazy-cache benchmarks (issue 5 item 8). All run against BenchL0, a fake L0 whose
// H_GUEST_RUN_VCPU only copies a prepared output buffer into L1 memory, so the numbers are
// the L1's own cost per exit:
//  Floor           — the fake L0's RUN alone (regs + memcpy of the output buffer): the baseline;
//  HcallExit       — Vcpu::run() (encode the dirty set, RUN, invalidate, parse the output)
//                    + a handler reading r4–r12 and writing r3: the steady state of item 3;
//  HcallExitLoop   — the same through RunLoop::step() and the dense hcall table;
//  MmioLoadExit    — an HDSI on an MMIO device: GET_STATE(HEIR), decode, device read, RT, NIA;
//  HeaExit         — an HEA turned into a program interrupt (4 registers set through the cache).
// Counters: hcalls, GSB bytes in/out and elements per exit, from the L1's own counters.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "gsb/buffer.hpp"
#include "l1/guest.hpp"
#include "l1/hypervisor.hpp"
#include "l1/run_loop.hpp"
#include "l1/vcpu.hpp"

using namespace nv2;

namespace {

class BenchL0 final : public papr::HcallPort {
 public:
  explicit BenchL0(std::size_t bytes) : mem_(bytes) {}
  papr::RealMemory memory() { return {mem_.data(), mem_.size()}; }

  // What RUN answers: the exit reason and the output buffer bytes.
  void script(uint64_t reason, std::vector<uint8_t> out) {
    reason_ = reason;
    out_ = std::move(out);
  }
  void set_output_buffer(uint64_t addr) { out_addr_ = addr; }
  uint64_t heir = 0;

  void hcall(papr::HcallRegs& r) override {
    const uint64_t op = r.opcode();
    r.r[3] = 0;
    if (op == papr::opcode(papr::Hcall::H_GUEST_GET_CAPABILITIES)) {
      r.r[4] = papr::cap::kPower9 | papr::cap::kPower10;
    } else if (op == papr::opcode(papr::Hcall::H_GUEST_CREATE)) {
      r.r[4] = 1;
    } else if (op == papr::opcode(papr::Hcall::H_GUEST_RUN_VCPU)) {
      std::memcpy(mem_.data() + out_addr_, out_.data(), out_.size());
      r.r[4] = reason_;
    } else if (op == papr::opcode(papr::Hcall::H_GUEST_GET_STATE)) {
      // Answer in place: every requested element gets `heir` (the MMIO bench asks only HEIR).
      auto buf = memory().span(r.arg(3), r.arg(4));
      gsb::Reader rd;
      if (!rd.parse(buf, gsb::Policy::structure())) {
        r.r[3] = papr::to_abi(papr::HStatus::P5);
        return;
      }
      for (const gsb::Element& e : rd)
        if (e.type() == gsb::Type::Be64) (void)gsb::store_value(buf, e, gsb::Value{heir});
    }
  }

 private:
  std::vector<uint8_t> mem_;
  std::vector<uint8_t> out_;
  uint64_t out_addr_ = 0;
  uint64_t reason_ = 0;
};

std::vector<uint8_t> encode(std::initializer_list<std::pair<gsb::ElementId, uint64_t>> els,
                            std::initializer_list<std::pair<gsb::ElementId, uint32_t>> els32 = {}) {
  std::vector<uint8_t> buf(4096);
  gsb::Writer w(buf);
  for (auto [id, v] : els) (void)w.put_be64(id, v);
  for (auto [id, v] : els32) (void)w.put_be32(id, v);
  buf.resize(w.size());
  return buf;
}

// 0xC00 output as §5 lists it (GPR3–12) plus DEC expiry.
std::vector<uint8_t> hcall_output() {
  return encode({{gsb::id::gpr(3), 0x58}, {gsb::id::gpr(4), 0}, {gsb::id::gpr(5), 1},
                 {gsb::id::gpr(6), 0x41000000}, {gsb::id::gpr(7), 0}, {gsb::id::gpr(8), 0},
                 {gsb::id::gpr(9), 0}, {gsb::id::gpr(10), 0}, {gsb::id::gpr(11), 0},
                 {gsb::id::gpr(12), 0}, {gsb::id::kDecExpiry, 1000000}});
}

struct Machine {
  BenchL0 l0{64u << 20};
  std::unique_ptr<l1::Hypervisor> hv;
  std::unique_ptr<l1::Guest> guest;
  l1::Vcpu* vcpu = nullptr;

  Machine() {
    auto h = l1::Hypervisor::probe(l0, l0.memory());
    if (!h) std::abort();
    hv = std::move(*h);
    auto g = l1::Guest::create(*hv, l1::GuestConfig{16u << 20});
    if (!g) std::abort();
    guest = std::move(*g);
    auto v = guest->create_vcpu(0);
    if (!v) std::abort();
    vcpu = *v;
    l0.set_output_buffer(vcpu->run_output_buffer().address);
    (void)vcpu->set_lpcr(0);
  }

  void report(benchmark::State& state, const l1::CountersSnapshot& before) {
    const auto s = hv->stats();
    const double n = static_cast<double>(state.iterations());
    state.counters["hcalls_per_exit"] = static_cast<double>(s.hcalls_total - before.hcalls_total) / n;
    state.counters["bytes_out_per_exit"] =
        static_cast<double>(s.gsb_bytes_out - before.gsb_bytes_out) / n;
    state.counters["bytes_in_per_exit"] = static_cast<double>(s.gsb_bytes_in - before.gsb_bytes_in) / n;
    state.counters["elements_in_per_exit"] =
        static_cast<double>(s.elements_received - before.elements_received) / n;
  }
};

l1::Result<l1::HcallOutcome> put_term_char(l1::Vcpu& v, uint64_t) {
  uint64_t sum = 0;
  for (unsigned r = 4; r <= 12; ++r) {
    auto x = v.gpr(r);
    if (!x) return nv2::Unexpected{x.error()};
    sum += *x;
  }
  benchmark::DoNotOptimize(sum);
  NV2_TRY(v.set_gpr(3, papr::to_abi(papr::HStatus::Success)));
  return l1::HcallOutcome::Resume;
}

void Floor(benchmark::State& state) {
  Machine m;
  m.l0.script(0xC00, hcall_output());
  for (auto _ : state) {
    auto regs = papr::HcallRegs::make(papr::Hcall::H_GUEST_RUN_VCPU, {0, 1, 0});
    m.l0.hcall(regs);
    benchmark::DoNotOptimize(regs);
  }
}
BENCHMARK(Floor);

void HcallExit(benchmark::State& state) {
  Machine m;
  m.l0.script(0xC00, hcall_output());
  const auto before = m.hv->stats();
  for (auto _ : state) {
    auto e = m.vcpu->run();
    if (!e || !put_term_char(*m.vcpu, 0x58)) state.SkipWithError("run failed");
  }
  m.report(state, before);
}
BENCHMARK(HcallExit);

void HcallExitLoop(benchmark::State& state) {
  Machine m;
  m.l0.script(0xC00, hcall_output());
  l1::HcallTable table;
  (void)table.register_hcall(papr::Hcall::H_PUT_TERM_CHAR, put_term_char);
  l1::RunLoop loop(*m.vcpu, table);
  const auto before = m.hv->stats();
  for (auto _ : state)
    if (!loop.step()) state.SkipWithError("step failed");
  m.report(state, before);
}
BENCHMARK(HcallExitLoop);

class NullDevice final : public l1::MmioDevice {
 public:
  uint64_t read(uint64_t offset, unsigned) override { return offset; }
  void write(uint64_t, unsigned, uint64_t) override {}
};

void MmioLoadExit(benchmark::State& state) {
  Machine m;
  NullDevice dev;
  (void)m.guest->add_mmio(0x80000000, 0x1000, dev);
  m.l0.heir = (32u << 26) | (5u << 21) | (9u << 16) | 0x10;  // lwz r5, 0x10(r9)
  m.l0.script(0xE00, encode({{gsb::id::kHdar, 0xC000000080000010ull}, {gsb::id::kAsdr, 0x80000000},
                             {gsb::id::kNia, 0x7000}, {gsb::id::kMsr, 0x8000000000000000ull},
                             {gsb::id::kDecExpiry, 1000000}},
                            {{gsb::id::kHdsisr, 0x40000000}}));
  l1::HcallTable table;
  l1::RunLoop loop(*m.vcpu, table);
  const auto before = m.hv->stats();
  for (auto _ : state)
    if (!loop.step()) state.SkipWithError("step failed");
  m.report(state, before);
}
BENCHMARK(MmioLoadExit);

void HeaExit(benchmark::State& state) {
  Machine m;
  m.l0.script(0xE40, encode({{gsb::id::kHeir, 0x7C0002A6}, {gsb::id::kNia, 0x7000},
                             {gsb::id::kMsr, 0x8000000000000000ull}, {gsb::id::kDecExpiry, 1000000}}));
  l1::HcallTable table;
  l1::RunLoop loop(*m.vcpu, table);
  const auto before = m.hv->stats();
  for (auto _ : state)
    if (!loop.step()) state.SkipWithError("step failed");
  m.report(state, before);
}
BENCHMARK(HeaExit);

}  // namespace

BENCHMARK_MAIN();
