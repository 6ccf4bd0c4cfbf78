// Random programs for the JIT differential test (test_jit_diff.cpp).
//
// Straight-line integer code comes from the qemu differential test's generator
// (diff/gen.hpp: its own encoder, independent of the instruction table; every user-level
// fixed-point form with OE/Rc, loads/stores of every width incl. update, indexed,
// byte-reversed and algebraic, larx/stcx., isel, CR logical, mfcr/mtcrf, LR/CTR/XER moves).
// Around it this generator builds what a translator must get right beyond single
// instructions: CTR loops (so blocks run many times and are translated after the threshold),
// forward branches over whole chunks, calls (bl, bla, bctrl) into functions that return with
// blr or a conditional bclr, lmw/stmw and string forms, divides, mftb, darn, dcbz, syncs,
// and the exits and interrupts: loads/stores into a partition-scoped hole (HDSI) or a
// process-scoped one (DSI), misaligned accesses that cross into them, illegal and
// hypervisor-only words (HEA), sc 1 (Hcall) and sc 0, traps, privileged instructions (a
// program interrupt in problem state), FP instructions with MSR[FP]=0, and self-modifying
// code: a store to a word of the running loop or block that then runs.
//
// Register conventions (those of diff/gen.hpp): r31 = the scratch pointer, r30 = an index
// into scratch (every chunk reloads it), r1 = the scratch pointer too, never written by any
// generated instruction (the base of lmw/stmw/string forms, which may load r30/r31 and then
// restore them). Every other register is fair game.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "../diff/gen.hpp"
#include "isa/decode.hpp"
#include "machine.hpp"

namespace nv2::isa::jitdiff {

enum class Mode : uint8_t {
  RealPrivileged,       // MSR[IR/DR]=0, MSR[PR]=0
  RelocatedPrivileged,  // MSR[IR/DR]=1 through the identity process-scoped map of PID 1
  RelocatedProblem,     // the same in problem state (MSR[PR]=1)
};

inline const char* mode_name(Mode m) {
  switch (m) {
    case Mode::RealPrivileged: return "real mode, privileged";
    case Mode::RelocatedPrivileged: return "MSR[IR/DR]=1, privileged";
    case Mode::RelocatedProblem: return "MSR[IR/DR]=1, problem state";
  }
  return "?";
}

// One case: the program and the state it starts from.
struct CaseSetup {
  std::vector<uint32_t> code;  // instruction values at `base`
  uint64_t base = layout::kCode;  // where the program starts (often just below a page end)
  uint64_t end = 0;               // EA of the final `sc 1`
  Mode mode = Mode::RealPrivileged;
  bool le = true;   // MSR[LE]: the program's byte order
  bool ile = true;  // LPCR[ILE]: the interrupt handlers' byte order
  uint32_t threshold = 1;  // of the second translating engine
  std::array<uint64_t, 32> gpr{};
  uint64_t cr = 0, xer = 0, lr = 0, ctr = 0;
  std::array<uint8_t, DIFF_SCRATCH_SIZE> scratch{};
  uint64_t hdec_seed = 0;  // drives the HDEC deadlines of the runs
  // Indices in `code` of `addi r,r,imm` words the harness may rewrite between runs (as an
  // L1 patching its L2's code): any immediate keeps the program well formed.
  std::vector<std::size_t> patch_points;
  uint64_t ticks_per_instruction = 1;  // of the deterministic timebase
  uint64_t tb_offset = 0;              // L2 timebase = host timebase + tb_offset (0x0004)
  bool ee = false;                     // MSR[EE] at the start
  uint64_t dec_after = ~uint64_t{0};   // the decrementer's deadline, from the case's start

  uint64_t msr() const {
    uint64_t m = msr::kSF | msr::kME | msr::kRI | (le ? msr::kLE : 0) | (ee ? msr::kEE : 0);
    if (mode != Mode::RealPrivileged) m |= msr::kIR | msr::kDR;
    if (mode == Mode::RelocatedProblem) m |= msr::kPR;
    return m;
  }

  // The L2 timebase of an engine that retired `retired` instructions (deterministic, no
  // idling: the generator emits no wait/stop).
  uint64_t l2_tb(uint64_t retired) const { return retired * ticks_per_instruction + tb_offset; }

  // Load the case into an engine's machine and vCPU.
  void install(Side& side) const {
    const uint64_t now = l2_tb(side.cpu().retired());
    side.set_tb_offset(tb_offset);
    side.install_handlers(ile);
    side.put_words(base, code, le);
    side.put_bytes(layout::kScratch, scratch.data(), scratch.size());
    VcpuState& s = side.state();
    s = VcpuState{};
    s.gpr = gpr;
    s.cr = static_cast<uint32_t>(cr);
    s.xer = xer;
    s.lr = lr;
    s.ctr = ctr;
    s.msr = msr();
    s.lpcr = ile ? lpcr::kILE : 0;
    s.pidr = layout::kPid;
    s.nia = base;
    s.fscr = s.hfscr = ~uint64_t{0} & ~fscr::kCauseMask;
    s.dec_expiry_tb = dec_after == ~uint64_t{0} ? dec_after : now + dec_after;
  }
};

class CaseGen {
 public:
  explicit CaseGen(uint64_t seed) : rng_(seed) {}

