// Differential test of the block translator (JIT) against the interpreter: the same random
// programs run on three Cpus from identical state and memory -- the interpreter
// (set_jit(false)), the translator with threshold 0 (every block translated on its first
// run) and the translator with threshold 1 or 2 (a block runs interpreted, then
// translated) -- and after every exit the translators must agree with the interpreter on
// the exit kind, Exit::instructions, Cpu::retired(), every field of VcpuState and every
// byte of L1 memory (jitdiff/compare.hpp).
//
// The programs (jitdiff/program.hpp) cover the integer user-level instructions, CTR and
// memory-counted loops (blocks run many times: translated, chained), forward branches and
// side exits, fused compare/branch, calls and returns, computed jumps, both byte orders,
// real mode and MSR[IR/DR]=1 (privileged and problem state), code across a page end and at
// a second effective address, HDEC deadlines that land mid-loop, HDSI, DSI, HEA, Hcall,
// program, alignment, FP-unavailable, decrementer and requested interrupts, page-crossing
// accesses, MSR flips, tlbiel/tlbie/icbi and self-modifying code. After each exit a case
// goes on as an L1 would (up to kMaxRuns runs; between runs the harness may patch the
// code, broadcast a tlbie or request a stop), so the state after an exit is compared too.
// The machine: jitdiff/machine.hpp. The choices: docs/decisions/jitdiff.md.
//
// Bounded run (the ctest): 800 cases per random test, seed 1. Long runs and reproduction:
//   NV2_JITDIFF_CASES=N     number of cases (default 800)
//   NV2_JITDIFF_SEED=S      seed (default 1)
//   NV2_JITDIFF_FIRST=I     first case index (default 0): a failure prints the line that
//                           reruns exactly its case
// e.g. NV2_JITDIFF_CASES=100000 NV2_JITDIFF_SEED=7 build/tests/isa/isa_test_jit_diff
// A failure prints the seed, the case, the engine, the exits and events so far, every
// differing field or memory range, the initial registers and the program words with their
// disassembly.
//
// JitDiffWorkload runs the isa benchmark's C workload (bench/isa/workload.c, the bare image
// workload-nv2.bin of bench/isa/CMakeLists.txt) on both engines and compares the checksum,
// the retired count, the final state and memory, then the same in HDEC slices; it is
// skipped without the ppc64le cross compiler.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "isa/cpu.hpp"
#include "isa/decode.hpp"
#include "isa/interrupts.hpp"
#include "isa/radix.hpp"
#include "jitdiff/compare.hpp"
#include "jitdiff/machine.hpp"
#include "jitdiff/program.hpp"

namespace nv2::isa {
namespace {

using namespace jitdiff;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 0) : fallback;
}

// Each case has its own generator seed, so one case reruns alone (NV2_JITDIFF_FIRST).
uint64_t case_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 1;  // splitmix64
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr unsigned kMaxRuns = 32;

// What the cases did, so the test can show it exercised what it claims to.
struct Stats {
  std::map<ExitKind, uint64_t> exits;
  std::map<uint64_t, uint64_t> vectors;  // interrupts taken inside the L2 (stub exits)
  uint64_t runs = 0;
  uint64_t ended = 0;         // cases that reached their final sc 1
  uint64_t instructions = 0;  // retired by the interpreter
};

std::string exit_text(const Observation& o) {
  std::ostringstream m;
  m << exit_name(o.exit.kind) << " at 0x" << std::hex << o.state.nia << std::dec << " ("
    << o.exit.instructions << " insns)";
  return m.str();
}

// The HDEC deadline of the next run, `now` being the L2 timebase (CaseSetup::l2_tb). The
// distances are in timebase ticks, so with several ticks per instruction they are shorter.
uint64_t next_hdec(std::mt19937_64& rng, uint64_t now) {
  switch (rng() % 4) {
    case 0: return now + 1 + rng() % 64;
    case 1: return now + 1 + rng() % 600;
    case 2: return now + 1 + rng() % 5000;
    default: return now + (uint64_t{1} << 20);
  }
}

// The three engines of a case: the interpreter and the translator at thresholds 0 and N.
struct Engines {
  explicit Engines(const Image& image)
      : interp(image, false, 0), jit0(image, true, 0), jitn(image, true, 1) {}
  Side interp;
  Side jit0;
  Side jitn;
};

