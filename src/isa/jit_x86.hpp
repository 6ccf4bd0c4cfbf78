// A small x86-64 emitter: only the instructions the block translator (jit.hpp) emits.
//
// Encodings follow the Intel SDM Vol. 2 (Chapter 2: REX prefix, ModR/M and SIB; the opcode
// tables of Chapters 3-4). Every memory operand is [base + index*scale + disp32]; every
// register operand is a full 64- or 32-bit register, except setcc and byte stores, which
// force a REX prefix so that registers 4-7 name spl/bpl/sil/dil and never ah..bh.
// The emitter writes into a caller-owned range and never past its end: an overflow only
// sets a flag (the translator then flushes its arena and retries), it never writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nv2::isa::x86 {

enum class Reg : uint8_t { rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 };

// Condition codes (SDM Vol. 1 Appendix B): the low nibble of Jcc/SETcc/CMOVcc.
enum class Cond : uint8_t { O, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G };

// Group-1 ALU operations: the /digit of 81 /n and the row of the 00-3F opcode map.
enum class Alu : uint8_t { Add = 0, Or = 1, And = 4, Sub = 5, Xor = 6, Cmp = 7 };
// Group-2 shifts: the /digit of C1 /n (by imm8) and D3 /n (by CL).
enum class Shift : uint8_t { Rol = 0, Ror = 1, Shl = 4, Shr = 5, Sar = 7 };

// Operand widths in bytes.
enum class W : uint8_t { b8 = 1, b16 = 2, b32 = 4, b64 = 8 };

struct Mem {
  Reg base;
  int32_t disp = 0;
  bool has_index = false;
  Reg index = Reg::rax;
  uint8_t scale_log2 = 0;
};
inline Mem mem(Reg base, int32_t disp) { return Mem{base, disp}; }
inline Mem mem(Reg base, Reg index, uint8_t scale_log2, int32_t disp) {
  return Mem{base, disp, true, index, scale_log2};
}

// Opcodes (SDM Vol. 2 Chapter 3-4). Two-byte opcodes are 0F xx.
namespace opc {
inline constexpr uint8_t kTwoByte = 0x0F;
inline constexpr uint8_t kMovStore8 = 0x88, kMovStore = 0x89, kMovLoad = 0x8B;
inline constexpr uint8_t kLea = 0x8D, kMovsxd = 0x63;
inline constexpr uint8_t kMovImm = 0xB8;         // B8+r: mov r, imm32/imm64
inline constexpr uint8_t kMovImmRm = 0xC7;       // C7 /0: mov r/m, simm32
inline constexpr uint8_t kGroup1 = 0x81;         // 81 /n imm32
inline constexpr uint8_t kShiftImm = 0xC1, kShiftCl = 0xD3;
inline constexpr uint8_t kGroup3 = 0xF7;         // F7 /2 not, /3 neg
inline constexpr uint8_t kTest = 0x85;
inline constexpr uint8_t kCdq = 0x99;            // cdq (REX.W: cqo)
inline constexpr uint8_t kGroup5 = 0xFF;         // FF /2 call r/m64
inline constexpr uint8_t kJmpRel32 = 0xE9, kRet = 0xC3, kPush = 0x50, kPop = 0x58;
inline constexpr uint8_t kOperandSize = 0x66;
// after 0F
inline constexpr uint8_t kJccRel32 = 0x80, kSetcc = 0x90, kCmovcc = 0x40, kImul = 0xAF;
inline constexpr uint8_t kMovzx8 = 0xB6, kMovzx16 = 0xB7, kMovsx8 = 0xBE, kMovsx16 = 0xBF;
inline constexpr uint8_t kBswap = 0xC8;  // C8+r
}  // namespace opc

// Prefix and addressing bytes (SDM Vol. 2 §2.1-§2.2).
namespace enc {
inline constexpr uint8_t kRex = 0x40, kRexW = 0x08, kRexR = 0x04, kRexX = 0x02, kRexB = 0x01;
inline constexpr uint8_t kModDisp32 = 0x80;  // mod = 10: [base (+ index) + disp32]
inline constexpr uint8_t kModReg = 0xC0;     // mod = 11: register operand
inline constexpr uint8_t kRmSib = 4;         // rm = 100: a SIB byte follows
inline constexpr uint8_t kSibNoIndex = 0x24; // SIB: no index, base = rsp/r12
}  // namespace enc

