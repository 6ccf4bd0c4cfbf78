// Differential test: random user-level integer sequences run under qemu-ppc64le (a static
// harness built here with powerpc64le-linux-gnu-gcc) and under nv2's Cpu; GPRs, CR, XER,
// LR, CTR and the scratch memory must agree (issue 3 item 8).
//
// Little-endian against qemu-ppc64le, big-endian (MSR[LE]=0) against qemu-ppc64; both
// harnesses come from one libc-free source and the one ppc64le cross compiler (-mbig-endian).
// Bounded run (the ctest): 3000 sequences of 24 instructions per byte order, fixed seed.
// Nightly:
//   build/tests/isa/isa_test_diff --long          200000 sequences each, seed from the clock
//   NV2_DIFF_CASES=N NV2_DIFF_SEED=S NV2_DIFF_LENGTH=L build/tests/isa/isa_test_diff
// A failure prints the seed, the case index, the sequence words and every differing field.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "diff/gen.hpp"
#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "test_radix_tables.hpp"

namespace nv2::isa {
namespace {

namespace fs = std::filesystem;
using diff::Case;
using diff::Dump;

bool have(const char* tool) {
  const std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 0) : fallback;
}

bool long_mode() {
  for (const std::string& a : ::testing::internal::GetArgvs()) {
    if (a == "--long") return true;
  }
  return false;
}

const char* qemu_for(bool big_endian) { return big_endian ? "qemu-ppc64" : "qemu-ppc64le"; }

// Build the harness next to the tests when it is missing or older than its sources.
std::string build_harness(bool big_endian) {
  const fs::path src = fs::path(NV2_SOURCE_DIR) / "tests/isa/diff";
  const fs::path exe = fs::path(NV2_BINARY_DIR) / (big_endian ? "isa-diff-harness-be" : "isa-diff-harness-le");
  bool stale = !fs::exists(exe);
  for (const char* f : {"harness.c", "trampoline.S", "layout.h"}) {
    if (!stale && fs::last_write_time(src / f) > fs::last_write_time(exe)) stale = true;
  }
  if (stale) {
    // ctest runs the tests of this file as parallel processes: each builds under its own
    // name and renames into place (atomic), so none ever runs a half-written harness.
    const fs::path tmp = exe.string() + ".tmp." + std::to_string(::getpid());
    const std::string cmd =
        std::string("powerpc64le-linux-gnu-gcc ") + (big_endian ? "-mbig-endian " : "") +
        "-O2 -static -nostdlib -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns "
        "-fno-stack-protector -mno-vsx -mno-altivec -Wl,--build-id=none -o '" + tmp.string() +
        "' '" + (src / "harness.c").string() + "' '" + (src / "trampoline.S").string() + "'";
    if (std::system(cmd.c_str()) != 0) return {};
    std::error_code ec;
    fs::rename(tmp, exe, ec);
    if (ec) return {};
  }
  return exe.string();
}

// Run every case under qemu in one process; the dumps in order.
std::vector<Dump> run_qemu(const std::string& harness, const std::vector<Case>& cases,
                           bool big_endian) {
  const fs::path dir = fs::temp_directory_path();
  const std::string tag = std::to_string(::getpid());
  const fs::path in = dir / ("nv2-diff-in-" + tag);
  const fs::path out = dir / ("nv2-diff-out-" + tag);
  {
    std::ofstream f(in, std::ios::binary);
    for (const Case& c : cases) {
      f.write(reinterpret_cast<const char*>(c.in.bytes.data()), DIFF_DUMP_SIZE);
      const auto words = static_cast<uint32_t>(c.code.size());
      const uint32_t count = big_endian ? __builtin_bswap32(words) : words;
      f.write(reinterpret_cast<const char*>(&count), 4);
      const std::vector<uint8_t> code = c.code_bytes();
      f.write(reinterpret_cast<const char*>(code.data()), static_cast<std::streamsize>(code.size()));
    }
  }
  const std::string cmd = std::string(qemu_for(big_endian)) + " -cpu power9 '" + harness + "' < '" +
                          in.string() + "' > '" + out.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::vector<Dump> dumps;
  if (rc == 0) {
    std::ifstream f(out, std::ios::binary);
    Dump d;
    d.big_endian = big_endian;
    while (f.read(reinterpret_cast<char*>(d.bytes.data()), DIFF_DUMP_SIZE)) dumps.push_back(d);
  }
  fs::remove(in);
  fs::remove(out);
  return dumps;
}

// nv2's side: the region of layout.h at L2 real DIFF_BASE, mapped by a partition-scoped
// tree with 4 KiB pages placed in reverse order in L1 memory (so an access that crosses a
// page in L2 real space is two distant pieces in L1), MSR[LE] for the byte order under test.
// Two modes, alternating by case: privileged real mode (the epilogue's `sc 1` is an Hcall
// exit), and problem state with MSR[IR/DR]=1 through a process-scoped map of the region
// (PID 1, user pages), where that `sc 1` is a privileged-instruction program interrupt
// whose handler at 0x700 is another `sc 1`: the run then ends in the Hcall exit at 0x704.
class Nv2Runner {
 public:
  static constexpr uint64_t kL1Size = 2ull << 20;
  static constexpr uint64_t kLowL1 = 0x80000;      // L1 real of L2 real [0, 0x80000)
  static constexpr uint64_t kRegionL1 = 0x100000;  // the region's (scattered) pages
  static constexpr uint64_t kPages = DIFF_REGION_SIZE / 4096;
  static constexpr uint64_t kProcessTable = 0x1000;  // L2 real
  static constexpr uint64_t kProgramVector = 0x700;