  CaseSetup make() {
    CaseSetup c;
    c.mode = static_cast<Mode>(pick(3));
    c.le = coin();
    c.ile = pick(4) == 0 ? !c.le : c.le;
    c.threshold = 1 + static_cast<uint32_t>(pick(2));
    le_ = c.le;
    // Start anywhere in the first 4 KiB page of the code area, so programs often run across
    // the page boundary at kCode + 0x1000 (blocks end at a page end; the next page is
    // elsewhere in L1 memory).
    base_ = layout::kCode + 4 * pick(0x400);
    c.base = base_;

    // Registers, CR, XER, LR, CTR and scratch from the qemu test's generator (edge values).
    diff::Generator init(rng_(), !c.le);
    const diff::Case in = init.next(0);
    for (uint32_t r = 0; r < 32; ++r) c.gpr[r] = in.in.word(DIFF_GPR(r));
    c.gpr[1] = c.gpr[diff::kScratchReg] = layout::kScratch;
    c.cr = in.in.word(DIFF_CR);
    c.xer = in.in.word(DIFF_XER);
    c.lr = in.in.word(DIFF_LR);
    c.ctr = in.in.word(DIFF_CTR);
    std::copy(in.in.scratch(), in.in.scratch() + DIFF_SCRATCH_SIZE, c.scratch.begin());
    c.hdec_seed = rng_();
    static constexpr uint64_t kTpi[] = {1, 1, 2, 3, 7};
    c.ticks_per_instruction = kTpi[pick(5)];
    c.tb_offset = coin() ? 0 : rng_() >> (2 + pick(62));  // far from wrapping
    c.ee = pick(4) == 0;
    if (coin()) c.dec_after = pick(3000);

    main_.clear();
    patch_points_.clear();
    alias_view_ = false;
    funcs_.clear();
    fixups_.clear();
    const unsigned nfuncs = static_cast<unsigned>(pick(3));
    for (unsigned i = 0; i < nfuncs; ++i) funcs_.push_back(function());
    const unsigned segments = 3 + static_cast<unsigned>(pick(6));
    for (unsigned i = 0; i < segments; ++i) segment();
    c.end = addr_of(main_.size());
    main_.push_back(words::kSc1);
    c.code = main_;
    c.patch_points = patch_points_;
    std::vector<uint64_t> func_addr;
    for (const auto& f : funcs_) {
      func_addr.push_back(addr_of(c.code.size()));
      c.code.insert(c.code.end(), f.begin(), f.end());
    }
    for (const Fixup& f : fixups_) {
      const uint64_t target = func_addr[f.func];
      const uint64_t here = addr_of(f.index);
      switch (f.kind) {
        case Fixup::Kind::Relative: c.code[f.index] = words::b_to(here, target) | 1u; break;
        case Fixup::Kind::Absolute:
          c.code[f.index] = 0x48000003u | (static_cast<uint32_t>(target) & 0x03FFFFFCu);
          break;
        case Fixup::Kind::LoadAddress:
          c.code[f.index] |= static_cast<uint32_t>(target >> 16);
          c.code[f.index + 1] |= static_cast<uint32_t>(target & 0xFFFF);
          break;
      }
    }
    return c;
  }

 private:
  struct Ctx {
    bool loop = false;  // inside a CTR loop: nothing may write CTR
    bool func = false;  // inside a function: nothing may write CTR (a loop may call it) or LR
  };
  struct Fixup {
    enum class Kind : uint8_t { Relative, Absolute, LoadAddress } kind;
    std::size_t index;  // in main_
    unsigned func;
  };

  uint64_t pick(uint64_t n) { return rng_() % n; }
  bool coin() { return (rng_() & 1) != 0; }
  uint64_t addr_of(std::size_t index) const { return base_ + 4 * index; }
  // The address of main_[index] in the view the program runs in at this point of main_.
  uint64_t here_of(std::size_t index) const {
    return addr_of(index) + (alias_view_ ? layout::kCodeAlias - layout::kCode : 0);
  }
  // A register generated code may clobber as a temporary (not r0: it reads as 0 as a base).
  uint32_t temp() { return 3 + static_cast<uint32_t>(pick(27)); }  // r3..r29

