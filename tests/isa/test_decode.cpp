// The instruction table, the decoder and the disassembler (issue 3 items 1, 8):
// golden word -> text files, an -invalid file of words that must be rejected, the
// compile-time duplicate check, a cross-check of every entry against binutils' objdump
// (-M raw: no extended mnemonics), and the privilege flag against execution.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "isa/decode.hpp"
#include "isa/decode_table.hpp"
#include "isa/handlers.hpp"
#include "isa/insn_table.hpp"
#include "isa/interrupts.hpp"
#include "isa/testing.hpp"

namespace nv2::isa {
namespace {

std::string golden(const std::string& name) { return std::string(NV2_SOURCE_DIR) + "/tests/isa/golden/" + name; }

// --- the duplicate-encoding check is a compile-time property ------------------------------
constexpr InsnDesc kDuplicate[] = {
    {"add", Form::XO, pat::xo31(266), {Op::RT, Op::RA, Op::RB}, &op_add, flag::kOe | flag::kRc},
    {"also-add", Form::X, pat::x31(266), {Op::RT, Op::RA, Op::RB}, &op_add},
};
static_assert(!build_decode_tables(kDuplicate).ok, "a duplicate encoding must be rejected");
static_assert(build_decode_tables(kDuplicate).conflict_a == 0 && build_decode_tables(kDuplicate).conflict_b == 1);
constexpr InsnDesc kDistinguishable[] = {
    {"mfcr", Form::XFX, pat::xfx11(19, 0), {Op::RT}, &op_mfcr},
    {"mfocrf", Form::XFX, pat::xfx11(19, 1), {Op::RT, Op::FXM}, &op_mfocrf},
};
static_assert(build_decode_tables(kDistinguishable).ok, "entries told apart by a bit outside the index");
static_assert(build_decode_tables(kInsnTable).ok, "the real table has no duplicate");

TEST(Decode, GoldenDisassembly) {
  std::ifstream in(golden("decode.txt"));
  ASSERT_TRUE(in) << golden("decode.txt");
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.find(' ');
    const auto word = static_cast<uint32_t>(std::stoul(line.substr(0, sp), nullptr, 16));
    const std::string want = line.substr(sp + 1);
    EXPECT_EQ(disassemble(word), want) << "word " << line.substr(0, sp);
    ++n;
  }
  EXPECT_GE(n, 150);
}

TEST(Decode, InvalidWordsAreRejected) {
  std::ifstream in(golden("decode-invalid.txt"));
  ASSERT_TRUE(in);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto word = static_cast<uint32_t>(std::stoul(line.substr(0, line.find(' ')), nullptr, 16));
    EXPECT_EQ(decode(word), nullptr) << line << " decoded as " << disassemble(word);
    EXPECT_EQ(predecode(word).fn, &op_illegal) << line;
    char buf[32];
    std::snprintf(buf, sizeof buf, ".long 0x%08x", word);
    EXPECT_EQ(disassemble(word), buf);
    ++n;
  }
  EXPECT_GE(n, 20);
}

// Every entry's own pattern (with operand bits chosen to be a valid form) decodes to it.
uint32_t operand_bits(const InsnDesc& e);

// A word of entry `e` with `operands` in its operand fields (reserved fields zero). Keeps
// the invalid forms away: RT (or RS) = 4 and RA = 1 where the entry has those operands.
uint32_t example_word(const InsnDesc& e, uint32_t operands) {
  const uint32_t used = operand_bits(e) & ~e.pat.mask;
  uint32_t w = e.pat.match | (operands & used);
  if ((used & mask_of(6, 10)) == mask_of(6, 10)) w = (w & ~mask_of(6, 10)) | place(6, 10, 4);
  if ((used & mask_of(11, 15)) == mask_of(11, 15)) w = (w & ~mask_of(11, 15)) | place(11, 15, 1);
  return w;
}

TEST(Decode, EveryEntryDecodesItsOwnPattern) {
  for (std::size_t i = 0; i < insn_count(); ++i) {
    const InsnDesc& e = insn(i);
    const uint32_t w = example_word(e, 0x00A5A5A4u);
    const InsnDesc* got = decode(w);
    ASSERT_NE(got, nullptr) << e.mnemonic << " 0x" << std::hex << w;
    if ((e.flags & flag::kFallback) == 0) {
      EXPECT_EQ(got, &e) << e.mnemonic << " decodes as " << got->mnemonic;
    }
    const Decoded d = predecode(w);
    EXPECT_EQ(d.fn, got->fn) << e.mnemonic;
  }
}

