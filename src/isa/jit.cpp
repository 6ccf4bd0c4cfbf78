// Block translation to x86-64 (jit.hpp; docs/decisions/isa-jit.md).
//
// Host register conventions (fixed here, nowhere else):
//   rbx = &VcpuState   rbp = &Exec   r12 = Exec::retired (uint64_t*)
//   r13 = the block's effective address (CIA of insns[0]; a block is keyed by real
//         address, so the same code may run at several EAs: every CIA is r13 + 4 i)
//   rax rcx rdx rsi rdi r8-r11: scratch, dead across instructions (guest GPRs live in
//   VcpuState::gpr)
// Prologue pushes rbx rbp r12 r13 r14 (five pushes after the return address: rsp is
// 16-byte aligned at every call the block makes).
#include "isa/jit.hpp"

#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>
#include <vector>

#include "isa/exec.hpp"
#include "isa/exec_mem.hpp"
#include "isa/fuse.hpp"
#include "isa/handlers.hpp"
#include "isa/sem.hpp"

#if defined(NV2_ISA_JIT)
#include <sys/mman.h>

#include "isa/jit_x86.hpp"
#endif

namespace nv2::isa {

#if !defined(NV2_ISA_JIT)

Jit::~Jit() = default;
bool Jit::translate(Exec&, Block&) { return false; }
void Jit::flush(Exec&) {}
bool Jit::reserve() { return false; }

#else

namespace {

using x86::Alu;
using x86::Cond;
using x86::Emitter;
using x86::Mem;
using x86::Reg;
using x86::Shift;
using x86::W;
using x86::mem;

constexpr Reg kState = Reg::rbx;
constexpr Reg kExec = Reg::rbp;
constexpr Reg kRetired = Reg::r12;
constexpr Reg kBlockEa = Reg::r13;
constexpr Reg kSaved[] = {Reg::rbx, Reg::rbp, Reg::r12, Reg::r13, Reg::r14};

// Host code reserved per guest instruction before a block is started: a chained exit is
// ~210 bytes, so a side exit or a load/store with its miss path stays under this, and the
// two exits of a block-ending conditional branch fit with the sentinel's share and the
// overhead. An emitter that still runs out only records it: the arena is flushed and the
// block translated again on its next run.
constexpr std::size_t kMaxBytesPerInsn = 320;
constexpr std::size_t kBlockOverhead = 256;

// Calls from host code into the interpreter. The Decoded array is {insn, stub}: the
// handler's NV2_NEXT reaches the stub, which says "Next"; any other outcome
// recorded Exec::last inside the array, from which the retired count follows as in the
// run loop (Flow::Branch retires the instruction that ended the chain).
Flow op_jit_stub(Exec&, const Decoded&) { return Flow::Next; }

uint32_t jit_fallback(Exec* x, const Decoded* d, uint64_t cia) {
  x->block_begin = d;  // cia(d) and l2_tb(d) are relative to the array
  x->block_ea = cia;
  const Flow f = d->fn(*x, *d);
  if (f != Flow::Next) {
    *x->retired += static_cast<uint64_t>(x->last - d) + (f == Flow::Branch ? 1 : 0);
  } else if (x->ctx_changed || x->idle_request) {
    // Only a handler sets these inside translated code: fold them into the one boundary
    // test the chained exits make (retired >= next_check). The run loop sets next_check to
    // 0 for both anyway; it then re-arms it at its full check.
    x->next_check = 0;
  }
  return static_cast<uint32_t>(f);
}

// What the translator emits natively; everything else is Kind::Fallback.
enum class Kind : uint8_t {
  Fallback,
  Addi, Addis, Add, Subf, Neg, Addic, AddicRc, Addze,
  And, Andc, Or, Orc, Xor, Nand, Nor, Eqv,
  Ori, Oris, Xori, Xoris, AndiRc, AndisRc,
  Extsb, Extsh, Extsw,
  Rlwinm, Rldicl, Rldicr, Rldic, Slw, Srw, Sld, Srd, Srawi, Sradi,
  Mullw, Mulld, Mulli, Maddld,
  Divw, Divwu, Divd, Divdu, Modsw, Moduw, Modsd, Modud,
  Isel, Mfspr, Mtspr,
  Cmp, Cmpl, Cmpi, Cmpli,
  Load, Store,
  B, Bc, BcSide, Bclr, BclrSide, Bcctr,
};

struct NativeEntry {
  Handler fn;
  Kind kind;
};

// Loads and stores: width, sign, addressing of each op_load/op_store instantiation the
// translator emits (byte-reversed forms stay on the fallback).
struct MemEntry {
  Handler fn;
  W width;
  bool store;
  bool sign;
  Addr addr;
};

template <typename T>
constexpr W width_of() {
  return sizeof(T) == 1 ? W::b8 : sizeof(T) == 2 ? W::b16 : sizeof(T) == 4 ? W::b32 : W::b64;
}
template <typename T, bool S, Addr A>
constexpr MemEntry load_entry() { return {&op_load<T, S, A>, width_of<T>(), false, S, A}; }
template <typename T, Addr A>
constexpr MemEntry store_entry() { return {&op_store<T, A>, width_of<T>(), true, false, A}; }

template <Addr A>
constexpr std::array<MemEntry, 11> mem_family() {
  return {load_entry<uint8_t, false, A>(),  load_entry<uint16_t, false, A>(),
          load_entry<uint16_t, true, A>(),  load_entry<uint32_t, false, A>(),
          load_entry<uint32_t, true, A>(),  load_entry<uint64_t, false, A>(),
          store_entry<uint8_t, A>(),        store_entry<uint16_t, A>(),
          store_entry<uint32_t, A>(),       store_entry<uint64_t, A>(),
          store_entry<uint64_t, A>()};
}

const NativeEntry kNative[] = {
    {&op_addi, Kind::Addi},     {&op_addis, Kind::Addis},   {&op_add, Kind::Add},
    {&op_subf, Kind::Subf},     {&op_neg, Kind::Neg},       {&op_and_, Kind::And},
    {&op_andc, Kind::Andc},     {&op_or_, Kind::Or},        {&op_orc, Kind::Orc},
    {&op_xor_, Kind::Xor},      {&op_nand, Kind::Nand},     {&op_nor, Kind::Nor},
    {&op_eqv, Kind::Eqv},       {&op_ori, Kind::Ori},       {&op_oris, Kind::Oris},
    {&op_xori, Kind::Xori},     {&op_xoris, Kind::Xoris},   {&op_andi_rc, Kind::AndiRc},
    {&op_andis_rc, Kind::AndisRc}, {&op_extsb, Kind::Extsb}, {&op_extsh, Kind::Extsh},
    {&op_extsw, Kind::Extsw},   {&op_rlwinm, Kind::Rlwinm}, {&op_rldicl, Kind::Rldicl},
    {&op_rldicr, Kind::Rldicr}, {&op_slw, Kind::Slw},       {&op_srw, Kind::Srw},
    {&op_sld, Kind::Sld},       {&op_srd, Kind::Srd},       {&op_srawi, Kind::Srawi},
    {&op_sradi, Kind::Sradi},   {&op_mullw, Kind::Mullw},   {&op_mulld, Kind::Mulld},
    {&op_mulli, Kind::Mulli},   {&op_maddld, Kind::Maddld}, {&op_rldic, Kind::Rldic},
    {&op_divw, Kind::Divw},     {&op_divwu, Kind::Divwu},   {&op_divd, Kind::Divd},
    {&op_divdu, Kind::Divdu},   {&op_modsw, Kind::Modsw},   {&op_moduw, Kind::Moduw},
    {&op_modsd, Kind::Modsd},   {&op_modud, Kind::Modud},   {&op_isel, Kind::Isel},
    {&op_cmp, Kind::Cmp},       {&op_cmpl, Kind::Cmpl},
    {&op_cmpi, Kind::Cmpi},     {&op_cmpli, Kind::Cmpli},   {&op_b, Kind::B},
    {&op_bc, Kind::Bc},         {&op_bc_side, Kind::BcSide}, {&op_bclr, Kind::Bclr},
    {&op_bclr_side, Kind::BclrSide}, {&op_bcctr, Kind::Bcctr},
    // The carry family and the LR/CTR/XER moves of a call's prologue and epilogue and of
    // hcall wrappers (hcall-storm round trip profile: each was a fallback call per hcall).
    {&op_addic, Kind::Addic},   {&op_addic_rc, Kind::AddicRc}, {&op_addze, Kind::Addze},
    {&op_mfspr, Kind::Mfspr},   {&op_mtspr, Kind::Mtspr},
};

const MemEntry* find_mem(Handler fn) {
  static const auto kD = mem_family<Addr::D>();
  static const auto kDU = mem_family<Addr::DUpdate>();
  static const auto kX = mem_family<Addr::X>();
  static const auto kXU = mem_family<Addr::XUpdate>();
  for (const auto* fam : {&kD, &kDU, &kX, &kXU})
    for (const MemEntry& e : *fam)
      if (e.fn == fn) return &e;
  return nullptr;
}

Kind kind_of(const Decoded& d) {
  for (const NativeEntry& e : kNative)
    if (e.fn == d.fn) return e.kind;
  return Kind::Fallback;
}

// The compares fuse.cpp turns into a compare-and-branch handler (opcode of the word; the
// handler is not one of op_cmp*): primary 11 cmpi, 10 cmpli; 31 with XO 0 cmp, 32 cmpl.
enum class CmpKind : uint8_t { None, Signed, Unsigned, SignedImm, UnsignedImm };
CmpKind compare_kind(uint32_t word) {
  const uint32_t po = field(word, 0, 5);
  if (po == 11) return CmpKind::SignedImm;
  if (po == 10) return CmpKind::UnsignedImm;
  if (po == 31 && field(word, 21, 30) == 0) return CmpKind::Signed;
  if (po == 31 && field(word, 21, 30) == 32) return CmpKind::Unsigned;
  return CmpKind::None;
}
bool is_fused(const Decoded* insns, uint32_t i, uint32_t count) {
  const Decoded& d = insns[i];
  if (i + 1 >= count || compare_kind(d.word) == CmpKind::None) return false;
  if (d.fn == &op_cmp || d.fn == &op_cmpl || d.fn == &op_cmpi || d.fn == &op_cmpli) return false;
  return insns[i + 1].fn == &op_bc || insns[i + 1].fn == &op_bclr;
}

constexpr uint64_t kLow32 = 0xFFFFFFFFull;

class Translator {
 public:
  Translator(Exec& x, Block& b, uint8_t* begin, uint8_t* end, JitChainSlot* slots)
      : x_(x), b_(b), e_(begin, end), le_((b.key & 1) != 0), slots_(slots) {}

