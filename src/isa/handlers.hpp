// Instruction handlers named in the instruction table (insn_table.hpp).
//
// Each handler executes one instruction on the Exec it is given: no global CPU state.
// The definitions (exec_*.cpp) open with the ISA pseudo-code as their first comment line.
// Loads and stores are templates over width/sign/addressing (exec_mem.hpp).
#pragma once

#include "isa/insn.hpp"

namespace nv2::isa {

#define NV2_ISA_HANDLERS(X)                                                                   \
  /* fixed-point arithmetic (Book I §3.3.9-§3.3.10) */                                        \
  X(addi) X(addis) X(addic) X(addic_rc) X(subfic) X(mulli) X(addpcis)                        \
  X(add) X(addc) X(adde) X(addme) X(addze) X(subf) X(subfc) X(subfe) X(subfme) X(subfze)     \
  X(neg) X(addex)                                                                             \
  X(mullw) X(mulhw) X(mulhwu) X(mulld) X(mulhd) X(mulhdu)                                     \
  X(divw) X(divwu) X(divwe) X(divweu) X(divd) X(divdu) X(divde) X(divdeu)                     \
  X(modsw) X(moduw) X(modsd) X(modud) X(maddhd) X(maddhdu) X(maddld)                          \
  /* compare and trap (§3.3.11-§3.3.12) */                                                    \
  X(cmp) X(cmpl) X(cmpi) X(cmpli) X(cmprb) X(cmpeqb) X(setb) X(tw) X(td) X(twi) X(tdi)        \
  /* logical (§3.3.13) */                                                                     \
  X(andi_rc) X(andis_rc) X(ori) X(oris) X(xori) X(xoris)                                     \
  X(and_) X(andc) X(or_) X(orc) X(xor_) X(nand) X(nor) X(eqv) X(extsb) X(extsh) X(extsw)      \
  X(cntlzw) X(cntlzd) X(cnttzw) X(cnttzd) X(popcntb) X(popcntw) X(popcntd) X(prtyw) X(prtyd)  \
  X(cmpb) X(bpermd)                                                                           \
  /* rotate and shift (§3.3.14-§3.3.15) */                                                    \
  X(rlwinm) X(rlwnm) X(rlwimi) X(rldicl) X(rldicr) X(rldic) X(rldimi) X(rldcl) X(rldcr)       \
  X(slw) X(srw) X(sraw) X(srawi) X(sld) X(srd) X(srad) X(sradi) X(extswsli)                   \
  /* moves, isel, darn (§3.3.16-§3.3.17) */                                                   \
  X(isel) X(darn) X(mcrxrx) X(mfcr) X(mfocrf) X(mtcrf) X(mtocrf)                             \
  /* CR logical (§2.5.1) */                                                                   \
  X(crand) X(cror) X(crxor) X(crnand) X(crnor) X(creqv) X(crandc) X(crorc) X(mcrf)           \
  /* branch and system call (§2.4, §2.5; Book III §4.3) */                                    \
  X(b) X(bc) X(bclr) X(bcctr) X(bctar) X(sc) X(scv) X(rfid) X(rfscv) X(rfebb) X(isync)        \
  /* storage control (Book II §4; Book III §5.9, §6) */                                       \
  X(sync) X(eieio) X(msgsync) X(dcbz) X(dcb_touch) X(dcb_flush) X(icbi) X(icbt)              \
  X(tlbie) X(tlbiel) X(tlbsync) X(slbia) X(slbie) X(msgsndp) X(msgclrp)                      \
  /* larx / stcx (Book II §4.4.2) */                                                          \
  X(lbarx) X(lharx) X(lwarx) X(ldarx) X(lqarx) X(stbcx) X(sthcx) X(stwcx) X(stdcx) X(stqcx)   \
  /* multiple, string, quadword (§3.3.6-§3.3.7) */                                            \
  X(lmw) X(stmw) X(lswi) X(lswx) X(stswi) X(stswx) X(lq) X(stq)                              \
  /* atomic memory operations (Book II §4.5) */                                               \
  X(lwat) X(ldat) X(stwat) X(stdat)                                                           \
  /* special purpose registers, MSR, timebase (Book III §4.4) */                              \
  X(mfspr) X(mtspr) X(mftb) X(mfmsr) X(mtmsr) X(mtmsrd) X(stop) X(wait)                      \
  /* events the L0 handles, and the FP/VMX/VSX facilities deferred to a later issue */       \
  X(hypervisor_only) X(illegal) X(facility) X(end_of_block)

#define NV2_ISA_DECLARE(name) Flow op_##name(Exec& x, const Decoded& d);
NV2_ISA_HANDLERS(NV2_ISA_DECLARE)
#undef NV2_ISA_DECLARE

}  // namespace nv2::isa