  static uint64_t l1_of(uint64_t off) {
    return kRegionL1 + (kPages - 1 - off / 4096) * 4096 + off % 4096;
  }

  Nv2Runner()
      : mem_(kL1Size),
        alloc_(0, kLowL1),
        tree_(mem_, std::ref(alloc_), [](uint64_t a) { return a; }),
        proc_alloc_(0x10000, 0x80000),
        proc_tree_(mem_, std::ref(proc_alloc_), [](uint64_t a) { return kLowL1 + a; }),
        tb_(Timebase::Mode::Deterministic) {
    for (uint64_t off = 0; off < DIFF_REGION_SIZE; off += 4096) {
      tree_.map(DIFF_BASE + off, l1_of(off), testing::kShift4K, testing::kRwx);
      proc_tree_.map(DIFF_BASE + off, DIFF_BASE + off, testing::kShift4K, testing::kRwx);
    }
    for (uint64_t a = 0; a < 0x80000; a += 4096) {
      tree_.map(a, kLowL1 + a, testing::kShift4K, testing::kRwx);
    }
    mem_.store_be64(kLowL1 + kProcessTable + 16,
                    radix::make_table_entry(proc_tree_.root(), testing::RadixTree::kTreeBits,
                                            testing::RadixTree::kRootNls));
    config_.partition_table_defined = true;
    config_.pt_root = tree_.root();
    config_.pt_ea_bits = testing::RadixTree::kTreeBits;
    config_.pt_root_size = uint64_t{8} << testing::RadixTree::kRootNls;
    config_.process_table = kProcessTable;
    config_.process_table_size = 16 * 2;
  }

  Cpu& cpu() { return cpu_; }

  // Runs one case; the dump, or an error message.
  std::string run(const Case& c, Dump& out, bool user = false) {
    const bool be = c.in.big_endian;
    for (uint64_t off = 0; off < DIFF_REGION_SIZE; off += 4096) {
      std::memset(mem_.real().base() + l1_of(off), 0, 4096);
    }
    put(DIFF_STATE_OFF, c.in.bytes.data(), DIFF_HOST_SP);
    put(DIFF_SCRATCH_OFF, c.in.scratch(), DIFF_SCRATCH_SIZE);
    const std::vector<uint8_t> code = c.code_bytes();
    put(DIFF_CODE_OFF, code.data(), code.size());
    const uint64_t ret = DIFF_BASE + DIFF_NV2_RET_OFF;
    const uint64_t ret_mem = be ? __builtin_bswap64(ret) : ret;
    put(DIFF_HOST_RET, &ret_mem, 8);
    const uint32_t sc = be ? __builtin_bswap32(diff::kSc1) : diff::kSc1;
    put(DIFF_NV2_RET_OFF, &sc, 4);
    std::memcpy(mem_.real().base() + kLowL1 + kProgramVector, &sc, 4);

    cpu_.flush_translations();
    VcpuState& s = cpu_.state();
    s = VcpuState{};
    s.msr = msr::kSF | (be ? 0 : msr::kLE) | (user ? msr::kPR | msr::kIR | msr::kDR : 0);
    s.lpcr = be ? 0 : lpcr::kILE;  // the handler at 0x700 runs in the same byte order
    s.pidr = 1;
    s.gpr[diff::kStateReg] = DIFF_BASE + DIFF_STATE_OFF;
    s.nia = DIFF_BASE + DIFF_CODE_OFF;
    s.fscr = s.hfscr = ~uint64_t{0} & ~fscr::kCauseMask;
    const Exit e = cpu_.run(RunEnv{mem_.real(), &config_, &tb_});
    const bool ended = user ? s.nia == kProgramVector + 4 && s.srr0 == ret &&
                                  (s.srr1 & srr1::kCauseMask) == srr1::kProgramPrivileged &&
                                  (s.srr1 & msr::kPR) != 0
                            : s.nia == ret + 4;
    if (e.kind != ExitKind::Hcall || !ended) {
      std::ostringstream m;
      m << "nv2 stopped with exit 0x" << std::hex << static_cast<uint32_t>(e.kind) << " at NIA 0x"
        << s.nia << " (MSR 0x" << s.msr << ", SRR0 0x" << s.srr0 << ", SRR1 0x" << s.srr1
        << ", HEIR 0x" << s.heir << ")";
      return m.str();
    }
    out.big_endian = be;
    get(DIFF_STATE_OFF, out.bytes.data(), DIFF_HOST_SP);
    get(DIFF_SCRATCH_OFF, out.scratch(), DIFF_SCRATCH_SIZE);
    return {};
  }