  bool run(Decoded* fallback_arrays);
  const uint8_t* chained_entry() const { return chained_entry_; }
  std::size_t size() const { return e_.size(); }

 private:
  // --- operands -------------------------------------------------------------------------
  int32_t exec_off(const void* field_addr) const {
    return static_cast<int32_t>(static_cast<const uint8_t*>(field_addr) - reinterpret_cast<const uint8_t*>(&x_));
  }
  static Mem gpr(unsigned r) { return mem(kState, static_cast<int32_t>(offsetof(VcpuState, gpr) + 8 * r)); }
  static Mem st(std::size_t off) { return mem(kState, static_cast<int32_t>(off)); }
  static Mem cr() { return st(offsetof(VcpuState, cr)); }
  static Mem xer() { return st(offsetof(VcpuState, xer)); }
  static Mem lr() { return st(offsetof(VcpuState, lr)); }
  static Mem ctr() { return st(offsetof(VcpuState, ctr)); }
  static Mem nia() { return st(offsetof(VcpuState, nia)); }
  static Mem cfar() { return st(offsetof(VcpuState, cfar)); }
  static Mem cia_of(uint32_t i) { return mem(kBlockEa, static_cast<int32_t>(4 * i)); }

  // --- pieces ---------------------------------------------------------------------------
  void sync_retired(uint32_t upto) {  // *retired += instructions retired since the last sync
    if (upto > synced_) e_.alu_imm(Alu::Add, mem(kRetired, 0), static_cast<int32_t>(upto - synced_));
    synced_ = upto;
  }
  // CR field `bf` <- edx (LT GT EQ, SO or-ed in here). Clobbers ecx, esi.
  void write_cr_field(unsigned bf) {
    e_.load(W::b32, Reg::rcx, xer());  // SO is XER bit 32 = bit 31 of the low word
    e_.shift_imm(Shift::Shr, Reg::rcx, 31, false);
    e_.alu(Alu::Or, Reg::rdx, Reg::rcx, false);
    const unsigned sh = 28 - 4 * bf;
    e_.mov(Reg::rcx, Reg::rdx, false);
    if (sh != 0) e_.shift_imm(Shift::Shl, Reg::rcx, static_cast<uint8_t>(sh), false);
    e_.load(W::b32, Reg::rsi, cr());
    e_.alu_imm(Alu::And, Reg::rsi, static_cast<int32_t>(~(0xFu << sh)), false);
    e_.alu(Alu::Or, Reg::rsi, Reg::rcx, false);
    e_.store(W::b32, cr(), Reg::rsi);
  }
  // edx <- 8/4/2 as rax <, >, = rcx (signed or unsigned).
  void compare_bits(bool is_signed) {
    e_.mov_imm(Reg::rdx, 2);
    e_.mov_imm(Reg::rsi, 8);
    e_.mov_imm(Reg::rdi, 4);
    e_.alu(Alu::Cmp, Reg::rax, Reg::rcx);
    e_.cmov(is_signed ? Cond::L : Cond::B, Reg::rdx, Reg::rsi, false);
    e_.cmov(is_signed ? Cond::G : Cond::A, Reg::rdx, Reg::rdi, false);
  }
  // CR0 <- LT GT EQ SO of rax (Rc=1, 64-bit mode).
  void set_cr0() {
    e_.alu(Alu::Xor, Reg::rcx, Reg::rcx, false);
    compare_bits(true);
    write_cr_field(0);
  }
  void finish_ra(const Decoded& d) {  // RA <- rax; CR0 when Rc
    e_.store(W::b64, gpr(d.ra), Reg::rax);
    if (rc_bit(d)) set_cr0();
  }
  // Leave the block: NIA <- rax, Flow::Branch, `retired` instructions from the start.
  void exit_to_rax(uint32_t retired, bool taken, uint32_t cia_index) {
    const uint32_t keep = synced_;
    sync_retired(retired);
    synced_ = keep;
    if (taken) {
      e_.lea(Reg::rcx, cia_of(cia_index));
      e_.store(W::b64, cfar(), Reg::rcx);
    }
    e_.store(W::b64, nia(), Reg::rax);
    chain_exit(Flow::Branch);
  }
  // Leave by a chainable exit (rax = NIA, already stored; retired synced): jump to the
  // translated successor recorded in this exit's slot when it is still the block for NIA
  // and the run loop would not stop at this boundary (Cpu::run's inner-loop conditions:
  // ctx_changed, idle_request, retired >= next_check, a stop request, a tlbie broadcast;
  // a dropped block bumps chain_gen, as retired_blocks gets one). Else return `f` with the
  // slot in Exec::jit_exit_slot for the run loop to fill.
  void chain_exit(Flow f) {
    JitChainSlot* slot = &slots_[nslots_++];
    std::vector<uint8_t*> out;
    e_.mov_imm(Reg::rcx, reinterpret_cast<uint64_t>(slot));
    e_.alu(Alu::Cmp, Reg::rax, mem(Reg::rcx, static_cast<int32_t>(offsetof(JitChainSlot, ea))));
    out.push_back(e_.jcc(Cond::NE));
    e_.load(W::b64, Reg::rdx, mem(kExec, exec_off(&x_.chain_gen)));
    e_.alu(Alu::Cmp, Reg::rdx, mem(Reg::rcx, static_cast<int32_t>(offsetof(JitChainSlot, gen))));
    out.push_back(e_.jcc(Cond::NE));
    // ctx_changed and idle_request: folded into next_check by jit_fallback (only handlers
    // set them, and the run loop enters host code with both clear).
    e_.load(W::b64, Reg::rdx, mem(kRetired, 0));
    e_.alu(Alu::Cmp, Reg::rdx, mem(kExec, exec_off(&x_.next_check)));
    out.push_back(e_.jcc(Cond::AE));
    e_.load(W::b64, Reg::rdx, mem(kExec, exec_off(&x_.stop)));
    e_.load(W::b8, Reg::rdx, mem(Reg::rdx, 0));
    e_.test(Reg::rdx, Reg::rdx, false);
    out.push_back(e_.jcc(Cond::NE));
    // TlbDomain is its generation word (standard layout, one member: pointer-interconvertible);
    // an aligned 8-byte load is an acquire load on x86-64.
    static_assert(std::is_standard_layout_v<TlbDomain> && sizeof(TlbDomain) == sizeof(uint64_t));
    e_.load(W::b64, Reg::rdx, mem(kExec, exec_off(&x_.domain)));
    e_.load(W::b64, Reg::rdx, mem(Reg::rdx, 0));
    e_.alu(Alu::Cmp, Reg::rdx, mem(kExec, exec_off(&x_.jit_tlb_gen)));
    out.push_back(e_.jcc(Cond::NE));
    e_.jmp(mem(Reg::rcx, static_cast<int32_t>(offsetof(JitChainSlot, entry))));
    for (uint8_t* o : out) e_.bind(o);
    e_.store(W::b64, mem(kExec, exec_off(&x_.jit_exit_slot)), Reg::rcx);
    e_.mov_imm(Reg::rax, static_cast<uint64_t>(f));
    exits_.push_back(e_.jmp());
  }
  void target_rel(const Decoded& br, uint32_t i) {  // rax <- branch target of bc/b at i
    if (br.word & 2u) {
      e_.mov_imm(Reg::rax, static_cast<uint64_t>(br.imm));
    } else {
      e_.lea(Reg::rax, mem(kBlockEa, static_cast<int32_t>(4 * static_cast<int64_t>(i) + br.imm)));
    }
  }
  void link(const Decoded& br, uint32_t i) {  // if LK then LR <- CIA + 4
    if ((br.word & 1u) == 0) return;
    e_.lea(Reg::rcx, cia_of(i + 1));
    e_.store(W::b64, lr(), Reg::rcx);
  }
  // BO tests (Book I §2.4); jumps to the returned slots when the branch is not taken.
  void branch_tests(const Decoded& br, std::vector<uint8_t*>& not_taken) {
    const unsigned bo = br.rt;
    if ((bo & 0x04) == 0) {  // CTR <- CTR - 1; ctr_ok = (CTR != 0) xor BO_3
      e_.alu_imm(Alu::Sub, ctr(), 1);
      not_taken.push_back(e_.jcc((bo & 0x02) ? Cond::NE : Cond::E));
    }
    if ((bo & 0x10) == 0) {  // cond_ok = CR[BI] = BO_1
      e_.test_imm(cr(), 1u << (31 - br.ra));
      not_taken.push_back(e_.jcc((bo & 0x08) ? Cond::E : Cond::NE));
    }
  }
  // The interpreter's handler for insns[i] (or the fused pair at i), through jit_fallback.
  // `neutral`: a miss path inside a native load/store, which must leave the retired count as
  // the fast path does.
  void call_fallback(uint32_t i, const Decoded* array, bool neutral) {
    const uint32_t before = synced_;
    sync_retired(i);
    e_.mov(Reg::rdi, kExec);
    e_.mov_imm(Reg::rsi, reinterpret_cast<uint64_t>(array));
    e_.lea(Reg::rdx, cia_of(i));
    e_.call(reinterpret_cast<const void*>(&jit_fallback));
    e_.test(Reg::rax, Reg::rax, false);
    exits_.push_back(e_.jcc(Cond::NE));  // not Next: the trampoline counted; leave with eax
    if (neutral && synced_ != before) {
      e_.alu_imm(Alu::Sub, mem(kRetired, 0), static_cast<int32_t>(synced_ - before));
      synced_ = before;
    }
  }
  Decoded* make_array(Decoded*& next, const Decoded* src, unsigned n) {
    Decoded* a = next;
    for (unsigned k = 0; k < n; ++k) a[k] = src[k];
    a[n] = Decoded{};
    a[n].fn = &op_jit_stub;
    next += n + 1;
    return a;
  }

