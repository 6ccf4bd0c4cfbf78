// Annotated assembly tests (issue 3 item 8; style-examples.md §14).
//
// Every tests/isa/asm/*.s is assembled at build time twice, little- and big-endian
// (powerpc64le-linux-gnu-as -mlittle / -mbig), and each `test_*` label in it is one test,
// run under the interpreter in each byte order. Annotations (comment lines) between a label
// and the next one describe the test:
//   # REGISTER_IN  <reg> <value>        initial register (r0-r31, cr, xer, lr, ctr, msr, ...)
//   # REGISTER_OUT <reg> <value>        expected register after the run
//   # REGISTER_OUT_LE / REGISTER_OUT_BE expectation for one byte order only
//   # MEMORY_IN  <addr> <bytes...>      bytes (hex) stored at an L2 real address, in address order
//   # MEMORY_OUT <addr> <bytes...>      expected bytes after the run
//   # MEMORY_OUT_LE / MEMORY_OUT_BE     ... for one byte order only
//   # EXIT <kind>                       expected exit: hcall (default) hea hdsi hisi hdec
//                                       unimplemented hvfac stopped
//   # ENDIAN le|be                      run in one byte order only
// The test starts at its label with LR = kReturnPad, a `sc 1` that ends the run as an
// hcall exit (NIA = kReturnPad + 4 unless the test says otherwise). Every interrupt vector
// holds the same `sc 1`, so a test that raises an interrupt ends there (NIA = vector + 4).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "isa/cpu.hpp"
#include "isa/interrupts.hpp"
#include "isa/testing.hpp"