class Emitter {
 public:
  Emitter(uint8_t* begin, uint8_t* end) : begin_(begin), p_(begin), end_(end) {}

  bool overflowed() const { return overflow_; }
  uint8_t* here() const { return p_; }
  std::size_t size() const { return static_cast<std::size_t>(p_ - begin_); }

  // --- moves ------------------------------------------------------------------------------
  // dst <- zero-extended load of `w` bytes.
  void load(W w, Reg dst, const Mem& m) {
    switch (w) {
      case W::b8: two(opc::kMovzx8, dst, m, false); return;
      case W::b16: two(opc::kMovzx16, dst, m, false); return;
      case W::b32: one(opc::kMovLoad, dst, m, false); return;
      case W::b64: one(opc::kMovLoad, dst, m, true); return;
    }
  }
  // dst <- sign-extended (to 64 bits) load of `w` bytes.
  void load_sx(W w, Reg dst, const Mem& m) {
    switch (w) {
      case W::b8: two(opc::kMovsx8, dst, m, true); return;
      case W::b16: two(opc::kMovsx16, dst, m, true); return;
      case W::b32: one(opc::kMovsxd, dst, m, true); return;
      case W::b64: one(opc::kMovLoad, dst, m, true); return;
    }
  }
  void store(W w, const Mem& m, Reg src) {
    switch (w) {
      case W::b8: rex_mem(false, src, m, true); byte(opc::kMovStore8); modrm_mem(src, m); return;
      case W::b16: byte(opc::kOperandSize); one(opc::kMovStore, src, m, false); return;
      case W::b32: one(opc::kMovStore, src, m, false); return;
      case W::b64: one(opc::kMovStore, src, m, true); return;
    }
  }
  void mov(Reg dst, Reg src, bool w64 = true) { rr(opc::kMovStore, src, dst, w64); }
  // dst <- imm, the shortest exact encoding.
  void mov_imm(Reg dst, uint64_t imm) {
    if (imm <= 0xFFFFFFFFull) {  // B8+r imm32 zero-extends
      rex(false, Reg::rax, dst);
      byte(static_cast<uint8_t>(opc::kMovImm + low3(dst)));
      u32(static_cast<uint32_t>(imm));
    } else if (fits_i32(static_cast<int64_t>(imm))) {  // REX.W C7 /0 sign-extends
      rex(true, Reg::rax, dst);
      byte(opc::kMovImmRm);
      modrm_reg(0, dst);
      u32(static_cast<uint32_t>(imm));
    } else {
      rex(true, Reg::rax, dst);
      byte(static_cast<uint8_t>(opc::kMovImm + low3(dst)));
      u64(imm);
    }
  }
  void lea(Reg dst, const Mem& m) { one(opc::kLea, dst, m, true); }
  void movsx_r(W from, Reg dst, Reg src) {  // 64-bit dst <- sign-extended low `from` bytes
    switch (from) {
      case W::b8: two_rr(opc::kMovsx8, dst, src, true, true); return;
      case W::b16: two_rr(opc::kMovsx16, dst, src, true, false); return;
      case W::b32: rr(opc::kMovsxd, dst, src, true); return;
      case W::b64: mov(dst, src); return;
    }
  }
  void movzx8(Reg dst, Reg src) { two_rr(opc::kMovzx8, dst, src, false, true); }