  // sc 1 (the hcall): from privileged state the run's exit, as op_sc, without the call;
  // in problem state (privileged-instruction program interrupt) the handler.
  void emit_hcall(uint32_t i, const Decoded* array) {
    const uint32_t before = synced_;
    e_.test_imm(st(offsetof(VcpuState, msr)), static_cast<uint32_t>(msr::kPR));
    uint8_t* problem = e_.jcc(Cond::NE);
    sync_retired(i);  // the sc itself is not retired by an exit (the trampoline's count)
    e_.lea(Reg::rax, cia_of(i + 1));
    e_.store(W::b64, nia(), Reg::rax);
    e_.mov_imm(Reg::rax, static_cast<uint64_t>(ExitKind::Hcall));
    e_.store(W::b32, mem(kExec, exec_off(&x_.exit_kind)), Reg::rax);
    e_.mov_imm(Reg::rax, static_cast<uint64_t>(Flow::Exit));
    exits_.push_back(e_.jmp());
    e_.bind(problem);
    synced_ = before;
    call_fallback(i, array, false);
  }
  void emit_memory(const Decoded& d, const MemEntry& m, uint32_t i, const Decoded* array);
  bool emit_native(const Decoded& d, Kind k, uint32_t i);
  void emit_fused(uint32_t i);