// Interrupts an L1 may ask H_GUEST_RUN_VCPU to deliver, at random (mostly none).
InterruptRequests random_requests(std::mt19937_64& rng) {
  const uint64_t r = rng() % 32;
  InterruptRequests q;
  q.external = r < 3;
  q.privileged_doorbell = r == 3 || r == 4;
  q.system_reset = r == 5;
  return q;
}

// Runs case `index` on the interpreter and the two translators in lockstep. Returns the
// failure report, or an empty string when every exit agreed. `reused_since`: the engines
// ran the cases from that index on before this one (their caches and code arena live on).
std::string run_case(const Image& image, Engines& e, uint64_t seed, uint64_t index, Stats& stats,
                     std::optional<uint64_t> reused_since) {
  // The two tests draw different programs from the same seed.
  const CaseSetup c = CaseGen(case_seed(reused_since ? ~seed : seed, index)).make();
  if (c.base + 4 * c.code.size() > layout::kCode + layout::kCodeSize) {
    return "generator: case " + std::to_string(index) + " does not fit the code area";
  }
  const char* const test = reused_since ? "JitDiff.LongLivedEnginesMatchTheInterpreter"
                                        : "JitDiff.RandomProgramsMatchTheInterpreter";
  Side* const sides[] = {&e.interp, &e.jit0, &e.jitn};
  const std::string names[] = {"interpreter", "jit (threshold 0)",
                               "jit (threshold " + std::to_string(c.threshold) + ")"};
  e.jitn.cpu().set_jit_threshold(c.threshold);
  for (Side* s : sides) {
    if (reused_since) s->reset(image);
    c.install(*s);
  }
  const Timebase tb(Timebase::Mode::Deterministic, c.ticks_per_instruction);
  std::mt19937_64 rng(c.hdec_seed);
  const uint64_t first = next_hdec(rng, c.l2_tb(sides[0]->cpu().retired()));
  for (Side* s : sides) s->state().hdec_expiry_tb = first;

  // The final sc 1, in either view of the code (jitdiff/machine.hpp, kCodeAlias).
  const auto at_end = [&](uint64_t ea) { return ea == c.end || ea == c.end - layout::kCode + layout::kCodeAlias; };
  std::vector<std::string> history;
  for (unsigned run = 0; run < kMaxRuns; ++run) {
    // Interrupt requests only while the program runs (not in a stub or the skip handler,
    // where a system reset would overwrite the SRR0/SRR1 the handler is about to use).
    InterruptRequests requests = random_requests(rng);
    const uint64_t nia = sides[0]->state().nia;
    if (nia < layout::kCode || nia >= layout::kCode + layout::kCodeSize) requests = {};
    // Between runs, as an L1/L0 might: rewrite a patch point of the program (the engines
    // re-check their blocks against memory on first use in a run), broadcast a tlbie, ask
    // for a stop before the run starts.
    const uint64_t between = rng() % 16;
    if (between < 4 && !c.patch_points.empty()) {
      const std::size_t at = c.patch_points[rng() % c.patch_points.size()];
      const uint32_t word = (c.code[at] & 0xFFFF0000u) | static_cast<uint32_t>(rng() & 0xFFFF);
      for (Side* sd : sides) sd->put_words(c.base + 4 * at, {word}, c.le);
      history.push_back("patched " + hex(c.base + 4 * at) + " to " + hex(word));
    } else if (between == 4) {
      for (Side* sd : sides) sd->domain().broadcast();
      history.push_back("tlbie broadcast");
    } else if (between == 5) {
      for (Side* sd : sides) sd->cpu().request_stop();
      history.push_back("stop requested");
    }
    // The second translating engine runs some runs with the translator switched off (its
    // translations stay, unused, until it is switched on again).
    const bool jitn_on = rng() % 8 != 0;
    e.jitn.cpu().set_jit(jitn_on);
    if (!jitn_on) history.push_back(names[2] + " switched off for this run");
    Observation o[3];
    for (int k = 0; k < 3; ++k) o[k] = sides[k]->run(tb, requests);
    history.push_back(exit_text(o[0]) + (requests.external ? " ext" : "") +
                      (requests.privileged_doorbell ? " dbell" : "") + (requests.system_reset ? " sreset" : ""));
    for (int k = 1; k < 3; ++k) {
      const std::vector<std::string> lines =
          describe_differences(o[0], o[k], sides[0]->memory(), sides[k]->memory(), layout::kL1Size,
                               layout::describe_l1);
      if (lines.empty()) continue;
      std::ostringstream m;
      m << "seed " << seed << " case " << index << ": " << names[k] << " differs from the interpreter"
        << " after run " << run << "\n  rerun: NV2_JITDIFF_SEED=" << seed << " NV2_JITDIFF_FIRST=" << index
        << " NV2_JITDIFF_CASES=1 isa_test_jit_diff --gtest_filter=" << test;
      if (reused_since) {
        m << " (this test's engines ran cases " << *reused_since << ".." << index
          << ": if the case alone passes, rerun from NV2_JITDIFF_FIRST=" << *reused_since << ")";
      }
      m << "\n  " << mode_name(c.mode) << ", MSR[LE]=" << c.le << ", LPCR[ILE]=" << c.ile
        << ", " << c.ticks_per_instruction << " tick(s)/instruction, TB offset " << hex(c.tb_offset)
        << "\n  interpreter exits (with the interrupts requested):";
      for (const std::string& h : history) m << " [" << h << "]";
      m << "\n  " << names[k] << " exit: [" << exit_text(o[k]) << "]\ndifferences:\n";
      for (const std::string& l : lines) m << "  " << l << "\n";
      m << "initial GPRs:";
      for (unsigned r = 0; r < 32; ++r) m << (r % 4 == 0 ? "\n  " : " ") << "r" << r << "=" << hex(c.gpr[r]);
      m << "\n  cr=" << hex(c.cr) << " xer=" << hex(c.xer) << " lr=" << hex(c.lr) << " ctr=" << hex(c.ctr)
        << "\nprogram (final sc 1 at " << hex(c.end) << "; the same bytes also run at "
        << hex(c.base - layout::kCode + layout::kCodeAlias) << " after a jump to there):\n"
        << listing(c.code, c.base);
      return m.str();
    }
    ++stats.runs;
    ++stats.exits[o[0].exit.kind];
    stats.instructions += o[0].exit.instructions;

    // Go on as an L1 would: past an emulated instruction (HDSI, HEA), through the L2's own
    // handler after a stub's sc 1 (it resumes after the interrupted instruction), straight
    // back to the interrupted instruction after an asynchronous interrupt (system reset,
    // external, doorbell: as the L2's rfid would), with a new HDEC deadline after each exit.
    const VcpuState& s = o[0].state;
    uint64_t skip = 0;
    bool done = false;
    bool resume_interrupted = false;
    switch (o[0].exit.kind) {
      case ExitKind::Hcall:
        if (s.nia > layout::kStubsFirst && s.nia <= layout::kStubsEnd) ++stats.vectors[s.nia - 4];
        done = at_end(s.nia - 4) || (s.nia == 0x704 && at_end(s.srr0)) ||
               s.nia == 0x404 || s.nia == 0x484;  // an ISI would only repeat
        resume_interrupted = s.nia == 0x104 || s.nia == 0x504 || s.nia == 0x904 || s.nia == 0xA04;
        break;
      case ExitKind::Hdec:
      case ExitKind::Stopped:  // a stop request
        break;
      case ExitKind::Hdsi:
      case ExitKind::Hea:
      case ExitKind::HvFacilityUnavailable:
      case ExitKind::Unimplemented: skip = 4; break;
      case ExitKind::Hisi:
      case ExitKind::Deleted: done = true; break;
    }
    if (done) {
      if (o[0].exit.kind == ExitKind::Hcall && (at_end(s.nia - 4) || at_end(s.srr0))) ++stats.ended;
      return {};
    }
    const uint64_t deadline = next_hdec(rng, c.l2_tb(o[0].retired));
    for (Side* sd : sides) {
      VcpuState& t = sd->state();
      t.nia += skip;
      if (resume_interrupted) {
        t.nia = t.srr0;
        t.msr = t.srr1 & ~srr1::kCauseMask;
        if (s.nia == 0x904) t.dec_expiry_tb = ~uint64_t{0};  // as the L2's handler would rearm DEC
      }
      t.hdec_expiry_tb = deadline;
    }
  }
  return {};
}