  static constexpr uint32_t li(uint32_t rt, uint32_t v) { return diff::d_form(14, rt, 0, v); }
  static constexpr uint32_t lis(uint32_t rt, uint32_t v) { return diff::d_form(15, rt, 0, v); }
  static constexpr uint32_t ori(uint32_t ra, uint32_t rs, uint32_t v) { return diff::d_form(24, rs, ra, v); }
  static void load_address(std::vector<uint32_t>& out, uint32_t r, uint64_t a) {
    out.push_back(lis(r, static_cast<uint32_t>(a >> 16)));
    out.push_back(ori(r, r, static_cast<uint32_t>(a & 0xFFFF)));
  }
  // lis r31 ; ori r31 ; li r30 (after a load that may have overwritten them).
  void restore_scratch_regs(std::vector<uint32_t>& out) {
    load_address(out, diff::kScratchReg, layout::kScratch);
    out.push_back(li(diff::kIndexReg, static_cast<uint32_t>(pick(diff::kMaxDisp + 1))));
  }

  // Make a word from diff/gen.hpp safe for the context (see Ctx).
  static uint32_t filter(uint32_t w, Ctx ctx) {
    const uint32_t po = w >> 26;
    if (ctx.loop || ctx.func) {
      if ((w & ~diff::rt(31)) == diff::mtspr(9, 0)) return words::kNop;  // mtctr
      if (po == 16) w |= 1u << 23;  // bc: BO bit 2 set, CTR is not decremented
    }
    if (ctx.func) {
      if ((w & ~diff::rt(31)) == diff::mtspr(8, 0)) return words::kNop;  // mtlr
      if (po == 18 || po == 16) w &= ~1u;                                // no LK
    }
    return w;
  }

  // A straight-line chunk of diff/gen.hpp instructions, preceded by its r30 index.
  void chunk(std::vector<uint32_t>& out, Ctx ctx, unsigned length) {
    diff::Generator g(rng_(), !le_);
    const diff::Case c = g.next(length);
    out.push_back(li(diff::kIndexReg, static_cast<uint32_t>(c.in.word(DIFF_GPR(diff::kIndexReg)))));
    for (const uint32_t w : c.body) out.push_back(filter(w, ctx));
    // What diff/gen.hpp does not emit but the translator handles natively: divides and
    // modulo (zero divisors and the signed overflow come from the edge values), after the
    // chunk so that they never split one of its pairs.
    if (coin()) {
      const unsigned n = 1 + static_cast<unsigned>(pick(3));
      for (unsigned i = 0; i < n; ++i) divide(out);
    }
  }

  void divide(std::vector<uint32_t>& out) {
    static constexpr uint32_t kDiv[] = {491, 459, 427, 395, 489, 457, 425, 393};
    static constexpr uint32_t kMod[] = {779, 267, 777, 265};
    const uint32_t t = temp(), a = temp(), b = temp();
    if (pick(3) == 0) {
      out.push_back(diff::x_form(t, a, b, kMod[pick(4)]));
    } else {
      out.push_back(diff::xo_form(t, a, b, static_cast<uint32_t>(pick(4) == 0), kDiv[pick(pick(2) == 0 ? 4 : 8)],
                                  static_cast<uint32_t>(coin())));
    }
  }

  // Mostly short; sometimes longer than a block may be (64 instructions).
  unsigned chunk_length() { return pick(12) == 0 ? 50 + static_cast<unsigned>(pick(60)) : 2 + static_cast<unsigned>(pick(14)); }

  // A conditional or unconditional forward branch over a whole chunk (never into one).
  void branch_over(std::vector<uint32_t>& out, Ctx ctx) {
    const std::size_t at = out.size();
    out.push_back(0);
    chunk(out, ctx, chunk_length());
    const auto disp = static_cast<uint32_t>(4 * (out.size() - at));
    if (pick(4) == 0) {
      out[at] = 0x48000000u | disp;  // b
    } else {
      // BO 4 / 12 (branch if the CR bit is 0 / 1), with or without the "at" hint bits.
      static constexpr uint32_t kBo[] = {4, 12, 5, 13, 7, 15};
      out[at] = diff::op(16) | diff::rt(kBo[pick(6)]) | diff::ra(static_cast<uint32_t>(pick(32))) | disp;
    }
  }

  std::vector<uint32_t> function() {
    std::vector<uint32_t> f;
    const Ctx ctx{false, true};
    chunk(f, ctx, chunk_length());
    if (coin()) extra(f, ctx);
    if (pick(3) == 0) {
      // bclr BO=4/12 on a random CR bit: a conditional return mid-function, sometimes right
      // after a compare into that field (fused).
      uint32_t bi = static_cast<uint32_t>(pick(32));
      if (coin()) {
        f.push_back(compare(bi / 4, temp()));
        independent(f, static_cast<unsigned>(pick(2)));
      }
      f.push_back(diff::op(19) | diff::rt(pick(2) == 0 ? 4u : 12u) | diff::ra(bi) | diff::xo10(16));
      chunk(f, ctx, chunk_length());
    }
    f.push_back(0x4E800020);  // blr
    return f;
  }