 private:
  // Byte copies to and from region offsets, page by page through the scattered map.
  void put(uint64_t off, const void* from, uint64_t n) {
    const auto* b = static_cast<const uint8_t*>(from);
    for (uint64_t i = 0; i < n; ++i) mem_.real().base()[l1_of(off + i)] = b[i];
  }
  void get(uint64_t off, void* to, uint64_t n) const {
    auto* b = static_cast<uint8_t*>(to);
    for (uint64_t i = 0; i < n; ++i) b[i] = mem_.real().base()[l1_of(off + i)];
  }

  testing::TestMemory mem_;
  testing::Bump alloc_;
  testing::RadixTree tree_;
  testing::Bump proc_alloc_;
  testing::RadixTree proc_tree_;
  PartitionConfig config_;
  Timebase tb_;
  Cpu cpu_;
};

std::string describe(const Case& c, const Dump& want, const Dump& got, const std::string& error) {
  std::ostringstream m;
  m << std::hex << std::setfill('0');
  m << "sequence:";
  for (const uint32_t w : c.body) m << " " << std::setw(8) << w;
  m << "\n";
  if (!error.empty()) return m.str() + error;
  for (unsigned off = 0; off < DIFF_HOST_SP; off += 8) {
    if (want.word(off) != got.word(off)) {
      m << "  " << diff::field_name(off) << ": in 0x" << c.in.word(off) << " qemu 0x" << want.word(off)
        << " nv2 0x" << got.word(off) << "\n";
    }
  }
  for (unsigned i = 0; i < DIFF_SCRATCH_SIZE; ++i) {
    if (want.scratch()[i] != got.scratch()[i]) {
      m << "  scratch+0x" << i << ": qemu 0x" << unsigned{want.scratch()[i]} << " nv2 0x"
        << unsigned{got.scratch()[i]} << "\n";
    }
  }
  return m.str();
}

void random_sequences_match(bool big_endian) {
  if (!have(qemu_for(big_endian)) || !have("powerpc64le-linux-gnu-gcc")) {
    GTEST_SKIP() << "differential test needs " << qemu_for(big_endian)
                 << " and powerpc64le-linux-gnu-gcc "
                    "(scripts/setup.sh installs qemu-user and gcc-powerpc64le-linux-gnu)";
  }
  const std::string harness = build_harness(big_endian);
  ASSERT_FALSE(harness.empty()) << "could not build the ppc64 harness";

  const bool nightly = long_mode();
  const uint64_t total = env_or("NV2_DIFF_CASES", nightly ? 200000 : 3000);
  const uint64_t seed = env_or(
      "NV2_DIFF_SEED",
      nightly ? static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) : 1);
  const auto length = static_cast<unsigned>(env_or("NV2_DIFF_LENGTH", 24));
  std::printf("differential test (%s): %llu sequences of %u, seed %llu\n",
              big_endian ? "big-endian" : "little-endian", static_cast<unsigned long long>(total),
              length, static_cast<unsigned long long>(seed));