// The stats line of a random test, and the check that the generator reached what it claims
// to (when the run is at least the default size).
void report_and_check(const Stats& stats, uint64_t cases, unsigned failures) {
  std::printf("  %llu runs, %llu instructions, %llu of %llu cases reached their end\n  exits:",
              static_cast<unsigned long long>(stats.runs), static_cast<unsigned long long>(stats.instructions),
              static_cast<unsigned long long>(stats.ended), static_cast<unsigned long long>(cases));
  for (const auto& [k, n] : stats.exits) std::printf(" %s %llu", exit_name(k), static_cast<unsigned long long>(n));
  std::printf("\n  interrupts inside the L2:");
  for (const auto& [v, n] : stats.vectors) {
    std::printf(" 0x%llx %llu", static_cast<unsigned long long>(v), static_cast<unsigned long long>(n));
  }
  std::printf("\n");
  if (cases < 200 || failures != 0) return;
  const auto count = [](const auto& m, auto k) {
    const auto it = m.find(k);
    return it == m.end() ? uint64_t{0} : it->second;
  };
  EXPECT_GT(count(stats.exits, ExitKind::Hdec), 0u);
  EXPECT_GT(count(stats.exits, ExitKind::Hdsi), 0u);
  EXPECT_GT(count(stats.exits, ExitKind::Hea), 0u);
  EXPECT_GT(count(stats.exits, ExitKind::Stopped), 0u);
  for (const uint64_t v : {0x100u, 0x300u, 0x500u, 0x600u, 0x700u, 0x800u, 0x900u, 0xA00u, 0xC00u}) {
    EXPECT_GT(count(stats.vectors, v), 0u) << "no interrupt at " << hex(v);
  }
  EXPECT_GT(stats.ended, cases / 2);
}