  void call(Ctx ctx) {
    if (funcs_.empty() || ctx.func) return;
    const auto func = static_cast<unsigned>(pick(funcs_.size()));
    switch (ctx.loop ? pick(2) : pick(4)) {
      case 0:
      case 1:
        fixups_.push_back({Fixup::Kind::Relative, main_.size(), func});
        main_.push_back(0);
        break;
      case 2:
        fixups_.push_back({Fixup::Kind::Absolute, main_.size(), func});
        main_.push_back(0);
        break;
      default: {  // lis/ori the address, mtctr, bctrl
        const uint32_t r = temp();
        fixups_.push_back({Fixup::Kind::LoadAddress, main_.size(), func});
        main_.push_back(lis(r, 0));
        main_.push_back(ori(r, r, 0));
        main_.push_back(diff::mtspr(9, r));
        main_.push_back(0x4E800421);  // bctrl
        break;
      }
    }
  }

  // li r29,n ; mtctr r29 ; L: body ; bdnz L -- optionally modifying its own code each round.
  void loop() {
    const Ctx ctx{true, false};
    const auto n = static_cast<uint32_t>(1 + pick(pick(3) == 0 ? 60 : 12));
    main_.push_back(li(29, n));
    main_.push_back(diff::mtspr(9, 29));
    const std::size_t top = main_.size();
    const bool smc = pick(3) == 0;
    const bool early = coin();
    const uint32_t target_reg = temp();
    std::size_t target = 0;
    if (smc && early) {
      target = main_.size();
      main_.push_back(words::addi(target_reg, target_reg, static_cast<uint32_t>(pick(0x100))));
    }
    chunk(main_, ctx, chunk_length());
    if (coin()) patch_point();
    const unsigned more = static_cast<unsigned>(pick(3));
    for (unsigned i = 0; i < more; ++i) {
      switch (pick(5)) {
        case 0: call(ctx); break;
        case 1: branch_over(main_, ctx); break;
        case 2: if (pick(3) == 0) extra(main_, ctx); break;
        case 3: compare_branch(main_, ctx); break;
        default: chunk(main_, ctx, chunk_length()); break;
      }
    }
    if (smc) {
      // r28 = &target ; r27 = addi target_reg,target_reg,(CTR & 0xFFF) ; stw r27,0(r28)
      const std::size_t at = main_.size();
      main_.push_back(0);
      main_.push_back(0);
      main_.push_back(diff::mfspr(27, 9));
      main_.push_back(diff::d_form(28, 27, 27, 0xFFF));  // andi. r27,r27,0xFFF
      main_.push_back(diff::d_form(25, 27, 27, words::addi(target_reg, target_reg, 0) >> 16));  // oris
      main_.push_back(diff::d_form(36, 27, 28, 0));  // stw r27,0(r28)
      if (!early) {
        target = main_.size();
        main_.push_back(words::addi(target_reg, target_reg, static_cast<uint32_t>(pick(0x100))));
      }
      const uint64_t a = addr_of(target);
      main_[at] = lis(28, static_cast<uint32_t>(a >> 16));
      main_[at + 1] = ori(28, 28, static_cast<uint32_t>(a & 0xFFFF));
    }
    const auto back = static_cast<uint32_t>(4 * (top - main_.size()));
    // bdnz (BO 16), sometimes bdnz with a CR condition (BO 8 / 0: leaves early).
    static constexpr uint32_t kBo[] = {16, 16, 16, 25, 8, 0};
    main_.push_back(diff::op(16) | diff::rt(kBo[pick(6)]) | diff::ra(static_cast<uint32_t>(pick(32))) |
                    (back & 0xFFFC));
  }

  void segment() {
    const Ctx ctx{};
    switch (pick(10)) {
      case 0: chunk(main_, ctx, chunk_length()); break;
      case 1:
        chunk(main_, ctx, chunk_length());
        patch_point();
        break;
      case 2:
      case 3: loop(); break;
      case 4: gpr_loop(); break;
      case 5: call(ctx); break;
      case 6: branch_over(main_, ctx); break;
      case 7: compare_branch(main_, ctx); break;
      case 8:
        switch (pick(3)) {
          case 0: computed_jump(); break;
          case 1: switch_view(); break;
          default: extra(main_, ctx); break;
        }
        break;
      default: extra(main_, ctx); break;
    }
  }

  // Go on at the next instruction in the other view of the code (kCode <-> kCodeAlias):
  // lis/ori r,next' ; mtctr r ; bctr. The blocks that follow are the same (same L1 bytes)
  // but run at another effective address.
  void switch_view() {
    const uint32_t r = temp();
    const std::size_t at = main_.size();
    main_.push_back(0);
    main_.push_back(0);
    main_.push_back(diff::mtspr(9, r));
    main_.push_back(0x4E800420);  // bctr
    alias_view_ = !alias_view_;
    const uint64_t next = here_of(main_.size());
    main_[at] = lis(r, static_cast<uint32_t>(next >> 16));
    main_[at + 1] = ori(r, r, static_cast<uint32_t>(next & 0xFFFF));
  }