  diff::Generator gen(seed, big_endian);
  Nv2Runner nv2;
  constexpr uint64_t kBatch = 5000;
  uint64_t failures = 0;
  for (uint64_t done = 0; done < total && failures < 5;) {
    std::vector<Case> cases;
    for (uint64_t i = 0; i < kBatch && done + i < total; ++i) cases.push_back(gen.next(length));
    const std::vector<Dump> want = run_qemu(harness, cases, big_endian);
    ASSERT_EQ(want.size(), cases.size()) << qemu_for(big_endian) << " did not run every case";
    for (std::size_t i = 0; i < cases.size() && failures < 5; ++i) {
      Dump got;
      // Alternate privileged real mode and relocated problem state (same results expected),
      // and the interpreter and the block translator (every block translated: threshold 0).
      const bool jit = i % 4 >= 2;
      nv2.cpu().set_jit(jit);
      nv2.cpu().set_jit_threshold(0);
      const std::string error = nv2.run(cases[i], got, i % 2 == 1);
      if (!error.empty() || got.bytes != want[i].bytes) {
        ++failures;
        ADD_FAILURE() << (big_endian ? "big-endian" : "little-endian")
                      << (i % 2 == 1 ? ", problem state relocated" : ", privileged real mode")
                      << (jit ? ", translated" : ", interpreted")
                      << " seed " << seed << " case " << done + i << "\n"
                      << describe(cases[i], want[i], got, error);
      }
    }
    done += cases.size();
  }
}

TEST(DiffQemu, RandomIntegerSequencesMatchQemu) { random_sequences_match(false); }
TEST(DiffQemu, RandomIntegerSequencesMatchQemuBigEndian) { random_sequences_match(true); }

// The harness and the comparison themselves: a known sequence gives the known answer under
// qemu, so a broken harness cannot pass the differential test vacuously.
void known_sequence(bool big_endian) {
  if (!have(qemu_for(big_endian)) || !have("powerpc64le-linux-gnu-gcc")) {
    GTEST_SKIP() << "needs " << qemu_for(big_endian) << " and powerpc64le-linux-gnu-gcc";
  }
  const std::string harness = build_harness(big_endian);
  ASSERT_FALSE(harness.empty());
  diff::Generator gen(7, big_endian);
  Case c = gen.next(0);
  c.in.set_word(DIFF_GPR(3), 40);
  c.in.set_word(DIFF_GPR(4), 2);
  c.body = {diff::xo_form(5, 3, 4, 0, 266, 1),           // add. r5, r3, r4
            diff::std_(5, diff::kScratchReg, 16),         // std r5, 16(r31)
            diff::mtspr(9, 5)};                           // mtctr r5
  c.code = diff::prologue();
  c.code.insert(c.code.end(), c.body.begin(), c.body.end());
  const auto e = diff::epilogue();
  c.code.insert(c.code.end(), e.begin(), e.end());
  const std::vector<Dump> out = run_qemu(harness, {c}, big_endian);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].word(DIFF_GPR(5)), 42u);
  EXPECT_EQ(out[0].word(DIFF_CTR), 42u);
  EXPECT_EQ(out[0].word(DIFF_CR) >> 28, 0x4u | (c.in.word(DIFF_XER) >> 31));  // CR0 = GT | SO
  uint64_t stored = 0;
  std::memcpy(&stored, out[0].scratch() + 16, 8);
  EXPECT_EQ(big_endian ? __builtin_bswap64(stored) : stored, 42u);
  EXPECT_EQ(out[0].word(DIFF_GPR(9)), c.in.word(DIFF_GPR(9)));  // untouched registers survive

  // The comparison sees a difference: nv2 runs `subf` where qemu ran `add`.
  Nv2Runner nv2;
  Dump got;
  ASSERT_EQ(nv2.run(c, got), "");
  EXPECT_EQ(got.bytes, out[0].bytes) << describe(c, out[0], got, "");
  Case other = c;
  other.code[diff::prologue().size()] = diff::xo_form(5, 3, 4, 0, 40, 1);  // subf. r5, r3, r4
  ASSERT_EQ(nv2.run(other, got), "");
  EXPECT_NE(got.bytes, out[0].bytes);
  EXPECT_EQ(got.word(DIFF_GPR(5)), static_cast<uint64_t>(2 - 40));
}

TEST(DiffQemu, HarnessComputesAKnownSequence) { known_sequence(false); }
TEST(DiffQemu, HarnessComputesAKnownSequenceBigEndian) { known_sequence(true); }

}  // namespace
}  // namespace nv2::isa