TEST(Decode, RecordAndOverflowFormsShareOneEntry) {
  EXPECT_EQ(disassemble(0x7C632214), "add r3,r3,r4");
  EXPECT_EQ(disassemble(0x7C632215), "add. r3,r3,r4");
  EXPECT_EQ(disassemble(0x7C632614), "addo r3,r3,r4");
  EXPECT_EQ(disassemble(0x7C632615), "addo. r3,r3,r4");
  EXPECT_EQ(decode(0x7C632214), decode(0x7C632615));
}

// Reserved ("/") fields are not matched: POWER9 executes such words as the instruction
// (docs/decisions/isa-core.md). mulhw has no OE; bit 21 set still decodes as mulhw, and
// lwzx with bit 31 set as lwzx.
TEST(Decode, ReservedFieldsAreIgnored) {
  EXPECT_EQ(disassemble(0x7C632096), "mulhw r3,r3,r4");
  EXPECT_EQ(disassemble(0x7C632496), "mulhw r3,r3,r4");
  EXPECT_EQ(decode(0x7C64282E), decode(0x7C64282F));
  EXPECT_EQ(disassemble(0x7C64282F), "lwzx r3,r4,r5");
}

TEST(Decode, PredecodeExtractsImmediates) {
  EXPECT_EQ(predecode(0x3861FFF0).imm, -16);              // addi r3,r1,-16
  EXPECT_EQ(predecode(0xF821FFE1).imm, -32);              // stdu r1,-32(r1): DS
  EXPECT_EQ(predecode(0x4BFFFFF0).imm, -16);              // b -16
  EXPECT_EQ(predecode(0x7C0802A6).imm, 8);                // mfspr r0,LR: split SPR field
  EXPECT_EQ(predecode(0x786307E0).imm, 0x1);              // rldicl r3,r3,0,63: mask
  const Decoded rlw = predecode(0x5463043E);              // rlwinm r3,r3,0,16,31
  EXPECT_EQ(static_cast<uint64_t>(rlw.imm), 0xFFFFull);
}

// The bits an entry's operands (and its Rc/OE/AA/LK flags) occupy: everything else in the
// word is opcode or a reserved field, which binutils refuses when non-zero.
uint32_t operand_bits(const InsnDesc& e) {
  uint32_t m = 0;
  for (Op op : e.ops) {
    switch (op) {
      case Op::RT: case Op::RS: case Op::BO: case Op::TO: case Op::BT: m |= mask_of(6, 10); break;
      case Op::BF: m |= mask_of(6, 8); break;
      case Op::L10: m |= mask_of(10, 10); break;
      case Op::RA: case Op::RA0: case Op::BA: case Op::BI: m |= mask_of(11, 15); break;
      case Op::BFA: m |= mask_of(11, 13); break;
      case Op::RB: case Op::BB: case Op::SH: case Op::NB: m |= mask_of(16, 20); break;
      case Op::RC: case Op::MB: case Op::BCrc: m |= mask_of(21, 25); break;
      case Op::ME: m |= mask_of(26, 30); break;
      case Op::SI: case Op::UI: m |= mask_of(16, 31); break;
      case Op::D: m |= mask_of(11, 31); break;
      case Op::DS: m |= mask_of(11, 29); break;
      case Op::BD: m |= mask_of(16, 29); break;
      case Op::DQ: m |= mask_of(11, 27); break;
      case Op::LI: m |= mask_of(6, 29); break;
      case Op::BH: m |= mask_of(19, 20); break;
      case Op::SH6: m |= mask_of(16, 20) | mask_of(30, 30); break;
      case Op::MB6: m |= mask_of(21, 26); break;
      case Op::SPR: case Op::TBR: m |= mask_of(11, 20); break;
      case Op::FXM: m |= mask_of(12, 19); break;
      case Op::LEV: m |= mask_of(20, 26); break;
      case Op::CY: m |= mask_of(21, 22); break;
      case Op::WC: case Op::L9_10: m |= mask_of(9, 10); break;
      case Op::L15: case Op::Rbit: m |= mask_of(15, 15); break;
      case Op::L14_15: m |= mask_of(14, 15); break;
      case Op::IH: m |= mask_of(8, 10); break;
      case Op::RIC: m |= mask_of(12, 13); break;
      case Op::PRS: m |= mask_of(14, 14); break;
      case Op::DXimm: m |= mask_of(11, 15) | mask_of(16, 25) | mask_of(31, 31); break;
      case Op::None: case Op::Word: break;
    }
  }
  if (e.flags & flag::kRc) m |= mask_of(31, 31);
  if (e.flags & flag::kOe) m |= mask_of(21, 21);
  if (e.flags & flag::kAA) m |= mask_of(30, 30);
  if (e.flags & flag::kLK) m |= mask_of(31, 31);
  return m;
}

