// A small machine for driving a Cpu in tests and benchmarks: flat L1 memory, an identity
// partition-scoped radix tree (L2 real == L1 real, one 1 GiB leaf), a deterministic
// timebase. Header-only so any test folder or benchmark can use it.
//
// Layout: L2 programs use low memory; the two tables of the partition-scoped tree sit in
// the last 128 KiB (tables_base()). Process-scoped translation (MSR[IR/DR]=1) needs a
// process table the test builds itself (config().process_table).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>
#include <thread>
#include <vector>

#include "isa/cpu.hpp"
#include "isa/radix.hpp"

namespace nv2::isa::testing {

class TestMachine {
 public:
  static constexpr uint64_t kDefaultSize = uint64_t{16} << 20;
  static constexpr unsigned kTreeBits = 52;  // EA bits of the partition-scoped tree
  static constexpr unsigned kRootNls = 13;   // 52-bit tree: levels of 13, 9, 9, 9 bits

  explicit TestMachine(uint64_t size = kDefaultSize,
                       Timebase timebase = Timebase(Timebase::Mode::Deterministic, 1))
      : mem_(size, 0), timebase_(timebase) {
    const uint64_t root = tables_base();                   // 64 KiB root, 64 KiB aligned
    const uint64_t level2 = root + (uint64_t{8} << kRootNls);  // 4 KiB directory of 1 GiB leaves
    l1().store_be64(root, radix::make_pde(level2, 9));
    l1().store_be64(level2, radix::make_pte(0, radix::kReference | radix::kChange |
                                                   radix::kEaaRead | radix::kEaaReadWrite |
                                                   radix::kEaaExecute));
    config_.logical_pvr = 0x0F000005;
    config_.partition_table_defined = true;
    config_.pt_root = root;
    config_.pt_ea_bits = kTreeBits;
    config_.pt_root_size = uint64_t{8} << kRootNls;
  }

  // First byte of the partition-scoped tables (the end of memory L2 programs may use).
  uint64_t tables_base() const { return (mem_.size() - (uint64_t{128} << 10)) & ~uint64_t{0xFFFF}; }

  papr::RealMemory l1() { return papr::RealMemory(mem_.data(), mem_.size()); }
  std::vector<uint8_t>& memory() { return mem_; }
  PartitionConfig& config() { return config_; }
  Timebase& timebase() { return timebase_; }
  Cpu& cpu() { return cpu_; }
  VcpuState& state() { return cpu_.state(); }

  RunEnv env() { return RunEnv{l1(), &config_, &timebase_}; }
  Exit run(InterruptRequests r = {}) { return cpu_.run(env(), r); }

  // Start at `nia` with MSR `msr` and no timer ever due: the run then ends only by an exit
  // the program takes or by a stop request.
  void start_untimed(uint64_t nia, uint64_t msr) {
    VcpuState& s = state();
    s.msr = msr;
    s.nia = nia;
    s.hdec_expiry_tb = ~uint64_t{0};
    s.dec_expiry_tb = ~uint64_t{0};
  }
  // Run while another thread asks for a stop `delay` after the start (Cpu::request_stop).
  Exit run_with_stop_after(std::chrono::milliseconds delay) {
    std::thread stopper([this, delay] {
      std::this_thread::sleep_for(delay);
      cpu_.request_stop();
    });
    const Exit e = run();
    stopper.join();
    return e;
  }

  void load(uint64_t addr, std::span<const uint8_t> bytes) {
    std::memcpy(mem_.data() + addr, bytes.data(), bytes.size());
  }
  // Store instruction words in the byte order of MSR[LE] = `le`.
  void put_words(uint64_t addr, std::span<const uint32_t> words, bool le) {
    for (uint32_t w : words) {
      const uint32_t v = le ? w : __builtin_bswap32(w);
      std::memcpy(mem_.data() + addr, &v, 4);
      addr += 4;
    }
  }
  uint64_t read_u64(uint64_t addr, bool le) const {
    uint64_t v;
    std::memcpy(&v, mem_.data() + addr, 8);
    return le ? v : __builtin_bswap64(v);
  }

 private:
  std::vector<uint8_t> mem_;
  PartitionConfig config_;
  Timebase timebase_;
  Cpu cpu_;
};

}  // namespace nv2::isa::testing