// The cases a random test runs: the bounded default, or what the environment asks for.
struct CaseRange {
  uint64_t cases = env_or("NV2_JITDIFF_CASES", 800);
  uint64_t seed = env_or("NV2_JITDIFF_SEED", 1);
  uint64_t first = env_or("NV2_JITDIFF_FIRST", 0);

  void print(const char* engines) const {
    std::printf("jit differential test: cases %llu..%llu, seed %llu, %s\n",
                static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(first + cases - 1),
                static_cast<unsigned long long>(seed), engines);
  }
};

// Fresh engines for every case: a failure reruns alone.
TEST(JitDiff, RandomProgramsMatchTheInterpreter) {
  const CaseRange r;
  r.print("fresh engines per case");
  const uint64_t cases = r.cases, seed = r.seed, first = r.first;
  const Image image;
  Stats stats;
  unsigned failures = 0;
  for (uint64_t i = first; i < first + cases && failures < 3; ++i) {
    Engines e(image);
    const std::string report = run_case(image, e, seed, i, stats, std::nullopt);
    if (!report.empty()) {
      ++failures;
      ADD_FAILURE() << report;
    }
  }
  report_and_check(stats, cases, failures);
}

// The same with one set of engines for all cases: the software TLB, the host-page caches
// and the translator's code arena live across cases, so the arena fills and is flushed
// (Jit::flush) while programs keep running.
TEST(JitDiff, LongLivedEnginesMatchTheInterpreter) {
  const CaseRange r;
  r.print("engines reused across cases");
  const uint64_t cases = r.cases, seed = r.seed, first = r.first;
  const Image image;
  Engines e(image);
  Stats stats;
  unsigned failures = 0;
  for (uint64_t i = first; i < first + cases && failures < 1; ++i) {
    const std::string report = run_case(image, e, seed, i, stats, first);
    if (!report.empty()) {
      ++failures;
      ADD_FAILURE() << report;
    }
  }
  report_and_check(stats, cases, failures);
}

