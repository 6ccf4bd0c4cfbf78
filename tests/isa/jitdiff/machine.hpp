// The L2 machine of the JIT differential test (test_jit_diff.cpp): one L1 memory image with
// the partition-scoped tree, an identity process-scoped tree for PID 1, interrupt stubs and
// holes, built once; every engine under comparison gets its own copy (a Side).
//
// L2 real layout (= EA under the identity process-scoped map, MSR[IR/DR]=1):
//   0x00100-0x00FE0  a stub every 0x20 bytes: `sc 1 ; b kSkipHandler` (every interrupt the
//                    L2 takes exits first, so the state at the vector is compared)
//   0x02000          kSkipHandler: SRR0 += 4 and rfid (resume after the interrupted instruction)
//   0x10000          the program (kCodeSize bytes at most)
//   0x20E00          scratch data, DIFF_SCRATCH_SIZE bytes across the page boundary at 0x21000
//   0x30000-0x58000  pseudo-random data
//   0x48000          kPartitionHole: a page not mapped partition-scoped (HDSI exit)
//   0x50000          kProcessHole: a page not mapped process-scoped (DSI inside the L2 when
//                    MSR[DR]=1; ordinary memory in real mode)
//   0x5F000          the process table; 0x60000-0x74000 the process-scoped tables
//   0x120000         kFarData: 8 pages backed by the L1 pages of L2 real 0x30000-0x38000 (in
//                    both trees): EA pages 256 pages away from scratch, so they share its
//                    host-page cache slots (Exec's 256-entry rtlb/wtlb)
//   0x78000          kCodeAlias: a second partition-scoped mapping of the program's pages
//                    (L2 real 0x78000 + n and 0x10000 + n are the same L1 bytes), so the
//                    same code, keyed by L1 real address, runs at two effective addresses
// The 4 KiB pages of L2 real memory sit in reverse order in L1 memory (l1_of), so an access
// that crosses a page in the L2 is two distant pieces in L1 (as in test_diff.cpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../test_radix_tables.hpp"
#include "compare.hpp"
#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "isa/radix.hpp"

namespace nv2::isa::jitdiff {

namespace layout {
inline constexpr uint64_t kL2Size = 0x80000;
inline constexpr uint64_t kPages = kL2Size / 4096;
inline constexpr uint64_t kStubsFirst = 0x100;
inline constexpr uint64_t kStubsEnd = 0x1000;
inline constexpr uint64_t kStubStride = 0x20;
inline constexpr uint64_t kSkipHandler = 0x2000;
inline constexpr uint64_t kCode = 0x10000;
inline constexpr uint64_t kCodeSize = 0x8000;
inline constexpr uint64_t kScratch = 0x20E00;
inline constexpr uint64_t kRandomData = 0x30000;
inline constexpr uint64_t kRandomDataEnd = 0x58000;
inline constexpr uint64_t kPartitionHole = 0x48000;
inline constexpr uint64_t kProcessHole = 0x50000;
inline constexpr uint64_t kProcessTable = 0x5F000;
inline constexpr uint64_t kProcessTables = 0x60000;
inline constexpr uint64_t kCodeAlias = 0x78000;
inline constexpr uint64_t kFarData = 0x120000;
inline constexpr uint64_t kFarDataSize = 0x8000;
inline constexpr uint64_t kFarDataBacking = 0x30000;
inline constexpr uint32_t kPid = 1;
// L1 real: the partition-scoped tables below kL2InL1, then the L2's pages.
inline constexpr uint64_t kL2InL1 = 0x40000;
inline constexpr uint64_t kL1Size = kL2InL1 + kL2Size;
static_assert(kCodeAlias + kCodeSize == kL2Size, "the alias maps the whole code area");

constexpr uint64_t l1_of(uint64_t l2) {
  return kL2InL1 + (kPages - 1 - l2 / 4096) * 4096 + l2 % 4096;
}
// The L2 real address backed by L1 real `l1`, as text (for failure messages).
inline std::string describe_l1(uint64_t l1) {
  if (l1 < kL2InL1) return "partition-scoped tables";
  const uint64_t page = kPages - 1 - (l1 - kL2InL1) / 4096;
  return "L2 real " + hex(page * 4096 + l1 % 4096);  // also kCodeAlias / kFarData views
}
}  // namespace layout

// Instruction words the machine itself runs (Power ISA 3.0B encodings).
namespace words {
inline constexpr uint32_t kSc1 = 0x44000022;
inline constexpr uint32_t kRfid = 0x4C000024;
inline constexpr uint32_t kNop = 0x60000000;
constexpr uint32_t b_to(uint64_t from, uint64_t to) {
  return 0x48000000u | (static_cast<uint32_t>(to - from) & 0x03FFFFFCu);
}
constexpr uint32_t spr_field(uint32_t spr) { return ((spr & 31) << 16) | ((spr >> 5) << 11); }
constexpr uint32_t mtspr(uint32_t spr, uint32_t rs) { return 0x7C0003A6u | (rs << 21) | spr_field(spr); }
constexpr uint32_t mfspr(uint32_t rt, uint32_t spr) { return 0x7C0002A6u | (rt << 21) | spr_field(spr); }
constexpr uint32_t addi(uint32_t rt, uint32_t ra, uint32_t si) {
  return (14u << 26) | (rt << 21) | (ra << 16) | (si & 0xFFFF);
}
inline constexpr uint32_t kSrr0 = 26;
inline constexpr uint32_t kSprg0 = 272;
static_assert(mtspr(9, 0) == 0x7C0903A6 && mfspr(0, 8) == 0x7C0802A6);
}  // namespace words

// The L1 memory every case starts from, built once.
class Image {
 public:
  Image() : mem_(layout::kL1Size) {
    using namespace layout;
    testing::Bump part_alloc(0, kL2InL1);
    testing::RadixTree partition(mem_, std::ref(part_alloc), [](uint64_t a) { return a; });
    // R and C preset in every PTE: no walk writes the tables, so the engines' memories can
    // be compared byte for byte whatever order they walk in.
    constexpr uint64_t kFlags = testing::kRwx | radix::kReference | radix::kChange;
    for (uint64_t a = 0; a < kL2Size; a += 4096) {
      if (a == kPartitionHole) continue;
      const uint64_t backing = a >= kCodeAlias ? a - kCodeAlias + kCode : a;
      partition.map(a, l1_of(backing), testing::kShift4K, kFlags);
    }
    for (uint64_t a = 0; a < kFarDataSize; a += 4096) {
      partition.map(kFarData + a, l1_of(kFarDataBacking + a), testing::kShift4K, kFlags);
    }
    testing::Bump proc_alloc(kProcessTables, kCodeAlias);
    testing::RadixTree process(mem_, std::ref(proc_alloc), [](uint64_t a) { return l1_of(a); });
    for (uint64_t a = 0; a < kL2Size; a += 4096) {
      // User pages (no EAA privileged bit): problem state may use them, privileged state too.
      if (a != kProcessHole) process.map(a, a, testing::kShift4K, kFlags);
    }
    for (uint64_t a = 0; a < kFarDataSize; a += 4096) process.map(kFarData + a, kFarData + a, testing::kShift4K, kFlags);
    mem_.store_be64(l1_of(kProcessTable + 16 * kPid),
                    radix::make_table_entry(process.root(), testing::RadixTree::kTreeBits,
                                            testing::RadixTree::kRootNls));
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (uint64_t a = kRandomData; a < kRandomDataEnd; a += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(mem_.real().base() + l1_of(a), &x, 8);
    }
    config_.partition_table_defined = true;
    config_.pt_root = partition.root();
    config_.pt_ea_bits = testing::RadixTree::kTreeBits;
    config_.pt_root_size = uint64_t{8} << testing::RadixTree::kRootNls;
    config_.process_table = kProcessTable;
    config_.process_table_size = 16 * 16;
  }
  const uint8_t* bytes() const { return mem_.real().base(); }
  const PartitionConfig& config() const { return config_; }

