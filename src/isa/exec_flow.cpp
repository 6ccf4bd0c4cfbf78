// Branches, system call, interrupt return, MSR/SPR/timebase moves, TLB and SLB
// management, messages, idle, and the exits for what an L2 may not execute
// (Power ISA 3.0B Book I §2.4; Book III §4.3, §4.4, §5.9, §10; papr-nestedv2.md §5).
#include <cstdint>

#include "isa/decode.hpp"
#include "isa/exec.hpp"
#include "isa/fuse.hpp"
#include "isa/handlers.hpp"
#include "isa/interrupts.hpp"
#include "isa/sem.hpp"
#include "isa/spr.hpp"

namespace nv2::isa {

namespace {

constexpr uint64_t kNotLow2 = ~uint64_t{3};

inline Flow branch_to(Exec& x, const Decoded& d, uint64_t target) {
  x.last = &d;
  x.s->cfar = x.cia(d);  // CFAR: address of the last taken branch (Book III §4.3.x)
  x.s->nia = target;
  return Flow::Branch;
}
inline Flow fall_through(Exec& x, const Decoded& d) {
  x.last = &d;
  x.s->nia = x.cia(d) + 4;
  return Flow::Branch;
}

// BO decoding (Book I §2.4): BO_0 (0x10) ignore CR, BO_1 (0x08) CR value, BO_2 (0x04) do
// not decrement CTR, BO_3 (0x02) branch on CTR=0.
inline bool bo_ctr_ok(VcpuState& s, unsigned bo) {
  if (bo & 0x04) return true;
  s.ctr -= 1;
  return (s.ctr != 0) != ((bo & 0x02) != 0);
}
inline bool bo_cond_ok(const VcpuState& s, unsigned bo, unsigned bi) {
  return (bo & 0x10) || cr_bit(s, bi) == ((bo & 0x08) != 0);
}

inline bool privileged_denied(const Exec& x) { return x.problem_state(); }

// MSR value written by rfid / mtmsrd L=0 (Book III §4.4.x): an L2 (MSR[HV]=0) cannot change
// HV, S or ME; PR=1 forces EE, IR, DR to 1; nv2 has no transactional memory, so TS/TM stay 0;
// the reserved places where SRR1 carries interrupt causes (msr::kSrr1Cause) are never set.
inline uint64_t new_msr(uint64_t old, uint64_t v) {
  constexpr uint64_t kKept = msr::kHV | msr::kS | msr::kME;
  uint64_t m = (v & ~kKept & ~(msr::kTS | msr::kTM) & ~msr::kSrr1Cause) | (old & kKept);
  if (m & msr::kPR) m |= msr::kEE | msr::kIR | msr::kDR;
  return m;
}

SprEnv spr_env(const Exec& x, const Decoded& d) {
  SprEnv env;
  env.l2_tb = x.l2_tb(&d);
  env.pvr = x.config != nullptr ? x.config->logical_pvr : 0;
  env.pir = x.vcpu_id;
  return env;
}

Flow spr_failure(Exec& x, const Decoded& d, SprOutcome o) {
  switch (o) {
    case SprOutcome::Ok: return Flow::Next;
    case SprOutcome::Privileged: return x.program(d, srr1::kProgramPrivileged);
    case SprOutcome::Illegal: return x.hea(d);
    case SprOutcome::FacilityUnavailable: return x.interrupt(d, Vector::FacilityUnavailable, 0);
    case SprOutcome::HvFacilityUnavailable: return x.exit(d, ExitKind::HvFacilityUnavailable);
  }
  return x.hea(d);
}

// FSCR / HFSCR gate of a problem-state facility (Book III §4.2.x): FSCR in problem state
// (interrupt inside the L2), HFSCR always (exit to the L0).
Flow facility_gate(Exec& x, const Decoded& d, fscr::Facility f, bool* ok) {
  VcpuState& s = *x.s;
  *ok = false;
  if ((s.hfscr & fscr::enable(f)) == 0) {
    s.hfscr = fscr::with_cause(s.hfscr, f);
    return x.exit(d, ExitKind::HvFacilityUnavailable);
  }
  if (x.problem_state() && (s.fscr & fscr::enable(f)) == 0) {
    s.fscr = fscr::with_cause(s.fscr, f);
    return x.interrupt(d, Vector::FacilityUnavailable, 0);
  }
  *ok = true;
  return Flow::Next;
}

}  // namespace

// ---- branches ---------------------------------------------------------------------------
// NIA <- AA ? EXTS(LI || 0b00) : CIA + EXTS(LI || 0b00); if LK then LR <- CIA + 4
Flow op_b(Exec& x, const Decoded& d) {
  const uint64_t cia = x.cia(d);
  if (d.word & 1u) x.s->lr = cia + 4;
  return branch_to(x, d, (d.word & 2u) ? static_cast<uint64_t>(d.imm) : cia + static_cast<uint64_t>(d.imm));
}
// The part bc and bclr share with their side-exit forms (fuse.hpp), which differ only in
// what "not taken" means: CTR and the condition (CTR decremented when BO_2 = 0: always
// evaluated), LR when LK, and the target read before LK overwrites LR.
// bc: NIA <- (AA ? 0 : CIA) + EXTS(BD || 0b00); bclr: NIA <- LR[0:61] || 0b00.
enum class BranchTarget : uint8_t { Displacement, Lr };
template <BranchTarget kTarget>
inline bool conditional_branch(Exec& x, const Decoded& d, uint64_t* target) {
  VcpuState& s = *x.s;
  const uint64_t cia = x.cia(d);
  if constexpr (kTarget == BranchTarget::Lr) {
    *target = s.lr & kNotLow2;
  } else {
    *target = (d.word & 2u) ? static_cast<uint64_t>(d.imm) : cia + static_cast<uint64_t>(d.imm);
  }
  const bool ctr_ok = bo_ctr_ok(s, d.rt);
  const bool take = ctr_ok && bo_cond_ok(s, d.rt, d.ra);
  if (d.word & 1u) s.lr = cia + 4;
  return take;
}
// if ¬BO_2 then CTR <- CTR - 1; if ctr_ok & cond_ok then NIA <- (AA ? 0 : CIA) + EXTS(BD || 0b00)
Flow op_bc(Exec& x, const Decoded& d) {
  uint64_t target;
  if (!conditional_branch<BranchTarget::Displacement>(x, d, &target)) return fall_through(x, d);
  return branch_to(x, d, target);
}
// As op_bc; not taken, the block goes on (a side exit of a superblock, fuse.hpp).
Flow op_bc_side(Exec& x, const Decoded& d) {
  uint64_t target;
  if (!conditional_branch<BranchTarget::Displacement>(x, d, &target)) NV2_NEXT(x, d);
  return branch_to(x, d, target);
}
// As op_bclr; not taken, the block goes on.
Flow op_bclr_side(Exec& x, const Decoded& d) {
  uint64_t target;
  if (!conditional_branch<BranchTarget::Lr>(x, d, &target)) NV2_NEXT(x, d);
  return branch_to(x, d, target);
}
bool is_side_exit(const Decoded& d) {
  return (d.fn == &op_bc || d.fn == &op_bclr) && (d.rt & 0x14) != 0x14;
}
// if ¬BO_2 then CTR <- CTR - 1; if ctr_ok & cond_ok then NIA <- LR[0:61] || 0b00; if LK then LR <- CIA + 4
Flow op_bclr(Exec& x, const Decoded& d) {
  uint64_t target;
  return conditional_branch<BranchTarget::Lr>(x, d, &target) ? branch_to(x, d, target) : fall_through(x, d);
}
// if cond_ok then NIA <- CTR[0:61] || 0b00; if LK then LR <- CIA + 4 (BO_2=0: invalid form)
Flow op_bcctr(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  if ((d.rt & 0x04) == 0) return x.hea(d);
  const bool take = bo_cond_ok(s, d.rt, d.ra);
  if (d.word & 1u) s.lr = x.cia(d) + 4;
  return take ? branch_to(x, d, s.ctr & kNotLow2) : fall_through(x, d);
}
// if ctr_ok & cond_ok then NIA <- TAR[0:61] || 0b00; if LK then LR <- CIA + 4
Flow op_bctar(Exec& x, const Decoded& d) {
  bool ok;
  const Flow f = facility_gate(x, d, fscr::Facility::Tar, &ok);
  if (!ok) return f;
  VcpuState& s = *x.s;
  const uint64_t target = s.tar & kNotLow2;
  const bool ctr_ok = bo_ctr_ok(s, d.rt);  // decrements CTR when BO_2 = 0: always evaluated
  const bool take = ctr_ok && bo_cond_ok(s, d.rt, d.ra);
  if (d.word & 1u) s.lr = x.cia(d) + 4;
  return take ? branch_to(x, d, target) : fall_through(x, d);
}

// ---- system call, interrupt return --------------------------------------------------------
// LEV=0: system call interrupt 0xC00 in the L2 (SRR0 <- CIA + 4). LEV=1: hypervisor call ->
// ExitKind::Hcall with NIA = CIA + 4 from privileged state; from problem state a program
// interrupt, privileged reason (nv2 decision, papr-nestedv2.md §5). LEV>1: HEA.
Flow op_sc(Exec& x, const Decoded& d) {
  const int64_t lev = d.imm;
  const uint64_t next = x.cia(d) + 4;
  x.last = &d;
  if (lev == 0) {
    deliver_interrupt(*x.s, Vector::SystemCall, next, 0);
    x.ctx_changed = true;
    return Flow::Interrupt;
  }
  if (lev == 1) {
    if (x.problem_state()) return x.program(d, srr1::kProgramPrivileged);
    x.s->nia = next;
    x.exit_kind = ExitKind::Hcall;
    return Flow::Exit;
  }
  return x.hea(d);
}
// System call vectored (Book III §7.5.19): LR <- CIA + 4; CTR <- MSR (cause bits 0);
// MSR <- interrupt MSR with EE and RI kept; NIA <- 0x17000 + 0x20 × LEV (+ AIL base).
Flow op_scv(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  if ((s.fscr & fscr::enable(fscr::Facility::Scv)) == 0) {
    s.fscr = fscr::with_cause(s.fscr, fscr::Facility::Scv);
    return x.interrupt(d, Vector::FacilityUnavailable, 0);
  }
  const uint64_t old = s.msr;
  x.last = &d;
  s.lr = x.cia(d) + 4;
  s.ctr = old & ~srr1::kCauseMask;
  uint64_t m = (old & (msr::kHV | msr::kS | msr::kME | msr::kEE | msr::kRI)) | msr::kSF;
  if (s.lpcr & lpcr::kILE) m |= msr::kLE;
  uint64_t vector = 0x17000 + 0x20 * static_cast<uint64_t>(field(d.word, 20, 26) & 0x7F);
  if (lpcr::ail(s.lpcr) == 3) {
    m |= msr::kIR | msr::kDR;
    vector += 0xC000000000000000ull;
  }
  s.msr = m;
  s.nia = vector;
  x.ctx_changed = true;
  return Flow::Interrupt;
}
// The privileged returns: MSR <- new_msr(saved MSR); NIA <- saved NIA[0:61] || 0b00.
// rfid saves in SRR0/SRR1, rfscv in LR/CTR (scv's registers).
namespace {
template <uint64_t VcpuState::*SavedNia, uint64_t VcpuState::*SavedMsr>
Flow return_from_interrupt(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  VcpuState& s = *x.s;
  const uint64_t target = s.*SavedNia & kNotLow2;
  s.msr = new_msr(s.msr, s.*SavedMsr);
  x.ctx_changed = true;
  return branch_to(x, d, target);
}
}  // namespace
// MSR <- new_msr(SRR1); NIA <- SRR0[0:61] || 0b00
Flow op_rfid(Exec& x, const Decoded& d) {
  return return_from_interrupt<&VcpuState::srr0, &VcpuState::srr1>(x, d);
}
// MSR <- new_msr(CTR); NIA <- LR[0:61] || 0b00
Flow op_rfscv(Exec& x, const Decoded& d) {
  return return_from_interrupt<&VcpuState::lr, &VcpuState::ctr>(x, d);
}
// BESCR[GE] <- S; NIA <- EBBRR[0:61] || 0b00 (event-based branch return, Book II §7)
Flow op_rfebb(Exec& x, const Decoded& d) {
  bool ok;
  const Flow f = facility_gate(x, d, fscr::Facility::Ebb, &ok);
  if (!ok) return f;
  VcpuState& s = *x.s;
  s.bescr = bits::insert(s.bescr, 0, 0, field(d.word, 20, 20));
  x.ctx_changed = true;
  return branch_to(x, d, s.ebbrr & kNotLow2);
}
// Context synchronisation: the next instruction is fetched anew (ends the block).
Flow op_isync(Exec& x, const Decoded& d) { return x.end_block_after(d); }

// ---- SPRs, MSR, timebase ------------------------------------------------------------------
// RT <- SPR(spr); XER, LR, CTR inline, everything else through the SPR table (spr.hpp)
Flow op_mfspr(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  switch (d.imm) {
    case 1: s.gpr[d.rt] = s.xer; NV2_NEXT(x, d);
    case 8: s.gpr[d.rt] = s.lr; NV2_NEXT(x, d);
    case 9: s.gpr[d.rt] = s.ctr; NV2_NEXT(x, d);
    default: break;
  }
  uint64_t v = 0;
  const SprOutcome o = read_spr(s, static_cast<unsigned>(d.imm), spr_env(x, d), v);
  if (o != SprOutcome::Ok) return spr_failure(x, d, o);
  s.gpr[d.rt] = v;
  NV2_NEXT(x, d);
}
// SPR(spr) <- (RS); a table SPR may change translation or interrupts: end the block
Flow op_mtspr(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  const uint64_t v = s.gpr[d.rt];
  switch (d.imm) {
    case 8: s.lr = v; NV2_NEXT(x, d);
    case 9: s.ctr = v; NV2_NEXT(x, d);
    default: break;
  }
  const SprOutcome o = write_spr(s, static_cast<unsigned>(d.imm), spr_env(x, d), v, x.tlb);
  if (o != SprOutcome::Ok) return spr_failure(x, d, o);
  x.ctx_changed = true;
  return x.end_block_after(d);
}
// RT <- TB or TBU (TBR 268 / 269)
Flow op_mftb(Exec& x, const Decoded& d) {
  uint64_t v = 0;
  const auto tbr = static_cast<unsigned>(d.imm);
  if (tbr != 268 && tbr != 269) return x.hea(d);
  const SprOutcome o = read_spr(*x.s, tbr, spr_env(x, d), v);
  if (o != SprOutcome::Ok) return spr_failure(x, d, o);
  x.s->gpr[d.rt] = v;
  NV2_NEXT(x, d);
}
// RT <- MSR
Flow op_mfmsr(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  x.s->gpr[d.rt] = x.s->msr;
  NV2_NEXT(x, d);
}
// L=0: MSR[32:63] <- new_msr((RS))[32:63]; L=1: MSR[EE, RI] <- (RS)[EE, RI]
Flow op_mtmsr(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  VcpuState& s = *x.s;
  const uint64_t v = s.gpr[d.rt];
  if (field(d.word, 15, 15)) {
    s.msr = (s.msr & ~(msr::kEE | msr::kRI)) | (v & (msr::kEE | msr::kRI));
  } else {
    const uint64_t m = new_msr(s.msr, (s.msr & ~uint64_t{0xFFFFFFFF}) | (v & 0xFFFFFFFF));
    s.msr = (s.msr & ~uint64_t{0xFFFFFFFF}) | (m & 0xFFFFFFFF);
  }
  x.ctx_changed = true;
  return x.end_block_after(d);
}
// L=0: MSR <- new_msr((RS)); L=1: MSR[EE, RI] <- (RS)[EE, RI]
Flow op_mtmsrd(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  VcpuState& s = *x.s;
  const uint64_t v = s.gpr[d.rt];
  if (field(d.word, 15, 15)) {
    s.msr = (s.msr & ~(msr::kEE | msr::kRI)) | (v & (msr::kEE | msr::kRI));
  } else {
    s.msr = new_msr(s.msr, v);
  }
  x.ctx_changed = true;
  return x.end_block_after(d);
}

// ---- storage control ---------------------------------------------------------------------
// Ordering instructions: nv2 executes every access in program order, so no-ops.
Flow op_sync(Exec& x, const Decoded& d) { NV2_NEXT(x, d); }
Flow op_eieio(Exec& x, const Decoded& d) { NV2_NEXT(x, d); }
Flow op_msgsync(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  NV2_NEXT(x, d);
}
Flow op_tlbsync(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  NV2_NEXT(x, d);
}

namespace {
// TLB invalidation of (RB) IS field (bits 52:53), PID (RS)[0:31], RIC (Book III §5.9.3.3).
Flow invalidate(Exec& x, const Decoded& d) {
  VcpuState& s = *x.s;
  const uint64_t rb = s.gpr[d.rb];
  const unsigned is = static_cast<unsigned>(bits::extract(rb, 52, 53));
  const unsigned ric = field(d.word, 12, 13);
  const auto pid = static_cast<uint32_t>(s.gpr[d.rt] >> 32);
  if (ric != 0 || is >= 2) {
    x.tlb.flush_all();
  } else if (is == 1) {
    x.tlb.flush_pid(pid);
  } else {
    x.tlb.flush_ea(rb & ~uint64_t{0xFFF}, pid);
  }
  x.flush_host_pages();
  return x.end_block_after(d);
}
}  // namespace

// Invalidate TLB entries (process-scoped only from an L2): privileged; without
// LPCR[GTSE] or for partition-scoped entries (PRS=0) the L0 handles it (HEA).
Flow op_tlbie(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  if ((x.s->lpcr & lpcr::kGTSE) == 0 || field(d.word, 14, 14) == 0) return x.hea(d);
  // The global form (Book III §5.10.1): this vCPU invalidates precisely, every other vCPU of
  // the guest flushes its translations at its next block boundary (TlbDomain).
  const Flow f = invalidate(x, d);
  x.tlb.note_own_broadcast(x.domain->broadcast());
  return f;
}
// Invalidate this thread's TLB entries: privileged; partition-scoped (PRS=0) -> HEA
Flow op_tlbiel(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  if (field(d.word, 14, 14) == 0) return x.hea(d);
  return invalidate(x, d);
}
// Radix has no SLB; slbia/slbie invalidate the lookaside buffers (nv2: all cached
// translations of this vCPU).
Flow op_slbia(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  x.flush_all_translations();
  return x.end_block_after(d);
}
Flow op_slbie(Exec& x, const Decoded& d) { return op_slbia(x, d); }

// Directed privileged doorbell to thread TIR = (RB)[57:63] of this vCPU (message type
// (RB)[32:36] = 5). An L2 vCPU is one thread: TIR 0 sets DPDES bit 63.
Flow op_msgsndp(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  bool ok;
  const Flow f = facility_gate(x, d, fscr::Facility::Msgp, &ok);
  if (!ok) return f;
  const uint64_t rb = x.s->gpr[d.rb];
  if (bits::extract(rb, 32, 36) == 5 && bits::extract(rb, 57, 63) == 0) x.s->dpdes |= 1;
  x.ctx_changed = true;
  return x.end_block_after(d);
}
// Clear the directed privileged doorbell of thread TIR = (RB)[57:63]
Flow op_msgclrp(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  bool ok;
  const Flow f = facility_gate(x, d, fscr::Facility::Msgp, &ok);
  if (!ok) return f;
  const uint64_t rb = x.s->gpr[d.rb];
  if (bits::extract(rb, 32, 36) == 5 && bits::extract(rb, 57, 63) == 0) x.s->dpdes &= ~uint64_t{1};
  NV2_NEXT(x, d);
}

// ---- idle ------------------------------------------------------------------------------
// Enter a power-saving state; resume at CIA + 4 when an interrupt is pending. The run loop
// idles until the next timer event and exits Stopped past the HDEC deadline (spec §9.4).
Flow op_stop(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  x.idle_request = true;
  return x.end_block_after(d);
}
// WC=0: wait for an interrupt (as stop); WC=1/2 (reservation loss, PMU event) and the
// reserved 3: no-op (nothing else can wake them in nv2).
Flow op_wait(Exec& x, const Decoded& d) {
  if (field(d.word, 9, 10) == 0) x.idle_request = true;
  return x.end_block_after(d);
}

// ---- what the L2 may not execute, or nv2 does not implement --------------------------------
// Hypervisor privileged: program interrupt (privileged) in problem state, else HEA to the L0.
Flow op_hypervisor_only(Exec& x, const Decoded& d) {
  if (privileged_denied(x)) return x.program(d, srr1::kProgramPrivileged);
  return x.hea(d);
}
// Illegal or reserved encoding: HEA with HEIR = the word, as POWER9 (the L1 decides).
Flow op_illegal(Exec& x, const Decoded& d) { return x.hea(d); }
// FP / VMX / VSX: the facility's unavailable interrupt when its MSR bit is 0, otherwise the
// engine does not implement it yet: ExitKind::Unimplemented with HEIR = the word.
Flow op_facility(Exec& x, const Decoded& d) {
  const uint32_t f = insn(d.desc).flags;
  const uint64_t m = x.s->msr;
  if ((f & flag::kFp) && !(m & msr::kFP)) return x.interrupt(d, Vector::FpUnavailable, 0);
  if ((f & flag::kVec) && !(m & msr::kVEC)) return x.interrupt(d, Vector::VmxUnavailable, 0);
  if ((f & flag::kVsx) && !(m & msr::kVSX)) return x.interrupt(d, Vector::VsxUnavailable, 0);
  return x.deferred_facility(d);  // FP/VMX/VSX semantics come with a later issue
}
// Block sentinel: NIA <- the fall-through address after the block's last instruction.
Flow op_end_of_block(Exec& x, const Decoded& d) {
  x.last = &d;
  x.s->nia = x.cia(d);
  return Flow::EndBlock;
}

}  // namespace nv2::isa