// The comparison itself: a difference in any one register, in the exit or in one byte of
// memory is reported under its name, so the random test cannot pass vacuously.
TEST(JitDiff, ComparisonNamesEveryDifference) {
  const Image image;
  Side a(image, false, 0);
  Side b(image, false, 0);
  // li r3,5 ; stw r3,0(r31) ; sc 1
  const CaseSetup c = [] {
    CaseSetup s;
    s.code = {words::addi(3, 0, 5), diff::d_form(36, 3, 31, 0), words::kSc1};
    s.end = layout::kCode + 8;
    s.gpr[31] = layout::kScratch;
    return s;
  }();
  c.install(a);
  c.install(b);
  const Timebase tb(Timebase::Mode::Deterministic, 1);
  Observation oa = a.run(tb);
  Observation ob = b.run(tb);
  EXPECT_EQ(oa.exit.kind, ExitKind::Hcall);
  EXPECT_EQ(oa.state.gpr[3], 5u);
  EXPECT_TRUE(describe_differences(oa, ob, a.memory(), b.memory(), layout::kL1Size, layout::describe_l1).empty());

  // A change to any byte of any member of VcpuState is reported under that member's name:
  // flipping each byte in turn names every field the list knows, and never falls through to
  // the "<field missing ...>" backstop (a member added to state.hpp but not to the list).
  std::set<std::string> all;
  for_each_field(oa.state, ob.state, [&](const std::string& name, uint64_t, uint64_t) { all.insert(name); });
  std::set<std::string> seen;
  for (std::size_t i = 0; i < sizeof(VcpuState); ++i) {
    VcpuState changed = oa.state;
    reinterpret_cast<uint8_t*>(&changed)[i] ^= 0x01;
    const std::vector<FieldDiff> d = diff_state(oa.state, changed);
    if (d.empty()) continue;  // padding
    ASSERT_EQ(d.size(), 1u) << "byte " << i;
    EXPECT_NE(d[0].name.find('<'), 0u) << "byte " << i << " of VcpuState is not in jitdiff/compare.hpp";
    seen.insert(d[0].name);
  }
  EXPECT_EQ(seen, all);
  EXPECT_GT(all.size(), 200u);

  // Exit kind, instruction counts and memory.
  Observation other = ob;
  other.exit.kind = ExitKind::Hdec;
  other.exit.instructions += 1;
  other.retired += 1;
  const auto lines = describe_differences(oa, other, a.memory(), b.memory(), layout::kL1Size, layout::describe_l1);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("exit kind"), std::string::npos);
  EXPECT_NE(lines[1].find("Exit::instructions"), std::string::npos);
  EXPECT_NE(lines[2].find("retired"), std::string::npos);
  b.put_bytes(layout::kScratch + 0x101, reinterpret_cast<const uint8_t*>("\x7f"), 1);
  const auto mem = describe_differences(oa, ob, a.memory(), b.memory(), layout::kL1Size, layout::describe_l1);
  ASSERT_EQ(mem.size(), 1u);
  EXPECT_NE(mem[0].find("L2 real " + hex(layout::kScratch + 0x101)), std::string::npos) << mem[0];
}

// ---- the C workload of the isa benchmark ------------------------------------------------