  // A forward jump through CTR or LR over a chunk: lis/ori r,label ; mtctr/mtlr r ;
  // bcctr/bclr (always, or on a CR bit; bclr sometimes with LK). Only in straight-line main
  // code: it writes CTR and LR.
  void computed_jump() {
    const uint32_t r = temp();
    const std::size_t at = main_.size();
    main_.push_back(0);
    main_.push_back(0);
    const bool via_ctr = coin();
    main_.push_back(diff::mtspr(via_ctr ? 9 : 8, r));
    static constexpr uint32_t kBo[] = {20, 20, 4, 12};
    main_.push_back(diff::op(19) | diff::rt(kBo[pick(4)]) | diff::ra(static_cast<uint32_t>(pick(32))) |
                    diff::xo10(via_ctr ? 528 : 16) | static_cast<uint32_t>(pick(4) == 0));
    chunk(main_, Ctx{}, chunk_length());
    // The low two bits of the register are ignored by the branch (LR/CTR[0:61] || 0b00).
    const uint64_t label = here_of(main_.size()) | pick(4);
    main_[at] = lis(r, static_cast<uint32_t>(label >> 16));
    main_[at + 1] = ori(r, r, static_cast<uint32_t>(label & 0xFFFF));
  }

  // addi t,t,imm that the harness may rewrite between runs (CaseSetup::patch_points).
  void patch_point() {
    uint32_t t = temp();
    while (t == 29) t = temp();
    patch_points_.push_back(main_.size());
    main_.push_back(words::addi(t, t, static_cast<uint32_t>(pick(0x10000))));
  }

  // Instructions that write neither CR nor r29 (what may sit between a compare and the
  // branch that tests it, so the pair can still be fused).
  void independent(std::vector<uint32_t>& out, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      uint32_t t = temp();
      while (t == 29) t = temp();
      const uint32_t a = temp();
      switch (pick(4)) {
        case 0: out.push_back(words::addi(t, a, static_cast<uint32_t>(rng_()))); break;
        case 1: out.push_back(diff::x_form(a, t, temp(), 316)); break;  // xor t,a,b
        case 2: out.push_back(diff::op(30) | diff::rt(a) | diff::ra(t) | diff::rb(static_cast<uint32_t>(pick(32))));
          break;  // rldicl t,a,sh,0
        default: out.push_back(diff::d_form(32, t, diff::kScratchReg, static_cast<uint32_t>(pick(diff::kMaxDisp))));
          break;  // lwz t,d(r31)
      }
    }
  }

  // A compare into CR field `bf` (cmp/cmpl/cmpi/cmpli, word or doubleword).
  uint32_t compare(uint32_t bf, uint32_t a) {
    const uint32_t f = (bf << 2) | static_cast<uint32_t>(coin());
    switch (pick(4)) {
      case 0: return diff::x_form(f, a, temp(), 0);
      case 1: return diff::x_form(f, a, temp(), 32);
      case 2: return diff::d_form(11, f, a, static_cast<uint32_t>(pick(3) == 0 ? rng_() : pick(8)));
      default: return diff::d_form(10, f, a, static_cast<uint32_t>(pick(3) == 0 ? rng_() : pick(8)));
    }
  }

  // cmp ; [independent instructions] ; bc on that field over a chunk (a side exit when not
  // taken: the translator's fused compare-and-branch).
  void compare_branch(std::vector<uint32_t>& out, Ctx ctx) {
    const auto bf = static_cast<uint32_t>(pick(8));
    out.push_back(compare(bf, temp()));
    independent(out, static_cast<unsigned>(pick(3)));
    const std::size_t at = out.size();
    out.push_back(0);
    chunk(out, ctx, chunk_length());
    const auto disp = static_cast<uint32_t>(4 * (out.size() - at));
    const uint32_t lk = ctx.func ? 0u : static_cast<uint32_t>(pick(4) == 0);
    out[at] = diff::op(16) | diff::rt(coin() ? 4u : 12u) | diff::ra(4 * bf + static_cast<uint32_t>(pick(4))) |
              disp | lk;
  }