  // --- arithmetic ---------------------------------------------------------------------------
  void alu(Alu op, Reg dst, Reg src, bool w64 = true) { rr(alu_rm_r(op), src, dst, w64); }
  void alu(Alu op, Reg dst, const Mem& m, bool w64 = true) { one(alu_r_rm(op), dst, m, w64); }
  void alu_imm(Alu op, Reg dst, int32_t imm, bool w64 = true) {
    rex(w64, Reg::rax, dst);
    byte(opc::kGroup1);
    modrm_reg(static_cast<uint8_t>(op), dst);
    u32(static_cast<uint32_t>(imm));
  }
  void alu_imm(Alu op, const Mem& m, int32_t imm, bool w64 = true) {
    rex_mem(w64, Reg::rax, m, false);
    byte(opc::kGroup1);
    modrm_mem(static_cast<Reg>(static_cast<uint8_t>(op)), m);
    u32(static_cast<uint32_t>(imm));
  }
  void shift_imm(Shift op, Reg dst, uint8_t n, bool w64 = true) {
    rex(w64, Reg::rax, dst);
    byte(opc::kShiftImm);
    modrm_reg(static_cast<uint8_t>(op), dst);
    byte(n);
  }
  void shift_cl(Shift op, Reg dst, bool w64 = true) {
    rex(w64, Reg::rax, dst);
    byte(opc::kShiftCl);
    modrm_reg(static_cast<uint8_t>(op), dst);
  }
  void imul(Reg dst, Reg src, bool w64 = true) { two_rr(opc::kImul, dst, src, w64, false); }
  // rdx:rax / r (unsigned: F7 /6, signed: F7 /7); quotient in rax, remainder in rdx.
  void div(Reg r, bool w64) { rex(w64, Reg::rax, r); byte(opc::kGroup3); modrm_reg(6, r); }
  void idiv(Reg r, bool w64) { rex(w64, Reg::rax, r); byte(opc::kGroup3); modrm_reg(7, r); }
  // cdq / cqo: rdx <- the sign of rax (before idiv).
  void sign_extend_ax(bool w64) {
    if (w64) byte(enc::kRex | enc::kRexW);
    byte(opc::kCdq);
  }
  void neg(Reg r) { rex(true, Reg::rax, r); byte(opc::kGroup3); modrm_reg(3, r); }
  void not_(Reg r) { rex(true, Reg::rax, r); byte(opc::kGroup3); modrm_reg(2, r); }
  void test(Reg a, Reg b, bool w64 = true) { rr(opc::kTest, b, a, w64); }
  void test_imm(Reg r, uint32_t imm, bool w64 = false) {
    rex(w64, Reg::rax, r);
    byte(opc::kGroup3);  // F7 /0 id
    modrm_reg(0, r);
    u32(imm);
  }
  void test_imm(const Mem& m, uint32_t imm) {  // 32-bit
    rex_mem(false, Reg::rax, m, false);
    byte(opc::kGroup3);
    modrm_mem(Reg::rax, m);
    u32(imm);
  }
  void bswap(Reg r, bool w64) {
    rex(w64, Reg::rax, r);
    byte(opc::kTwoByte);
    byte(static_cast<uint8_t>(opc::kBswap + low3(r)));
  }
  void setcc(Cond c, Reg r8) { two_rr(static_cast<uint8_t>(opc::kSetcc + static_cast<uint8_t>(c)), Reg::rax, r8, false, true); }
  void cmov(Cond c, Reg dst, Reg src, bool w64 = true) {
    two_rr(static_cast<uint8_t>(opc::kCmovcc + static_cast<uint8_t>(c)), dst, src, w64, false);
  }

  // --- control flow -------------------------------------------------------------------------
  // Jumps return the address of their rel32 field, patched by bind().
  uint8_t* jcc(Cond c) {
    byte(opc::kTwoByte);
    byte(static_cast<uint8_t>(opc::kJccRel32 + static_cast<uint8_t>(c)));
    return rel32_slot();
  }
  uint8_t* jmp() { byte(opc::kJmpRel32); return rel32_slot(); }
  // Point the rel32 at `slot` to `target` (default: here).
  void bind(uint8_t* slot) { bind(slot, p_); }
  void bind(uint8_t* slot, const uint8_t* target) {
    if (slot == nullptr || overflow_) return;
    const int64_t rel = target - (slot + 4);
    const auto r = static_cast<int32_t>(rel);
    std::memcpy(slot, &r, 4);
  }
  void call(const void* fn) {  // through rax: the arena may be > 2 GiB from the code
    mov_imm(Reg::rax, reinterpret_cast<uint64_t>(fn));
    rex(false, Reg::rax, Reg::rax);
    byte(opc::kGroup5);
    modrm_reg(2, Reg::rax);
  }
  void jmp(const Mem& m) {  // FF /4: jmp qword [m]
    rex_mem(false, Reg::rax, m, false);
    byte(opc::kGroup5);
    modrm_mem(static_cast<Reg>(4), m);
  }
  void ret() { byte(opc::kRet); }
  void push(Reg r) { rex(false, Reg::rax, r); byte(static_cast<uint8_t>(opc::kPush + low3(r))); }
  void pop(Reg r) { rex(false, Reg::rax, r); byte(static_cast<uint8_t>(opc::kPop + low3(r))); }

  static bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