namespace fs = std::filesystem;

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// The bare ppc64le image of bench/isa/workload.c: the build tree's (target isa_bench_images),
// or, when that was not built (the sanitizer builds have no benchmarks), one built here into
// a temporary directory with the same compiler, flags and link script. Empty, with the
// reason in `why`, without the cross compiler.
std::vector<char> workload_image(std::string& why) {
  const auto read = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::vector<char>{std::istreambuf_iterator<char>(f), {}};
  };
  const fs::path built = fs::path(NV2_BINARY_DIR) / "bench/isa/workload-nv2.bin";
  if (fs::exists(built)) {
    std::vector<char> image = read(built);
    if (image.empty()) why = built.string() + " is empty";
    return image;
  }
  if (!have("powerpc64le-linux-gnu-gcc") || !have("powerpc64le-linux-gnu-objcopy")) {
    why = "needs powerpc64le-linux-gnu-gcc (scripts/setup.sh installs gcc-powerpc64le-linux-gnu) "
          "or a build tree with bench/isa/workload-nv2.bin";
    return {};
  }
  const fs::path src = fs::path(NV2_SOURCE_DIR) / "bench/isa";
  const fs::path dir = fs::temp_directory_path() / ("nv2-jitdiff-workload-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string elf = (dir / "workload-nv2.elf").string();
  const std::string bin = (dir / "workload-nv2.bin").string();
  const std::string cmd =
      "powerpc64le-linux-gnu-gcc -O2 -mcpu=power9 -mno-vsx -mno-altivec -msoft-float -ffreestanding "
      "-fno-builtin -fno-tree-loop-distribute-patterns -fno-stack-protector -static -nostdlib "
      "-Wl,--build-id=none -T '" + (src / "nv2.ld").string() + "' -o '" + elf + "' '" +
      (src / "start_nv2.S").string() + "' '" + (src / "workload.c").string() +
      "' && powerpc64le-linux-gnu-objcopy -O binary '" + elf + "' '" + bin + "'";
  std::vector<char> image;
  if (std::system(cmd.c_str()) == 0) {
    image = read(bin);
  } else {
    why = "building the workload image failed: " + cmd;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return image;
}

// The benchmark's machine (bench_isa_workload.cpp), smaller: L2 real [0, 16 MiB) mapped by
// 2 MiB partition-scoped pages at L1 real 4 MiB; the image at L2 real 0x100000, working
// memory at 0x400000, the stack below 0xF00000. Relocated: PID 1 maps EA = L2 real with 4 KiB
// process-scoped pages (tables at L2 real 12 MiB), so every access goes through both trees.
class WorkloadSide {
 public:
  static constexpr uint64_t kL2Base = 4ull << 20;
  static constexpr uint64_t kL2Size = 16ull << 20;
  static constexpr uint64_t kL1Size = kL2Base + kL2Size;
  static constexpr uint64_t kImage = 0x100000;
  static constexpr uint64_t kMem = 0x400000;
  static constexpr uint64_t kStack = 0xF00000;
  static constexpr uint64_t kProcessTables = 12ull << 20;
  static constexpr uint64_t kProcessTable = 14ull << 20;

  WorkloadSide(const std::vector<char>& image, bool relocated, bool jit)
      : mem_(kL1Size), part_alloc_(0, kL2Base), proc_alloc_(kProcessTables, kProcessTable) {
    constexpr uint64_t kFlags = testing::kRwx | radix::kReference | radix::kChange;
    testing::RadixTree partition(mem_, std::ref(part_alloc_), [](uint64_t a) { return a; });
    for (uint64_t a = 0; a < kL2Size; a += 2ull << 20) partition.map(a, kL2Base + a, testing::kShift2M, kFlags);
    config_.partition_table_defined = true;
    config_.pt_root = partition.root();
    config_.pt_ea_bits = testing::RadixTree::kTreeBits;
    config_.pt_root_size = uint64_t{8} << testing::RadixTree::kRootNls;
    if (relocated) {
      testing::RadixTree process(mem_, std::ref(proc_alloc_), [](uint64_t a) { return kL2Base + a; });
      for (uint64_t a = 0; a < kL2Size; a += 4096) process.map(a, a, testing::kShift4K, kFlags);
      mem_.store_be64(kL2Base + kProcessTable + 16,
                      radix::make_table_entry(process.root(), testing::RadixTree::kTreeBits,
                                              testing::RadixTree::kRootNls));
      config_.process_table = kProcessTable;
      config_.process_table_size = 16 * 16;
    }
    std::memcpy(mem_.real().base() + kL2Base + kImage, image.data(), image.size());
    cpu_.set_jit(jit);
    cpu_.set_jit_threshold(jit ? 0 : 16);
    VcpuState& s = cpu_.state();
    s.msr = msr::kSF | msr::kLE | (relocated ? msr::kIR | msr::kDR : 0);
    s.pidr = relocated ? 1 : 0;
    s.nia = kImage;
    s.gpr[1] = kStack - 256;
    s.fscr = s.hfscr = ~uint64_t{0} & ~fscr::kCauseMask;
  }

  Observation run(uint64_t scale, uint64_t hdec) {
    cpu_.state().gpr[3] = kMem;
    cpu_.state().gpr[4] = scale;
    return resume(hdec);
  }
  Observation resume(uint64_t hdec) {
    cpu_.state().hdec_expiry_tb = hdec;
    Observation o;
    o.exit = cpu_.run(RunEnv{mem_.real(), &config_, &tb_});
    o.retired = cpu_.retired();
    o.state = cpu_.state();
    return o;
  }
  const uint8_t* memory() const { return mem_.real().base(); }

 private:
  testing::TestMemory mem_;
  testing::Bump part_alloc_;
  testing::Bump proc_alloc_;
  PartitionConfig config_;
  Timebase tb_{Timebase::Mode::Deterministic, 1};
  Cpu cpu_;
};

std::string describe_workload_l1(uint64_t l1) {
  if (l1 < WorkloadSide::kL2Base) return "partition-scoped tables";
  return "L2 real " + hex(l1 - WorkloadSide::kL2Base);
}

// The checksum qemu-ppc64le computes (the Linux-user build of the benchmark), or 0 when
// qemu or that build is absent: an independent check of the value both engines agree on.
uint64_t qemu_checksum(uint64_t scale) {
  const fs::path elf = fs::path(NV2_BINARY_DIR) / "bench/isa/workload-qemu";
  if (!fs::exists(elf) || !have("qemu-ppc64le")) return 0;
  const std::string out = (fs::temp_directory_path() / ("nv2-jitdiff-qemu-" + std::to_string(::getpid()))).string();
  const std::string cmd = "qemu-ppc64le -cpu power9 '" + elf.string() + "' " + std::to_string(scale) + " > '" + out + "'";
  uint64_t h = 0;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream f(out);
    std::string text;
    f >> text;
    h = text.empty() ? 0 : std::strtoull(text.c_str(), nullptr, 16);
  }
  std::remove(out.c_str());
  return h;
}