  // A loop counted in memory (r1 + kCounter, which no other instruction writes), closed by
  // a compare and a backward bne: CTR stays free, so the body may hold a CTR loop.
  //   li r29,n ; std r29,c(r1) ; L: body ; ld r29,c(r1) ; addi r29,r29,-1 ; std r29,c(r1) ;
  //   cmpdi crF,r29,0 (or addic. r29,r29,0 into CR0) ; [independent] ; bne crF,L
  void gpr_loop() {
    static constexpr uint32_t kCounter = 0x1000;
    const Ctx ctx{};
    const auto n = static_cast<uint32_t>(1 + pick(pick(3) == 0 ? 100 : 10));
    main_.push_back(li(29, n));
    main_.push_back(diff::std_(29, 1, kCounter));
    const std::size_t top = main_.size();
    const unsigned parts = 1 + static_cast<unsigned>(pick(3));
    for (unsigned i = 0; i < parts; ++i) {
      switch (pick(6)) {
        case 0: loop(); break;
        case 1: call(ctx); break;
        case 2: compare_branch(main_, ctx); break;
        case 3: if (pick(3) == 0) extra(main_, ctx); break;
        default: chunk(main_, ctx, chunk_length()); break;
      }
    }
    if (coin()) patch_point();
    main_.push_back(diff::ld(29, 1, kCounter));
    main_.push_back(words::addi(29, 29, 0xFFFF));
    main_.push_back(diff::std_(29, 1, kCounter));
    uint32_t bf = 0;
    if (coin()) {
      bf = static_cast<uint32_t>(pick(8));
      main_.push_back(diff::d_form(11, (bf << 2) | 1, 29, 0));  // cmpdi crF,r29,0
    } else {
      main_.push_back(diff::d_form(13, 29, 29, 0));  // addic. r29,r29,0
    }
    independent(main_, static_cast<unsigned>(pick(3)));
    const auto back = static_cast<uint32_t>(4 * (top - main_.size()));
    main_.push_back(diff::op(16) | diff::rt(4) | diff::ra(4 * bf + 2) | (back & 0xFFFC));  // bne
  }