  struct Slow {
    std::vector<uint8_t*> from;
    uint8_t* resume;
    uint32_t index;
    const Decoded* array;
    uint32_t synced;
  };

  Exec& x_;
  Block& b_;
  Emitter e_;
  bool le_;
  JitChainSlot* slots_;
  unsigned nslots_ = 0;
  const uint8_t* chained_entry_ = nullptr;
  uint32_t synced_ = 0;
  std::vector<uint8_t*> exits_;  // jumps to the epilogue (eax = Flow)
  std::vector<Slow> slow_;
};

void Translator::emit_memory(const Decoded& d, const MemEntry& m, uint32_t i, const Decoded* array) {
  // EA into rsi (exec_mem.hpp effective_address).
  const bool update = m.addr == Addr::DUpdate || m.addr == Addr::XUpdate;
  const bool indexed = m.addr == Addr::X || m.addr == Addr::XUpdate;
  if (d.ra != 0 || update) {
    e_.load(W::b64, Reg::rsi, gpr(d.ra));
    if (indexed) {
      e_.alu(Alu::Add, Reg::rsi, gpr(d.rb));
    } else if (d.imm != 0) {
      e_.alu_imm(Alu::Add, Reg::rsi, static_cast<int32_t>(d.imm));
    }
  } else if (indexed) {
    e_.load(W::b64, Reg::rsi, gpr(d.rb));
  } else {
    e_.mov_imm(Reg::rsi, static_cast<uint64_t>(d.imm));
  }
  // Host-page cache lookup: entry = cache[(ea >> 12) % 256]; hit when the tag matches and
  // the access stays in the page.
  static_assert(sizeof(HostPage) == 24 && offsetof(HostPage, tag) == 0 && offsetof(HostPage, host) == 8);
  static_assert(Exec::kTlbEntries == 256 && kPageShift == 12);
  const int32_t cache = exec_off(m.store ? static_cast<const void*>(x_.wtlb.data()) : x_.rtlb.data());
  const unsigned size = static_cast<unsigned>(m.width);
  Slow slow;
  e_.mov(Reg::rax, Reg::rsi);
  e_.shift_imm(Shift::Shr, Reg::rax, kPageShift);
  e_.movzx8(Reg::rcx, Reg::rax);                        // index = tag % 256
  e_.lea(Reg::rcx, mem(Reg::rcx, Reg::rcx, 1, 0));      // index * 3 (24-byte entries)
  e_.alu(Alu::Cmp, Reg::rax, mem(kExec, Reg::rcx, 3, cache));
  slow.from.push_back(e_.jcc(Cond::NE));
  e_.mov(Reg::rax, Reg::rsi, false);
  e_.alu_imm(Alu::And, Reg::rax, static_cast<int32_t>(kPageMask), false);
  if (size > 1) {
    e_.alu_imm(Alu::Cmp, Reg::rax, static_cast<int32_t>(kPageSize - size), false);
    slow.from.push_back(e_.jcc(Cond::A));
  }
  e_.alu(Alu::Add, Reg::rax, mem(kExec, Reg::rcx, 3, cache + 8));  // host + offset
  const bool swap = !le_ && size > 1;
  if (!m.store) {
    if (m.sign && !swap) {
      e_.load_sx(m.width, Reg::rdx, mem(Reg::rax, 0));
    } else {
      e_.load(m.width, Reg::rdx, mem(Reg::rax, 0));
    }
    if (swap) {
      e_.bswap(Reg::rdx, size == 8);
      if (size == 2) e_.shift_imm(Shift::Shr, Reg::rdx, 16, false);
      if (m.sign) e_.movsx_r(m.width, Reg::rdx, Reg::rdx);
    }
    e_.store(W::b64, gpr(d.rt), Reg::rdx);
  } else {
    e_.load(W::b64, Reg::rdx, gpr(d.rt));
    if (swap) {
      e_.bswap(Reg::rdx, size == 8);
      if (size == 2) e_.shift_imm(Shift::Shr, Reg::rdx, 16, false);
    }
    e_.store(m.width, mem(Reg::rax, 0), Reg::rdx);
  }
  if (update) e_.store(W::b64, gpr(d.ra), Reg::rsi);
  slow.resume = nullptr;
  slow.index = i;
  slow.array = array;
  slow.synced = synced_;
  slow_.push_back(std::move(slow));
  // The resume point is here; recorded after the push so the vector owns the slots.
  slow_.back().resume = e_.here();
}

void Translator::emit_fused(uint32_t i) {
  const Decoded& c = b_.insns[i];
  const Decoded& br = b_.insns[i + 1];
  const CmpKind k = compare_kind(c.word);
  const bool l = field(c.word, 10, 10) != 0;
  const bool is_signed = k == CmpKind::Signed || k == CmpKind::SignedImm;
  const bool to_lr = br.fn == &op_bclr;
  const bool side = i + 2 < b_.count;
  // rax, rcx <- the operands (fuse.cpp op_cmp_bc).
  if (l) {
    e_.load(W::b64, Reg::rax, gpr(c.ra));
  } else if (is_signed) {
    e_.load_sx(W::b32, Reg::rax, gpr(c.ra));
  } else {
    e_.load(W::b32, Reg::rax, gpr(c.ra));
  }
  if (k == CmpKind::Signed || k == CmpKind::Unsigned) {
    if (l) {
      e_.load(W::b64, Reg::rcx, gpr(c.rb));
    } else if (is_signed) {
      e_.load_sx(W::b32, Reg::rcx, gpr(c.rb));
    } else {
      e_.load(W::b32, Reg::rcx, gpr(c.rb));
    }
  } else {
    e_.mov_imm(Reg::rcx, static_cast<uint64_t>(c.imm));
  }
  compare_bits(is_signed);
  e_.mov(Reg::r8, Reg::rdx, false);
  write_cr_field(field(c.word, 6, 8));
  // The branch: LR target read before LK updates LR.
  if (to_lr) {
    e_.load(W::b64, Reg::r9, lr());
    e_.alu_imm(Alu::And, Reg::r9, -4);
  }
  link(br, i + 1);
  // r8 still holds LT GT EQ (without SO); SO is tested from XER when BI selects it.
  const unsigned bit = 3 - (br.ra & 3u);
  if (bit == 0) {
    e_.load(W::b32, Reg::rcx, xer());
    e_.shift_imm(Shift::Shr, Reg::rcx, 31, false);
    e_.alu(Alu::Or, Reg::r8, Reg::rcx, false);
  }
  e_.test_imm(Reg::r8, 1u << bit);
  uint8_t* not_taken = e_.jcc((br.rt & 0x08) ? Cond::E : Cond::NE);
  if (to_lr) {
    e_.mov(Reg::rax, Reg::r9);
  } else {
    target_rel(br, i + 1);
  }
  exit_to_rax(i + 2, true, i + 1);
  e_.bind(not_taken);
  if (!side) {
    e_.lea(Reg::rax, cia_of(i + 2));
    exit_to_rax(i + 2, false, i + 1);
  }
}

bool Translator::emit_native(const Decoded& d, Kind k, uint32_t i) {
  const bool oe = oe_bit(d);
  switch (k) {
    case Kind::Fallback:
    case Kind::Load:
    case Kind::Store:
      return false;
    case Kind::Addi:
    case Kind::Addis: {
      const int64_t v = k == Kind::Addi ? d.imm : d.imm * 65536;
      if (d.ra == 0) {
        e_.mov_imm(Reg::rax, static_cast<uint64_t>(v));
      } else {
        e_.load(W::b64, Reg::rax, gpr(d.ra));
        if (v != 0) e_.alu_imm(Alu::Add, Reg::rax, static_cast<int32_t>(v));
      }
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      return true;
    }
    case Kind::Addic:
    case Kind::AddicRc:
    case Kind::Addze: {
      // RT <- (RA) + EXTS(SI) (addic, addic.) or (RA) + CA (addze); CA = carry out of the
      // 64-bit sum, CA32 = carry out of the low words (Book I §3.3.9, exec_fixed.cpp add3).
      // The two adds set x86 CF to exactly these: the 32-bit one first, on a copy.
      if (k == Kind::Addze && oe) return false;  // addzeo: OV/SO, the interpreter (D-form: bit 21 is SI)
      e_.alu(Alu::Xor, Reg::rdx, Reg::rdx, false);
      e_.alu(Alu::Xor, Reg::rdi, Reg::rdi, false);
      e_.load(W::b64, Reg::rax, gpr(d.ra));
      e_.mov(Reg::rsi, Reg::rax, false);
      if (k == Kind::Addze) {
        e_.load(W::b64, Reg::rcx, xer());
        e_.shift_imm(Shift::Shr, Reg::rcx, static_cast<uint8_t>(std::countr_zero(xer::kCA)));
        e_.alu_imm(Alu::And, Reg::rcx, 1, false);
        e_.alu(Alu::Add, Reg::rsi, Reg::rcx, false);
        e_.setcc(Cond::B, Reg::rdx);
        e_.alu(Alu::Add, Reg::rax, Reg::rcx);
      } else {
        const auto v = static_cast<int32_t>(d.imm);
        e_.alu_imm(Alu::Add, Reg::rsi, v, false);
        e_.setcc(Cond::B, Reg::rdx);
        e_.alu_imm(Alu::Add, Reg::rax, v);
      }
      e_.setcc(Cond::B, Reg::rdi);
      e_.shift_imm(Shift::Shl, Reg::rdx, static_cast<uint8_t>(std::countr_zero(xer::kCA32)), false);
      e_.shift_imm(Shift::Shl, Reg::rdi, static_cast<uint8_t>(std::countr_zero(xer::kCA)), false);
      e_.alu(Alu::Or, Reg::rdx, Reg::rdi, false);
      e_.load(W::b64, Reg::rsi, xer());
      e_.alu_imm(Alu::And, Reg::rsi, static_cast<int32_t>(~(xer::kCA | xer::kCA32)));
      e_.alu(Alu::Or, Reg::rsi, Reg::rdx);
      e_.store(W::b64, xer(), Reg::rsi);
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      if (k == Kind::AddicRc || (k == Kind::Addze && rc_bit(d))) set_cr0();
      return true;
    }
    case Kind::Mfspr:
    case Kind::Mtspr: {
      // XER, LR, CTR: plain registers (never privileged, no side effect; exec_flow.cpp
      // handles them inline the same way). Every other SPR: the interpreter's table.
      const Mem* reg = nullptr;
      const Mem m_xer = xer(), m_lr = lr(), m_ctr = ctr();
      if (d.imm == 1 && k == Kind::Mfspr) reg = &m_xer;
      if (d.imm == 8) reg = &m_lr;
      if (d.imm == 9) reg = &m_ctr;
      if (reg == nullptr) return false;
      if (k == Kind::Mfspr) {
        e_.load(W::b64, Reg::rax, *reg);
        e_.store(W::b64, gpr(d.rt), Reg::rax);
      } else {
        e_.load(W::b64, Reg::rax, gpr(d.rt));
        e_.store(W::b64, *reg, Reg::rax);
      }
      return true;
    }
    case Kind::Add:
    case Kind::Subf:
    case Kind::Neg:
    case Kind::Mullw:
    case Kind::Mulld: {
      if (oe) return false;  // OV/SO: the interpreter
      if (k == Kind::Add) {
        e_.load(W::b64, Reg::rax, gpr(d.ra));
        e_.alu(Alu::Add, Reg::rax, gpr(d.rb));
      } else if (k == Kind::Subf) {
        e_.load(W::b64, Reg::rax, gpr(d.rb));
        e_.alu(Alu::Sub, Reg::rax, gpr(d.ra));
      } else if (k == Kind::Neg) {
        e_.load(W::b64, Reg::rax, gpr(d.ra));
        e_.neg(Reg::rax);
      } else if (k == Kind::Mullw) {
        e_.load_sx(W::b32, Reg::rax, gpr(d.ra));
        e_.load_sx(W::b32, Reg::rcx, gpr(d.rb));
        e_.imul(Reg::rax, Reg::rcx);
      } else {
        e_.load(W::b64, Reg::rax, gpr(d.ra));
        e_.load(W::b64, Reg::rcx, gpr(d.rb));
        e_.imul(Reg::rax, Reg::rcx);
      }
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      if (rc_bit(d)) set_cr0();
      return true;
    }
    case Kind::Mulli:
      e_.load(W::b64, Reg::rax, gpr(d.ra));
      e_.mov_imm(Reg::rcx, static_cast<uint64_t>(d.imm));
      e_.imul(Reg::rax, Reg::rcx);
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      return true;
    case Kind::Maddld:
      e_.load(W::b64, Reg::rax, gpr(d.ra));
      e_.load(W::b64, Reg::rcx, gpr(d.rb));
      e_.imul(Reg::rax, Reg::rcx);
      e_.alu(Alu::Add, Reg::rax, gpr(d.rc));
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      return true;
    case Kind::Isel:  // RT <- CR[BC] ? (RA|0) : (RB)
      if (d.ra == 0) {
        e_.alu(Alu::Xor, Reg::rax, Reg::rax, false);
      } else {
        e_.load(W::b64, Reg::rax, gpr(d.ra));
      }
      e_.load(W::b64, Reg::rcx, gpr(d.rb));
      e_.test_imm(cr(), 1u << (31 - d.rc));
      e_.cmov(Cond::E, Reg::rax, Reg::rcx);
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      return true;
    case Kind::Divw:
    case Kind::Divwu:
    case Kind::Divd:
    case Kind::Divdu:
    case Kind::Modsw:
    case Kind::Moduw:
    case Kind::Modsd:
    case Kind::Modud: {
      // exec_fixed.cpp: a zero divisor or the one signed overflow gives 0; the 32-bit
      // quotients are zero-extended, modsw sign-extended. The x86 divide would trap on
      // both, so they branch to the zero result first.
      const bool is_div = k == Kind::Divw || k == Kind::Divwu || k == Kind::Divd || k == Kind::Divdu;
      if (is_div && oe) return false;
      const bool w64 = k == Kind::Divd || k == Kind::Divdu || k == Kind::Modsd || k == Kind::Modud;
      const bool is_signed = k == Kind::Divw || k == Kind::Divd || k == Kind::Modsw || k == Kind::Modsd;
      std::vector<uint8_t*> zero;
      e_.load(w64 ? W::b64 : W::b32, Reg::rcx, gpr(d.rb));
      e_.test(Reg::rcx, Reg::rcx, w64);
      zero.push_back(e_.jcc(Cond::E));
      e_.load(w64 ? W::b64 : W::b32, Reg::rax, gpr(d.ra));
      if (is_signed) {
        e_.alu_imm(Alu::Cmp, Reg::rcx, -1, w64);
        uint8_t* fine = e_.jcc(Cond::NE);
        if (w64) {
          e_.mov_imm(Reg::rdx, uint64_t{1} << 63);
          e_.alu(Alu::Cmp, Reg::rax, Reg::rdx);
        } else {
          e_.alu_imm(Alu::Cmp, Reg::rax, INT32_MIN, false);
        }
        zero.push_back(e_.jcc(Cond::E));
        e_.bind(fine);
        e_.sign_extend_ax(w64);
        e_.idiv(Reg::rcx, w64);
      } else {
        e_.alu(Alu::Xor, Reg::rdx, Reg::rdx, false);
        e_.div(Reg::rcx, w64);
      }
      if (!is_div) {
        if (k == Kind::Modsw) {
          e_.movsx_r(W::b32, Reg::rax, Reg::rdx);
        } else {
          e_.mov(Reg::rax, Reg::rdx, w64);
        }
      } else if (!w64) {
        e_.mov(Reg::rax, Reg::rax, false);
      }
      uint8_t* done = e_.jmp();
      for (uint8_t* z : zero) e_.bind(z);
      e_.alu(Alu::Xor, Reg::rax, Reg::rax, false);
      e_.bind(done);
      e_.store(W::b64, gpr(d.rt), Reg::rax);
      if (is_div && rc_bit(d)) set_cr0();
      return true;
    }
    case Kind::And:
    case Kind::Andc:
    case Kind::Or:
    case Kind::Orc:
    case Kind::Xor:
    case Kind::Nand:
    case Kind::Nor:
    case Kind::Eqv: {
      e_.load(W::b64, Reg::rax, gpr(d.rt));
      e_.load(W::b64, Reg::rcx, gpr(d.rb));
      if (k == Kind::Andc || k == Kind::Orc) e_.not_(Reg::rcx);
      const Alu op = (k == Kind::And || k == Kind::Andc || k == Kind::Nand) ? Alu::And
                     : (k == Kind::Or || k == Kind::Orc || k == Kind::Nor) ? Alu::Or
                                                                            : Alu::Xor;
      e_.alu(op, Reg::rax, Reg::rcx);
      if (k == Kind::Nand || k == Kind::Nor || k == Kind::Eqv) e_.not_(Reg::rax);
      finish_ra(d);
      return true;
    }
    case Kind::Ori:
    case Kind::Oris:
    case Kind::Xori:
    case Kind::Xoris:
    case Kind::AndiRc:
    case Kind::AndisRc: {
      const bool shifted = k == Kind::Oris || k == Kind::Xoris || k == Kind::AndisRc;
      const uint64_t v = static_cast<uint64_t>(d.imm) << (shifted ? 16 : 0);
      e_.load(W::b64, Reg::rax, gpr(d.rt));
      e_.mov_imm(Reg::rcx, v);
      const Alu op = (k == Kind::Ori || k == Kind::Oris) ? Alu::Or
                     : (k == Kind::Xori || k == Kind::Xoris) ? Alu::Xor
                                                             : Alu::And;
      e_.alu(op, Reg::rax, Reg::rcx);
      e_.store(W::b64, gpr(d.ra), Reg::rax);
      if (k == Kind::AndiRc || k == Kind::AndisRc) set_cr0();
      return true;
    }
    case Kind::Extsb:
    case Kind::Extsh:
    case Kind::Extsw:
      e_.load_sx(k == Kind::Extsb ? W::b8 : k == Kind::Extsh ? W::b16 : W::b32, Reg::rax, gpr(d.rt));
      finish_ra(d);
      return true;
    case Kind::Rlwinm: {
      // ROTL32 of the low word (replicated in both halves), AND MASK (sem.hpp rotl32).
      const auto mask = static_cast<uint64_t>(d.imm);
      const unsigned sh = d.rb & 31u;
      e_.load(W::b32, Reg::rax, gpr(d.rt));
      if (mask <= kLow32) {
        if (sh != 0) e_.shift_imm(Shift::Rol, Reg::rax, static_cast<uint8_t>(sh), false);
      } else {
        e_.mov(Reg::rcx, Reg::rax);
        e_.shift_imm(Shift::Shl, Reg::rcx, 32);
        e_.alu(Alu::Or, Reg::rax, Reg::rcx);
        if (sh != 0) e_.shift_imm(Shift::Rol, Reg::rax, static_cast<uint8_t>(sh));
      }
      if (mask != kLow32) {
        e_.mov_imm(Reg::rcx, mask);
        e_.alu(Alu::And, Reg::rax, Reg::rcx);
      }
      finish_ra(d);
      return true;
    }
    case Kind::Rldicl:
    case Kind::Rldicr:
    case Kind::Rldic: {
      const auto mask = static_cast<uint64_t>(d.imm);
      e_.load(W::b64, Reg::rax, gpr(d.rt));
      if ((d.rb & 63u) != 0) e_.shift_imm(Shift::Rol, Reg::rax, static_cast<uint8_t>(d.rb & 63u));
      if (mask != ~uint64_t{0}) {
        e_.mov_imm(Reg::rcx, mask);
        e_.alu(Alu::And, Reg::rax, Reg::rcx);
      }
      finish_ra(d);
      return true;
    }
    case Kind::Slw:
    case Kind::Srw:
      // n = RB & 63; a 32-bit value shifted by n >= 32 leaves no low-word bits: 0, as the ISA.
      e_.load(W::b64, Reg::rcx, gpr(d.rb));
      e_.alu_imm(Alu::And, Reg::rcx, 63, false);
      e_.load(W::b32, Reg::rax, gpr(d.rt));
      e_.shift_cl(k == Kind::Slw ? Shift::Shl : Shift::Shr, Reg::rax);
      e_.mov(Reg::rax, Reg::rax, false);  // EXTZ of the low word
      finish_ra(d);
      return true;
    case Kind::Sld:
    case Kind::Srd:
      // n = RB & 127; n >= 64 gives 0 (x86 masks the count to 6 bits: select explicitly).
      e_.load(W::b64, Reg::rcx, gpr(d.rb));
      e_.alu_imm(Alu::And, Reg::rcx, 127, false);
      e_.load(W::b64, Reg::rax, gpr(d.rt));
      e_.shift_cl(k == Kind::Sld ? Shift::Shl : Shift::Shr, Reg::rax);
      e_.alu(Alu::Xor, Reg::rdx, Reg::rdx, false);
      e_.alu_imm(Alu::Cmp, Reg::rcx, 63, false);
      e_.cmov(Cond::A, Reg::rax, Reg::rdx);
      finish_ra(d);
      return true;
    case Kind::Srawi:
    case Kind::Sradi: {
      // RA <- v >>a n; CA = CA32 = v < 0 and a 1 bit shifted out (exec_fixed.cpp).
      const unsigned n = d.rb & (k == Kind::Srawi ? 31u : 63u);
      e_.load_sx(k == Kind::Srawi ? W::b32 : W::b64, Reg::rax, gpr(d.rt));
      e_.mov(Reg::rdx, Reg::rax);
      if (n != 0) e_.shift_imm(Shift::Sar, Reg::rax, static_cast<uint8_t>(n));
      e_.load(W::b64, Reg::rsi, xer());
      e_.alu_imm(Alu::And, Reg::rsi, static_cast<int32_t>(~(xer::kCA | xer::kCA32)));
      if (n != 0) {
        e_.mov_imm(Reg::rcx, (uint64_t{1} << n) - 1);
        e_.alu(Alu::And, Reg::rcx, Reg::rdx);  // the bits shifted out
        e_.alu(Alu::Xor, Reg::rdi, Reg::rdi, false);
        e_.mov_imm(Reg::r8, xer::kCA | xer::kCA32);
        e_.test(Reg::rcx, Reg::rcx);
        uint8_t* none = e_.jcc(Cond::E);
        e_.test(Reg::rdx, Reg::rdx);
        e_.cmov(Cond::S, Reg::rdi, Reg::r8);
        e_.bind(none);
        e_.alu(Alu::Or, Reg::rsi, Reg::rdi);
      }
      e_.store(W::b64, xer(), Reg::rsi);
      finish_ra(d);
      return true;
    }
    case Kind::Cmp:
    case Kind::Cmpl:
    case Kind::Cmpi:
    case Kind::Cmpli: {
      const bool l = field(d.word, 10, 10) != 0;
      const bool is_signed = k == Kind::Cmp || k == Kind::Cmpi;
      const auto ld = [&](Reg r, unsigned g) {
        if (l) {
          e_.load(W::b64, r, gpr(g));
        } else if (is_signed) {
          e_.load_sx(W::b32, r, gpr(g));
        } else {
          e_.load(W::b32, r, gpr(g));
        }
      };
      ld(Reg::rax, d.ra);
      if (k == Kind::Cmp || k == Kind::Cmpl) {
        ld(Reg::rcx, d.rb);
      } else {
        e_.mov_imm(Reg::rcx, static_cast<uint64_t>(d.imm));
      }
      compare_bits(is_signed);
      write_cr_field(field(d.word, 6, 8));
      return true;
    }
    case Kind::B:
      link(d, i);
      target_rel(d, i);
      exit_to_rax(i + 1, true, i);
      return true;
    case Kind::Bc:
    case Kind::BcSide:
    case Kind::Bclr:
    case Kind::BclrSide:
    case Kind::Bcctr: {
      const bool to_lr = k == Kind::Bclr || k == Kind::BclrSide;
      const bool side = k == Kind::BcSide || k == Kind::BclrSide;
      if (k == Kind::Bcctr && (d.rt & 0x04) == 0) return false;  // invalid form: HEA
      if (to_lr || k == Kind::Bcctr) {
        e_.load(W::b64, Reg::r9, to_lr ? lr() : ctr());
        e_.alu_imm(Alu::And, Reg::r9, -4);
      }
      std::vector<uint8_t*> not_taken;
      if (k == Kind::Bcctr) {  // the CTR is not decremented (BO_2 = 1 here)
        Decoded cond = d;
        cond.rt = static_cast<uint8_t>(d.rt | 0x04);
        branch_tests(cond, not_taken);
      } else {
        branch_tests(d, not_taken);
      }
      // LK after the tests would be wrong only if they read LR: they read CTR and CR.
      link(d, i);
      if (to_lr || k == Kind::Bcctr) {
        e_.mov(Reg::rax, Reg::r9);
      } else {
        target_rel(d, i);
      }
      exit_to_rax(i + 1, true, i);
      if (not_taken.empty()) return true;
      for (uint8_t* s : not_taken) e_.bind(s);
      // Not taken: LK still applies.
      link(d, i);
      if (!side) {
        e_.lea(Reg::rax, cia_of(i + 1));
        exit_to_rax(i + 1, false, i);
      }
      return true;
    }
  }
  return false;
}

bool Translator::run(Decoded* arrays) {
  for (Reg r : kSaved) e_.push(r);
  e_.mov(kExec, Reg::rdi);
  e_.load(W::b64, kState, mem(kExec, exec_off(&x_.s)));
  e_.load(W::b64, kRetired, mem(kExec, exec_off(&x_.retired)));
  // Chained entry: another block's host code jumps here with rbx, rbp, r12 and the stack
  // as this prologue leaves them, NIA stored.
  chained_entry_ = e_.here();
  e_.load(W::b64, kBlockEa, nia());
  e_.alu_imm(Alu::And, kBlockEa, -4);

  const Decoded* insns = b_.insns.data();
  Decoded* next_array = arrays;
  for (uint32_t i = 0; i < b_.count; ++i) {
    const Decoded& d = insns[i];
    if (is_fused(insns, i, b_.count)) {
      emit_fused(i);
      ++i;  // the branch
      continue;
    }
    if (const MemEntry* m = find_mem(d.fn)) {
      emit_memory(d, *m, i, make_array(next_array, &d, 1));
      continue;
    }
    if (d.fn == &op_sc && d.imm == 1) {
      emit_hcall(i, make_array(next_array, &d, 1));
      continue;
    }
    if (emit_native(d, kind_of(d), i)) continue;
    call_fallback(i, make_array(next_array, &d, 1), false);
  }
  // The sentinel: NIA <- CIA of insns[count], EndBlock, every instruction retired.
  sync_retired(b_.count);
  e_.lea(Reg::rax, cia_of(b_.count));
  e_.store(W::b64, nia(), Reg::rax);
  chain_exit(Flow::EndBlock);
  // Epilogue: eax = Flow; tell the run loop which block returned (the chain may have
  // passed through several).
  uint8_t* epilogue = e_.here();
  e_.mov_imm(Reg::rcx, reinterpret_cast<uint64_t>(&b_));
  e_.store(W::b64, mem(kExec, exec_off(&x_.jit_block)), Reg::rcx);
  for (auto it = std::rbegin(kSaved); it != std::rend(kSaved); ++it) e_.pop(*it);
  e_.ret();
  // Out-of-line miss paths of the loads and stores: the interpreter handler redoes the
  // access through the MMU (faults delivered exactly as without translation).
  for (Slow& s : slow_) {
    for (uint8_t* f : s.from) e_.bind(f);
    synced_ = s.synced;
    call_fallback(s.index, s.array, true);
    e_.bind(e_.jmp(), s.resume);
  }
  for (uint8_t* f : exits_) e_.bind(f, epilogue);
  return !e_.overflowed();
}

}  // namespace

Jit::~Jit() {
  if (arena_ != nullptr) munmap(arena_, arena_bytes_);
}

bool Jit::reserve() {
  if (arena_ != nullptr) return true;
  if (unavailable_) return false;
  // RWX: translations are written only between block runs of this vCPU's thread, and the
  // arena is private to it (docs/decisions/isa-jit.md, "W^X"). No swap reservation: pages
  // are touched only as translations fill them, and an `-smp 2048` machine must not commit
  // 16 GiB up front.
  void* p = mmap(nullptr, arena_bytes_, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    unavailable_ = true;
    return false;
  }
  arena_ = static_cast<uint8_t*>(p);
  return true;
}

void Jit::flush(Exec& x) {
  for (auto& [key, b] : x.blocks) {
    b->host = nullptr;
    b->fallback.reset();
    b->chain.reset();
    b->chained = nullptr;
    b->runs = 0;
  }
  for (auto& b : x.retired_blocks) b->host = nullptr;
  // No jump may reach the reused arena: every slot is dropped with its block's code, and
  // the pending exit slot of the run loop with them.
  x.jit_exit_slot = nullptr;
  ++x.chain_gen;
  used_ = 0;
  ++flushes_;
}

bool Jit::translate(Exec& x, Block& b) {
  if (!reserve()) return false;
  const std::size_t need = kBlockOverhead + kMaxBytesPerInsn * (std::size_t{b.count} + 1);
  if (need > arena_bytes_) return false;
  if (arena_bytes_ - used_ < need) flush(x);
  // One {insn, stub} array per fallback or memory access: at most two Decoded per instruction.
  auto arrays = std::make_unique<Decoded[]>(2 * (std::size_t{b.count} + 1));
  // At most two chainable exits per instruction (taken, not taken) and the sentinel's.
  auto slots = std::make_unique<JitChainSlot[]>(2 * std::size_t{b.count} + 1);
  uint8_t* begin = arena_ + used_;
  Translator t(x, b, begin, arena_ + arena_bytes_, slots.get());
  if (!t.run(arrays.get())) {
    flush(x);
    return false;
  }
  used_ += (t.size() + 15) & ~std::size_t{15};
  b.fallback = std::move(arrays);
  b.chain = std::move(slots);
  b.chained = t.chained_entry();
  b.host = reinterpret_cast<Block::HostCode>(begin);
  ++translations_;
  return true;
}

#endif

}  // namespace nv2::isa