class JitDiffWorkload : public ::testing::TestWithParam<bool> {};

// One uninterrupted run per engine, then the same workload in HDEC slices (an exit every few
// thousand instructions, compared at every exit).
TEST_P(JitDiffWorkload, SameChecksumRetiredCountStateAndMemory) {
  const bool relocated = GetParam();
  std::string why;
  const std::vector<char> image = workload_image(why);
  if (image.empty()) GTEST_SKIP() << why;
  ASSERT_LT(image.size(), WorkloadSide::kMem - WorkloadSide::kImage);
  constexpr uint64_t kScale = 1;

  WorkloadSide interp(image, relocated, false);
  WorkloadSide jit(image, relocated, true);
  const Observation want = interp.run(kScale, ~uint64_t{0});
  const Observation got = jit.run(kScale, ~uint64_t{0});
  ASSERT_EQ(want.exit.kind, ExitKind::Hcall) << "the interpreter did not reach the final sc 1: "
                                             << exit_name(want.exit.kind) << " at " << hex(want.state.nia);
  EXPECT_GT(want.exit.instructions, 1'000'000u);
  EXPECT_EQ(got.state.gpr[3], want.state.gpr[3]) << "checksum";
  for (const std::string& l : describe_differences(want, got, interp.memory(), jit.memory(),
                                                   WorkloadSide::kL1Size, describe_workload_l1)) {
    ADD_FAILURE() << "uninterrupted run: " << l;
  }
  if (const uint64_t q = qemu_checksum(kScale); q != 0) {
    EXPECT_EQ(want.state.gpr[3], q) << "qemu's checksum";
  }

  // In slices: both engines get the same deadlines; every exit is compared.
  WorkloadSide a(image, relocated, false);
  WorkloadSide b(image, relocated, true);
  std::mt19937_64 rng(relocated ? 2 : 1);
  uint64_t deadline = 1 + rng() % 20000;
  Observation oa = a.run(kScale, deadline);
  Observation ob = b.run(kScale, deadline);
  unsigned slices = 1;
  for (;;) {
    const auto lines = describe_differences(oa, ob, a.memory(), b.memory(), WorkloadSide::kL1Size,
                                            describe_workload_l1);
    if (!lines.empty()) {
      std::ostringstream m;
      m << "slice " << slices << " (HDEC deadline " << deadline << ", interpreter "
        << exit_name(oa.exit.kind) << " at " << hex(oa.state.nia) << "):";
      for (const std::string& l : lines) m << "\n  " << l;
      FAIL() << m.str();
    }
    if (oa.exit.kind != ExitKind::Hdec) break;
    deadline = oa.retired + 1 + rng() % 20000;
    oa = a.resume(deadline);
    ob = b.resume(deadline);
    ++slices;
  }
  EXPECT_EQ(oa.exit.kind, ExitKind::Hcall);
  EXPECT_EQ(oa.state.gpr[3], want.state.gpr[3]) << "the sliced run's checksum";
  EXPECT_EQ(oa.retired, want.retired);
  EXPECT_GT(slices, 100u);
}

INSTANTIATE_TEST_SUITE_P(Modes, JitDiffWorkload, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) { return i.param ? "Relocated" : "RealMode"; });

}  // namespace
}  // namespace nv2::isa