  // Everything diff/gen.hpp does not emit.
  void extra(std::vector<uint32_t>& out, Ctx ctx) {
    const uint32_t t = temp(), a = temp(), b = temp();
    switch (pick(16)) {
      case 0: {  // divides and modulo (XO with OE/Rc; X), mulhw[u], addex
        static constexpr uint32_t kDiv[] = {491, 459, 427, 395, 489, 457, 425, 393};
        static constexpr uint32_t kMod[] = {779, 267, 777, 265};
        switch (pick(4)) {
          case 0:
          case 1:
            out.push_back(diff::xo_form(t, a, b, static_cast<uint32_t>(coin()), kDiv[pick(8)],
                                        static_cast<uint32_t>(coin())));
            break;
          case 2: out.push_back(diff::x_form(t, a, b, kMod[pick(4)])); break;
          default:
            out.push_back(coin() ? diff::xo_form(t, a, b, 0, coin() ? 75u : 11u, static_cast<uint32_t>(coin()))
                                 : diff::x_form(t, a, b, 170));  // addex CY=0
            break;
        }
        break;
      }
      case 1: {  // mtxer, mftb, darn, dcbz, sync/isync/eieio
        switch (pick(6)) {
          case 0: out.push_back(diff::mtspr(1, t)); break;
          case 1: out.push_back(diff::op(31) | diff::rt(t) | diff::spr_field(268) | diff::xo10(371)); break;
          case 2: out.push_back(diff::x_form(t, static_cast<uint32_t>(pick(3)), 0, 755)); break;
          case 3: out.push_back(diff::x_form(0, diff::kScratchReg, diff::kIndexReg, 1014)); break;
          case 4: out.push_back(0x4C00012C); break;  // isync
          default: out.push_back(diff::x_form(0, 0, 0, coin() ? 598u : 854u)); break;
        }
        if (pick(4) == 0) {
          // icbi on the program's own code: drops its decoded and translated blocks, the
          // running one included. (No wait/stop: idling moves the timebase away from the
          // retired count, the only clock the harness sees, so its HDEC deadlines would
          // all be in the past.)
          load_address(out, b, base_ + 4 * pick(0x400));
          out.push_back(diff::x_form(0, 0, b, 982));
        }
        break;
      }
      case 2: {  // lwaux (diff/gen.hpp has no lwaux): addi x,r31,d1 ; li z,d2 ; lwaux y,x,z
        uint32_t y = temp();
        while (y == a) y = temp();
        uint32_t z = temp();
        while (z == a) z = temp();
        const auto d1 = static_cast<uint32_t>(pick(diff::kMaxDisp / 2));
        const auto d2 = static_cast<uint32_t>(pick(diff::kMaxDisp / 2));
        out.push_back(diff::d_form(14, a, diff::kScratchReg, d1));
        out.push_back(li(z, d2));
        out.push_back(diff::x_form(y, a, z, 373));
        break;
      }
      case 3: {  // lmw / stmw through r1 (any alignment: misaligned is an alignment interrupt)
        const auto r = static_cast<uint32_t>(3 + pick(29));
        const uint32_t span = 4 * (32 - r);
        auto d = static_cast<uint32_t>(pick(DIFF_SCRATCH_SIZE - span + 1));
        if (pick(4) != 0) d &= ~3u;
        out.push_back(diff::d_form(coin() ? 46 : 47, r, 1, d));
        restore_scratch_regs(out);
        break;
      }
      case 4: {  // lswi / stswi through r1: n bytes into registers r.. that stay below r32
        const auto r = static_cast<uint32_t>(3 + pick(29));
        const uint32_t max_bytes = std::min<uint32_t>(32, 4 * (32 - r));
        const auto nb = static_cast<uint32_t>(1 + pick(max_bytes));
        out.push_back(diff::op(31) | diff::rt(r) | diff::ra(1) | diff::rb(nb & 31) |
                      diff::xo10(coin() ? 597u : 725u));
        restore_scratch_regs(out);
        break;
      }
      case 5:
      case 6: hole_access(out, t); break;
      case 7: {  // illegal and hypervisor-only words: HEA exits
        switch (pick(3)) {
          case 0: {
            uint32_t w = 0;
            do {
              w = static_cast<uint32_t>(rng_());
            } while (decode(w) != nullptr);
            out.push_back(w);
            break;
          }
          case 1: out.push_back(0x4C000224); break;          // hrfid
          default: out.push_back(diff::mtspr(314, t)); break;  // mtspr HSRR0
        }
        break;
      }
      case 8: {  // sc 1 (Hcall exit; a program interrupt in problem state), sc 0 (+ pad:
                 // SRR0 is the next instruction, which the skip handler skips)
        if (pick(3) == 0) {
          out.push_back(0x44000002);
          out.push_back(words::kNop);
        } else {
          out.push_back(words::kSc1);
        }
        break;
      }
      case 9: {  // traps: tw/td/twi/tdi with a random TO (31: always)
        const auto to = static_cast<uint32_t>(pick(4) == 0 ? 31 : pick(32));
        switch (pick(4)) {
          case 0: out.push_back(diff::x_form(to, a, b, 4)); break;
          case 1: out.push_back(diff::x_form(to, a, b, 68)); break;
          case 2: out.push_back(diff::d_form(3, to, a, static_cast<uint32_t>(rng_()))); break;
          default: out.push_back(diff::d_form(2, to, a, static_cast<uint32_t>(rng_()))); break;
        }
        break;
      }
      case 10: {  // privileged: mfmsr, mtmsrd L=1, SPRG moves (program interrupt in problem state)
        if (pick(3) == 0) {
          // mfmsr t ; xori t,t,m ; mtmsrd t,0: flip MSR[IR/DR] (the identity map keeps the
          // program where it is), MSR[EE], or rarely MSR[PR], in the middle of a block.
          static constexpr uint32_t kFlip[] = {0x30, 0x30, 0x8000, 0x4000};
          out.push_back(diff::x_form(t, 0, 0, 83));
          out.push_back(diff::d_form(26, t, t, kFlip[pick(4)]));
          out.push_back(diff::x_form(t, 0, 0, 178));
          break;
        }
        if (pick(3) == 0 && &out == &main_) {
          // rfid to the next instruction, sometimes with MSR[IR/DR] flipped on the way:
          // mfmsr t ; [xori t,t,0x30] ; mtsrr1 t ; lis/ori b,next ; mtsrr0 b ; rfid
          out.push_back(diff::x_form(t, 0, 0, 83));
          if (coin()) out.push_back(diff::d_form(26, t, t, 0x30));
          out.push_back(diff::mtspr(27, t));
          const std::size_t at = out.size();
          out.push_back(0);
          out.push_back(0);
          out.push_back(diff::mtspr(26, b));
          out.push_back(words::kRfid);
          const uint64_t next = here_of(out.size());
          out[at] = lis(b, static_cast<uint32_t>(next >> 16));
          out[at + 1] = ori(b, b, static_cast<uint32_t>(next & 0xFFFF));
          break;
        }
        switch (pick(8)) {
          case 4: out.push_back(diff::mfspr(t, 22)); break;  // mfspr DEC
          case 5: out.push_back(diff::mtspr(22, t)); break;  // mtspr DEC (random: often soon)
          case 6:  // tlbiel/tlbie rB,r0,RIC=0,PRS=1,R=1 with IS=3 in rB: every PID's translations
            out.push_back(li(b, 0xC00));
            out.push_back(((coin() ? 0x7C033A24u : 0x7C033A64u) & ~diff::rb(31)) | diff::rb(b));
            break;
          case 7: out.push_back(0x7C0003E4); break;  // slbia
          case 0: out.push_back(diff::x_form(t, 0, 0, 83)); break;
          case 1: out.push_back(diff::x_form(t, 1, 0, 178)); break;  // mtmsrd rS,1: EE and RI
          case 2: out.push_back(diff::mfspr(t, 272 + static_cast<uint32_t>(pick(4)))); break;
          default: out.push_back(diff::mtspr(272 + static_cast<uint32_t>(pick(4)), t)); break;
        }
        break;
      }
      case 11: {  // FP with MSR[FP]=0: FP unavailable (0x800)
        out.push_back(diff::d_form(50, t, 1, static_cast<uint32_t>(pick(0x100))));  // lfd
        break;
      }
      case 12: {  // store to the next instruction, then run it (self-modifying straight line)
        const std::size_t at = out.size();
        for (int i = 0; i < 5; ++i) out.push_back(0);
        const uint32_t old_word = words::addi(t, a, static_cast<uint32_t>(pick(0x10000)));
        const uint32_t new_word = pick(2) == 0 ? diff::d_form(26, a, t, static_cast<uint32_t>(rng_()))  // xori
                                               : words::addi(t, t, static_cast<uint32_t>(rng_()));
        // Addresses are known only in main_, so only main_ holds self-modifying code.
        if (&out != &main_) {
          out.resize(at);
          out.push_back(old_word);
          break;
        }
        const uint64_t target = addr_of(at + 5);
        out[at] = lis(28, static_cast<uint32_t>(target >> 16));
        out[at + 1] = ori(28, 28, static_cast<uint32_t>(target & 0xFFFF));
        out[at + 2] = lis(27, new_word >> 16);
        out[at + 3] = ori(27, 27, new_word & 0xFFFF);
        out[at + 4] = diff::d_form(36, 27, 28, 0);  // stw r27,0(r28)
        out.push_back(old_word);
        break;
      }
      case 14: {  // store with update through its own source: stwu x,d(x) (RA = RS is valid)
        static constexpr uint32_t kPo[] = {37, 39, 45};  // stwu stbu sthu
        const auto d1 = static_cast<uint32_t>(pick(diff::kMaxDisp / 2));
        const auto d2 = static_cast<uint32_t>(pick(diff::kMaxDisp / 2));
        out.push_back(diff::d_form(14, a, diff::kScratchReg, d1));
        out.push_back(pick(4) == 0 ? diff::ds_form(62, a, a, d2 & ~3u, 1) : diff::d_form(kPo[pick(3)], a, a, d2));
        break;
      }
      case 15: {  // loads with RA = 0: EA = the displacement, or RB alone (low memory, the stubs)
        static constexpr uint32_t kPo[] = {34, 40, 42, 32};   // lbz lhz lha lwz
        static constexpr uint32_t kXo[] = {87, 279, 343, 23, 341, 21, 790, 534, 532};  // ...x forms
        if (coin()) {
          out.push_back(diff::d_form(kPo[pick(4)], t, 0, static_cast<uint32_t>(pick(0x7FF8))));
        } else {
          out.push_back(li(b, static_cast<uint32_t>(pick(0x7FF8))));
          out.push_back(diff::x_form(t, 0, b, kXo[pick(std::size(kXo))]));
        }
        break;
      }
      default: {  // a call from straight-line code
        if (&out == &main_) call(ctx);
        break;
      }
    }
  }