 private:
  static uint8_t low3(Reg r) { return static_cast<uint8_t>(static_cast<uint8_t>(r) & 7); }
  static bool high(Reg r) { return static_cast<uint8_t>(r) >= 8; }
  static uint8_t alu_rm_r(Alu op) { return static_cast<uint8_t>((static_cast<uint8_t>(op) << 3) | 1); }
  static uint8_t alu_r_rm(Alu op) { return static_cast<uint8_t>((static_cast<uint8_t>(op) << 3) | 3); }

  void byte(uint8_t b) {
    if (p_ < end_) {
      *p_++ = b;
    } else {
      overflow_ = true;
    }
  }
  void u32(uint32_t v) { for (int i = 0; i < 4; ++i) byte(static_cast<uint8_t>(v >> (8 * i))); }
  void u64(uint64_t v) { for (int i = 0; i < 8; ++i) byte(static_cast<uint8_t>(v >> (8 * i))); }
  uint8_t* rel32_slot() {
    uint8_t* s = p_;
    u32(0);
    return overflow_ ? nullptr : s;
  }

  // REX for a reg/reg form: `reg` in ModRM.reg, `rm` in ModRM.rm. `byte_regs`: an 8-bit
  // operand, which needs REX to name spl..dil.
  void rex(bool w, Reg reg, Reg rm, bool byte_regs = false) {
    const uint8_t r = static_cast<uint8_t>(enc::kRex | (w ? enc::kRexW : 0) | (high(reg) ? enc::kRexR : 0) |
                                           (high(rm) ? enc::kRexB : 0));
    const bool need = r != enc::kRex || (byte_regs && (low3(rm) >= 4 || low3(reg) >= 4));
    if (need) byte(r);
  }
  void rex_mem(bool w, Reg reg, const Mem& m, bool byte_reg) {
    const uint8_t r = static_cast<uint8_t>(enc::kRex | (w ? enc::kRexW : 0) | (high(reg) ? enc::kRexR : 0) |
                                           (m.has_index && high(m.index) ? enc::kRexX : 0) |
                                           (high(m.base) ? enc::kRexB : 0));
    if (r != enc::kRex || (byte_reg && static_cast<uint8_t>(reg) >= 4)) byte(r);
  }
  void modrm_reg(uint8_t reg_field, Reg rm) {
    byte(static_cast<uint8_t>(enc::kModReg | ((reg_field & 7) << 3) | low3(rm)));
  }
  // mod = 10 (disp32) always: one form, no special case for rbp/r13 bases.
  void modrm_mem(Reg reg, const Mem& m) {
    const uint8_t regf = static_cast<uint8_t>((static_cast<uint8_t>(reg) & 7) << 3);
    if (m.has_index) {
      byte(static_cast<uint8_t>(enc::kModDisp32 | regf | enc::kRmSib));
      byte(static_cast<uint8_t>((m.scale_log2 << 6) | (low3(m.index) << 3) | low3(m.base)));
    } else if (low3(m.base) == enc::kRmSib) {  // rsp/r12 as base need a SIB byte
      byte(static_cast<uint8_t>(enc::kModDisp32 | regf | enc::kRmSib));
      byte(enc::kSibNoIndex);
    } else {
      byte(static_cast<uint8_t>(enc::kModDisp32 | regf | low3(m.base)));
    }
    u32(static_cast<uint32_t>(m.disp));
  }
  void one(uint8_t op, Reg reg, const Mem& m, bool w) {
    rex_mem(w, reg, m, false);
    byte(op);
    modrm_mem(reg, m);
  }
  void two(uint8_t op, Reg reg, const Mem& m, bool w) {
    rex_mem(w, reg, m, false);
    byte(opc::kTwoByte);
    byte(op);
    modrm_mem(reg, m);
  }
  void rr(uint8_t op, Reg reg, Reg rm, bool w) {
    rex(w, reg, rm);
    byte(op);
    modrm_reg(static_cast<uint8_t>(reg), rm);
  }
  void two_rr(uint8_t op, Reg reg, Reg rm, bool w, bool byte_rm) {
    rex(w, reg, rm, byte_rm);
    byte(opc::kTwoByte);
    byte(op);
    modrm_reg(static_cast<uint8_t>(reg), rm);
  }

  uint8_t* begin_;
  uint8_t* p_;
  uint8_t* end_;
  bool overflow_ = false;
};

}  // namespace nv2::isa::x86