// Binutils is an independent reading of the same opcode maps: every named entry, with
// random operands, must disassemble to the same mnemonic under `objdump -M raw,power9`.
TEST(Decode, MnemonicsAgreeWithObjdump) {
  const char* as = "powerpc64le-linux-gnu-as";
  const char* objdump = "powerpc64le-linux-gnu-objdump";
  if (std::system("command -v powerpc64le-linux-gnu-objdump >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "binutils for powerpc64le not installed";
  const std::string dir = ::testing::TempDir();
  const std::string src = dir + "/nv2_decode_words.s", obj = dir + "/nv2_decode_words.o",
                    txt = dir + "/nv2_decode_words.txt";
  std::mt19937 rng(1234);
  std::vector<std::pair<uint32_t, const InsnDesc*>> words;
  {
    std::ofstream out(src);
    for (std::size_t i = 0; i < insn_count(); ++i) {
      const InsnDesc& e = insn(i);
      if (e.flags & flag::kFallback) continue;
      for (int k = 0; k < 4; ++k) {
        uint32_t w = example_word(e, static_cast<uint32_t>(rng()));
        // Fields binutils checks that nv2 ignores or reads elsewhere: keep them canonical.
        if (e.fn == &op_isel || e.fn == &op_lq || e.fn == &op_stq || e.fn == &op_lqarx ||
            e.fn == &op_stqcx || e.fn == &op_lmw || e.fn == &op_lswi)
          w = example_word(e, 0);
        if (!decode(w) || decode(w) != &e) continue;
        out << ".long 0x" << std::hex << w << "\n";
        words.emplace_back(w, &e);
      }
    }
  }
  const std::string cmd = std::string(as) + " -mbig -a64 " + src + " -o " + obj + " && " + objdump +
                          " -d -M raw,power9 " + obj + " > " + txt;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(txt);
  std::map<uint32_t, std::string> theirs;
  for (std::string line; std::getline(in, line);) {
    // "   c:\t7c 08 02 a6 \tmfspr   r0,8"
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const auto tab2 = line.find('\t', tab + 1);
    if (tab2 == std::string::npos) continue;
    std::string hex = line.substr(tab + 1, tab2 - tab - 1);
    std::string bytes;
    for (char c : hex)
      if (c != ' ') bytes += c;
    if (bytes.size() != 8) continue;
    std::istringstream ms(line.substr(tab2 + 1));
    std::string mnem;
    ms >> mnem;
    theirs[static_cast<uint32_t>(std::stoul(bytes, nullptr, 16))] = mnem;
  }
  int compared = 0, agreed = 0, refused = 0;
  for (const auto& [w, e] : words) {
    auto it = theirs.find(w);
    if (it == theirs.end()) continue;
    if (it->second == ".long") {
      // binutils refuses some operand values nv2 accepts (e.g. mtocrf with several FXM
      // bits, sync L=3, CY != 0): counted, not compared.
      ++refused;
      std::printf("objdump refuses 0x%08x (nv2: %s)\n", w, disassemble(w).c_str());
      continue;
    }
    std::string mine = disassemble(w);
    mine = mine.substr(0, mine.find(' '));
    ++compared;
    if (mine == it->second) {
      ++agreed;
    } else {
      ADD_FAILURE() << "0x" << std::hex << w << ": nv2 '" << mine << "', objdump '" << it->second << "'";
    }
  }
  EXPECT_GE(compared, 400);
  EXPECT_LE(refused, compared / 20) << "too many words binutils does not know";
  EXPECT_EQ(agreed, compared);
}

// The kPrivileged flag of the table and the execution agree: in problem state each
// privileged instruction raises a program interrupt with the privileged reason.
TEST(Decode, PrivilegedEntriesTrapInProblemState) {
  int checked = 0;
  for (std::size_t i = 0; i < insn_count(); ++i) {
    const InsnDesc& e = insn(i);
    if ((e.flags & (flag::kPrivileged | flag::kHypervisor)) == 0) continue;
    testing::TestMachine m;
    const uint32_t w = example_word(e, 0);
    const uint32_t prog[] = {w, 0x44000022};
    m.put_words(0x10000, prog, true);
    m.put_words(0x700, std::span<const uint32_t>(prog + 1, 1), true);
    VcpuState& s = m.state();
    s.msr = msr::kSF | msr::kPR | msr::kME | msr::kLE;
    s.lpcr = lpcr::kILE;
    s.hfscr = ~uint64_t{0};
    s.fscr = ~uint64_t{0};
    s.nia = 0x10000;
    const Exit x = m.run();
    EXPECT_EQ(x.kind, ExitKind::Hcall) << e.mnemonic;
    EXPECT_EQ(s.nia, 0x704u) << e.mnemonic;
    EXPECT_EQ(s.srr0, 0x10000u) << e.mnemonic;
    EXPECT_EQ(s.srr1 & srr1::kCauseMask, srr1::kProgramPrivileged) << e.mnemonic;
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

}  // namespace
}  // namespace nv2::isa