 private:
  testing::TestMemory mem_;
  PartitionConfig config_;
};

// One engine with its own copy of the machine.
class Side {
 public:
  Side(const Image& image, bool jit, uint32_t threshold)
      : mem_(layout::kL1Size), config_(image.config()), cpu_(std::make_unique<Cpu>()) {
    std::memcpy(mem_.real().base(), image.bytes(), layout::kL1Size);
    cpu_->set_jit(jit);
    cpu_->set_jit_threshold(threshold);
  }

  // Back to the image, keeping the engine (its caches and code arena live on; the decoded
  // and translated blocks are dropped as an L1 does after rewriting an L2's memory).
  void reset(const Image& image) {
    std::memcpy(mem_.real().base(), image.bytes(), layout::kL1Size);
    config_ = image.config();
    cpu_->flush_translations();
  }

  Cpu& cpu() { return *cpu_; }
  void set_tb_offset(uint64_t offset) { config_.tb_offset = offset; }
  VcpuState& state() { return cpu_->state(); }
  const uint8_t* memory() const { return mem_.real().base(); }
  papr::RealMemory real() const { return mem_.real(); }

  // Instruction words at L2 real `l2` in the byte order of MSR[LE] = `le`.
  void put_words(uint64_t l2, const std::vector<uint32_t>& ws, bool le) {
    for (const uint32_t w : ws) {
      const uint32_t v = le ? w : __builtin_bswap32(w);
      std::memcpy(mem_.real().base() + layout::l1_of(l2), &v, 4);
      l2 += 4;
    }
  }
  void put_bytes(uint64_t l2, const uint8_t* b, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) mem_.real().base()[layout::l1_of(l2 + i)] = b[i];
  }

  // The interrupt stubs and the skip handler, in the byte order of LPCR[ILE] = `ile`.
  void install_handlers(bool ile) {
    using namespace layout;
    for (uint64_t v = kStubsFirst; v < kStubsEnd; v += kStubStride) {
      put_words(v, {words::kSc1, words::b_to(v + 4, kSkipHandler)}, ile);
    }
    put_words(kSkipHandler,
              {words::mtspr(words::kSprg0, 3), words::mfspr(3, words::kSrr0), words::addi(3, 3, 4),
               words::mtspr(words::kSrr0, 3), words::mfspr(3, words::kSprg0), words::kRfid},
              ile);
  }

  // The guest's tlbie broadcast domain: the harness broadcasts on it between runs, as the L0
  // does for another vCPU's tlbie or H_RPT_INVALIDATE.
  TlbDomain& domain() { return domain_; }

  Observation run(const Timebase& tb, InterruptRequests requests = {}) {
    Observation o;
    RunEnv env{mem_.real(), &config_, &tb};
    env.tlb_domain = &domain_;
    o.exit = cpu_->run(env, requests);
    o.retired = cpu_->retired();
    o.state = cpu_->state();
    return o;
  }

 private:
  testing::TestMemory mem_;
  PartitionConfig config_;
  TlbDomain domain_;
  std::unique_ptr<Cpu> cpu_;
};

}  // namespace nv2::isa::jitdiff