namespace nv2::isa {
namespace {

constexpr uint64_t kCodeBase = 0x10000;
constexpr uint64_t kReturnPad = 0x1000;
constexpr uint32_t kScOne = 0x44000022;  // sc 1
constexpr uint64_t kHdecBudget = 1'000'000;  // runaway tests end as HDEC

struct RegValue {
  std::string reg;
  uint64_t value;
  std::string label;  // "@name": the code address of label `name` (value is added)
};
struct MemValue {
  uint64_t addr;
  std::vector<uint8_t> bytes;
};
struct AsmTest {
  std::map<std::string, uint64_t> syms;
  std::string file;
  std::string name;
  uint64_t offset = 0;
  bool le = true;
  std::vector<RegValue> in, out;
  std::vector<MemValue> mem_in, mem_out;
  std::string exit = "hcall";
  std::string endian;  // "", "le" or "be"
};

std::string asm_dir() { return NV2_ISA_ASM_DIR; }
std::string asm_src() { return NV2_ISA_ASM_SRC; }

std::vector<std::string> list_sources() {
  std::vector<std::string> files;
  std::ifstream list(asm_dir() + "/sources.txt");
  for (std::string line; std::getline(list, line);)
    if (!line.empty()) files.push_back(line);
  return files;
}

std::map<std::string, uint64_t> read_symbols(const std::string& path) {
  std::map<std::string, uint64_t> syms;
  std::ifstream in(path);
  std::string addr, type, name;
  while (in >> addr >> type >> name) syms[name] = std::stoull(addr, nullptr, 16);
  return syms;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

MemValue parse_mem(std::istringstream& ls) {
  MemValue m;
  std::string a;
  ls >> a;
  m.addr = std::stoull(a, nullptr, 0);
  for (std::string b; ls >> b;) m.bytes.push_back(static_cast<uint8_t>(std::stoul(b, nullptr, 16)));
  return m;
}

// Parse one .s file into its tests, for byte order `le`.
std::vector<AsmTest> parse(const std::string& stem, bool le) {
  std::vector<AsmTest> tests;
  const auto syms = read_symbols(asm_dir() + "/" + stem + (le ? ".le" : ".be") + ".sym");
  std::ifstream in(asm_src() + "/" + stem + ".s");
  AsmTest* cur = nullptr;
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line.rfind("test_", 0) == 0 && line.find(':') != std::string::npos) {
      AsmTest t;
      t.file = stem;
      t.name = line.substr(0, line.find(':'));
      t.le = le;
      t.syms = syms;
      auto it = syms.find(t.name);
      t.offset = it != syms.end() ? it->second : ~uint64_t{0};
      tests.push_back(t);
      cur = &tests.back();
      continue;
    }
    if (cur == nullptr || line[0] != '#') continue;
    std::istringstream ls(line.substr(1));
    std::string key;
    ls >> key;
    const std::string mine = le ? "_LE" : "_BE", other = le ? "_BE" : "_LE";
    if (key.size() > 3 && key.substr(key.size() - 3) == other) continue;
    if (key.size() > 3 && key.substr(key.size() - 3) == mine) key = key.substr(0, key.size() - 3);
    if (key == "REGISTER_IN" || key == "REGISTER_OUT") {
      RegValue r;
      std::string v;
      ls >> r.reg >> v;
      if (!v.empty() && v[0] == '@') {
        const auto plus = v.find('+');
        r.label = v.substr(1, plus == std::string::npos ? std::string::npos : plus - 1);
        r.value = plus == std::string::npos ? 0 : std::stoull(v.substr(plus + 1), nullptr, 0);
      } else {
        r.value = std::stoull(v, nullptr, 0);
      }
      (key == "REGISTER_IN" ? cur->in : cur->out).push_back(r);
    } else if (key == "MEMORY_IN") {
      cur->mem_in.push_back(parse_mem(ls));
    } else if (key == "MEMORY_OUT") {
      cur->mem_out.push_back(parse_mem(ls));
    } else if (key == "EXIT") {
      ls >> cur->exit;
    } else if (key == "ENDIAN") {
      ls >> cur->endian;
    }
  }
  std::vector<AsmTest> kept;
  for (auto& t : tests)
    if (t.endian.empty() || t.endian == (le ? "le" : "be")) kept.push_back(t);
  return kept;
}

// Register names of the annotations, mapped onto VcpuState.
uint64_t* reg_u64(VcpuState& s, const std::string& n) {
  if (n.size() >= 2 && n[0] == 'r' && std::isdigit(static_cast<unsigned char>(n[1])))
    return &s.gpr[std::stoul(n.substr(1))];
  static const std::map<std::string, uint64_t VcpuState::*> regs = {
      {"xer", &VcpuState::xer},   {"lr", &VcpuState::lr},       {"ctr", &VcpuState::ctr},
      {"msr", &VcpuState::msr},   {"nia", &VcpuState::nia},     {"srr0", &VcpuState::srr0},
      {"srr1", &VcpuState::srr1}, {"dar", &VcpuState::dar},     {"cfar", &VcpuState::cfar},
      {"tar", &VcpuState::tar},   {"fscr", &VcpuState::fscr},   {"hfscr", &VcpuState::hfscr},
      {"lpcr", &VcpuState::lpcr}, {"dpdes", &VcpuState::dpdes}, {"heir", &VcpuState::heir},
      {"hdar", &VcpuState::hdar}, {"asdr", &VcpuState::asdr},   {"amr", &VcpuState::amr},
      {"dec_expiry", &VcpuState::dec_expiry_tb}, {"hdec_expiry", &VcpuState::hdec_expiry_tb},
      {"ebbrr", &VcpuState::ebbrr}, {"bescr", &VcpuState::bescr}};
  auto it = regs.find(n);
  return it == regs.end() ? nullptr : &(s.*(it->second));
}
bool set_reg(VcpuState& s, const std::string& n, uint64_t v) {
  if (uint64_t* p = reg_u64(s, n)) { *p = v; return true; }
  if (n == "cr") { s.cr = static_cast<uint32_t>(v); return true; }
  if (n == "dsisr") { s.dsisr = static_cast<uint32_t>(v); return true; }
  if (n == "pidr") { s.pidr = static_cast<uint32_t>(v); return true; }
  if (n == "hdsisr") { s.hdsisr = static_cast<uint32_t>(v); return true; }
  return false;
}
std::optional<uint64_t> get_reg(VcpuState& s, const std::string& n) {
  if (uint64_t* p = reg_u64(s, n)) return *p;
  if (n == "cr") return s.cr;
  if (n == "dsisr") return s.dsisr;
  if (n == "pidr") return s.pidr;
  if (n == "hdsisr") return s.hdsisr;
  return std::nullopt;
}

ExitKind exit_of(const std::string& n) {
  if (n == "hea") return ExitKind::Hea;
  if (n == "hdsi") return ExitKind::Hdsi;
  if (n == "hisi") return ExitKind::Hisi;
  if (n == "hdec") return ExitKind::Hdec;
  if (n == "unimplemented") return ExitKind::Unimplemented;
  if (n == "hvfac") return ExitKind::HvFacilityUnavailable;
  if (n == "stopped") return ExitKind::Stopped;
  return ExitKind::Hcall;
}

std::vector<AsmTest> all_tests() {
  std::vector<AsmTest> all;
  for (const std::string& stem : list_sources())
    for (bool le : {true, false})
      for (auto& t : parse(stem, le)) all.push_back(t);
  return all;
}

// Parameters print as their name (gtest would dump the bytes otherwise).
void PrintTo(const AsmTest& t, std::ostream* os) { *os << t.file << ":" << t.name << (t.le ? " LE" : " BE"); }

class Asm : public ::testing::TestWithParam<AsmTest> {};

// `translated`: every block through the JIT (threshold 0), else the interpreter only.
void run_program(const AsmTest& t, bool translated) {
  ASSERT_NE(t.offset, ~uint64_t{0}) << "label " << t.name << " not in the symbol table";
  testing::TestMachine m;
  m.cpu().set_jit(translated);
  m.cpu().set_jit_threshold(0);
  const auto code = read_file(asm_dir() + "/" + t.file + (t.le ? ".le" : ".be") + ".bin");
  ASSERT_FALSE(code.empty());
  m.load(kCodeBase, code);
  const uint32_t pad[] = {kScOne};
  m.put_words(kReturnPad, pad, t.le);
  for (uint64_t v : {0x100u, 0x300u, 0x380u, 0x400u, 0x480u, 0x500u, 0x600u, 0x700u, 0x800u, 0x900u,
                     0xA00u, 0xC00u, 0xD00u, 0xF00u, 0xF20u, 0xF40u, 0xF60u,
                     0x17000u, 0x17020u})  // + system call vectored, LEV 0 and 1
    m.put_words(v, pad, t.le);
  for (const MemValue& mv : t.mem_in) m.load(mv.addr, mv.bytes);

  VcpuState& s = m.state();
  s.msr = msr::kSF | msr::kME | msr::kRI | (t.le ? msr::kLE : 0);
  s.lpcr = t.le ? lpcr::kILE : 0;
  s.hfscr = ~fscr::kCauseMask;  // every facility enabled for the L2 unless a test says not
  s.lr = kReturnPad;
  s.nia = kCodeBase + t.offset;
  s.hdec_expiry_tb = kHdecBudget;
  s.dec_expiry_tb = ~uint64_t{0};
  auto value_of = [&t](const RegValue& r) {
    if (r.label.empty()) return r.value;
    auto it = t.syms.find(r.label);
    EXPECT_NE(it, t.syms.end()) << "label " << r.label;
    return it == t.syms.end() ? r.value : kCodeBase + it->second + r.value;
  };
  for (const RegValue& r : t.in) ASSERT_TRUE(set_reg(s, r.reg, value_of(r))) << "unknown register " << r.reg;

  const Exit e = m.run();
  const std::string where = t.file + ":" + t.name + (t.le ? " (LE)" : " (BE)") + (translated ? " jit" : "");
  EXPECT_EQ(static_cast<uint32_t>(e.kind), static_cast<uint32_t>(exit_of(t.exit)))
      << where << ": exit kind, NIA 0x" << std::hex << s.nia;
  bool nia_checked = false;
  for (const RegValue& r : t.out) {
    const auto v = get_reg(s, r.reg);
    ASSERT_TRUE(v.has_value()) << "unknown register " << r.reg;
    const uint64_t want = value_of(r);
    EXPECT_EQ(*v, want) << where << ": " << r.reg << " = 0x" << std::hex << *v << ", expected 0x" << want;
    nia_checked = nia_checked || r.reg == "nia";
  }
  if (!nia_checked && t.exit == "hcall") {
    EXPECT_EQ(s.nia, kReturnPad + 4) << where << ": did not return through LR (NIA 0x" << std::hex << s.nia << ")";
  }
  for (const MemValue& mv : t.mem_out)
    for (std::size_t i = 0; i < mv.bytes.size(); ++i)
      EXPECT_EQ(m.memory()[mv.addr + i], mv.bytes[i])
          << where << ": memory 0x" << std::hex << mv.addr + i;
}

TEST_P(Asm, Runs) { run_program(GetParam(), false); }
TEST_P(Asm, RunsTranslated) { run_program(GetParam(), true); }

std::string name_of(const ::testing::TestParamInfo<AsmTest>& info) {
  return info.param.file + "_" + info.param.name + (info.param.le ? "_le" : "_be");
}

INSTANTIATE_TEST_SUITE_P(Programs, Asm, ::testing::ValuesIn(all_tests()), name_of);

TEST(AsmSuite, FindsTheProgramsAndTheirTests) {
  const auto files = list_sources();
  EXPECT_GE(files.size(), 5u);
  EXPECT_GE(all_tests().size(), 100u);
}

}  // namespace
}  // namespace nv2::isa