  // A load or store into (or across the edge of) the partition-scoped or the process-scoped
  // hole, or into the far data pages (their host-page cache slots are the scratch pages'),
  // through a base register set just before.
  void hole_access(std::vector<uint32_t>& out, uint32_t p) {
    uint64_t ea = 0;
    if (pick(3) == 0) {
      ea = layout::kFarData + pick(layout::kFarDataSize - 8);
    } else {
      const uint64_t hole = coin() ? layout::kPartitionHole : layout::kProcessHole;
      ea = pick(3) == 0 ? hole - 1 - pick(7) : hole + pick(0x1000 - 8);
    }
    load_address(out, p, ea);
    uint32_t r = temp();
    while (r == p) r = temp();  // update loads with RA = RT are invalid forms
    static constexpr uint32_t kD[] = {34, 40, 42, 32, 38, 44, 36, 33, 37, 35, 39};  // lbz..stbu
    switch (pick(5)) {
      case 0: out.push_back(diff::ld(r, p, 0)); break;
      case 1: out.push_back(diff::std_(r, p, 0)); break;
      case 2: out.push_back(diff::ds_form(coin() ? 58 : 62, r, p, 0, 1)); break;  // ldu / stdu
      case 3: out.push_back(coin() ? diff::x_form(r, 0, p, 84) : diff::x_form(r, 0, p, 214, 1)); break;  // ldarx / stdcx.
      default: out.push_back(diff::d_form(kD[pick(std::size(kD))], r, p, 0)); break;
    }
    // Then back in scratch: the same host-page cache slot for a far access.
    if (coin()) {
      out.push_back(diff::d_form(coin() ? 32 : 36, r, diff::kScratchReg, static_cast<uint32_t>(pick(diff::kMaxDisp))));
    }
  }

  std::mt19937_64 rng_;
  bool le_ = true;
  uint64_t base_ = layout::kCode;
  bool alias_view_ = false;  // main_ runs through layout::kCodeAlias from here on
  std::vector<std::size_t> patch_points_;
  std::vector<uint32_t> main_;
  std::vector<std::vector<uint32_t>> funcs_;
  std::vector<Fixup> fixups_;
};

// A program listing with disassembly, for failure messages.
inline std::string listing(const std::vector<uint32_t>& code, uint64_t base) {
  std::ostringstream m;
  m << std::hex << std::setfill('0');
  for (std::size_t i = 0; i < code.size(); ++i) {
    m << "  " << std::setw(8) << base + 4 * i << ": " << std::setw(8) << code[i] << "  "
      << disassemble(code[i]) << "\n";
  }
  return m.str();
}

}  // namespace nv2::isa::jitdiff
