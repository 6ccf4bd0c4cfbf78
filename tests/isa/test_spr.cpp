// The SPR table and mfspr/mtspr for an L2 (Power ISA 3.0B Book III §4, §5.4.4).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "isa/interrupts.hpp"
#include "isa/spr.hpp"

namespace nv2::isa {
namespace {

constexpr uint64_t kPriv = msr::kSF | msr::kIR | msr::kDR;
constexpr uint64_t kUser = kPriv | msr::kPR;

// Every facility on in both FSCR and HFSCR, PMU open to problem state.
VcpuState open_state(uint64_t m) {
  VcpuState s;
  s.msr = m;
  s.fscr = s.hfscr = 0xFFFF;
  s.mmcr[0] = bits::insert(0, 44, 45, 2);  // PMCC = 0b10
  s.amor = s.uamor = ~uint64_t{0};
  return s;
}

TEST(SprTable, NamesAreUniqueAndNumbersResolve) {
  std::set<std::string> names;
  for (const SprInfo& e : spr_table()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_EQ(find_spr(e.number), &e) << e.name;
  }
  EXPECT_EQ(find_spr(2), nullptr);
  EXPECT_EQ(find_spr(1024), nullptr);
}

TEST(SprTable, ProblemStateRuleFollowsSprNumberBit) {
  // ISA 3.0B §5.4.4: numbers with 0x10 set are privileged; problem state gets a privileged
  // program interrupt for them, defined or not.
  for (unsigned n = 0; n < 1024; ++n) {
    VcpuState s = open_state(kUser);
    uint64_t v = 0;
    const SprOutcome r = read_spr(s, n, {}, v);
    const SprOutcome w = write_spr(s, n, {}, 0, *std::make_unique<SoftTlb>());
    if ((n & 0x10) != 0) {
      EXPECT_EQ(r, SprOutcome::Privileged) << n;
      EXPECT_EQ(w, SprOutcome::Privileged) << n;
      continue;
    }
    const SprInfo* e = find_spr(n);
    const SprOutcome want_r = e != nullptr && e->read == SprAccess::Problem ? SprOutcome::Ok
                                                                             : SprOutcome::Illegal;
    const SprOutcome want_w = e != nullptr && e->write == SprAccess::Problem ? SprOutcome::Ok
                                                                              : SprOutcome::Illegal;
    EXPECT_EQ(r, want_r) << n;
    EXPECT_EQ(w, want_w) << n;
  }
}

TEST(SprTable, PrivilegedStateAccessMatchesTheTable) {
  SoftTlb tlb;
  for (unsigned n = 0; n < 1024; ++n) {
    VcpuState s = open_state(kPriv);
    uint64_t v = 0;
    const SprInfo* e = find_spr(n);
    const auto want = [&](SprAccess a) {
      return e != nullptr && (a == SprAccess::Problem || a == SprAccess::Privileged)
                 ? SprOutcome::Ok
                 : SprOutcome::Illegal;
    };
    EXPECT_EQ(read_spr(s, n, {}, v), want(e ? e->read : SprAccess::None)) << n;
    EXPECT_EQ(write_spr(s, n, {}, 0, tlb), want(e ? e->write : SprAccess::None)) << n;
  }
}

TEST(SprTable, HypervisorSprsAreIllegalForAnL2) {
  SoftTlb tlb;
  VcpuState s = open_state(kPriv);
  uint64_t v = 0;
  for (const unsigned n : {318u /* LPCR */, 190u /* HFSCR */, 349u /* AMOR */, 180u /* DAWR0 */,
                           187u /* CIABR */, 310u /* HDEC */, 464u /* PTCR */, 25u /* SDR1 */,
                           469u /* HASHPKEYR */}) {
    EXPECT_EQ(read_spr(s, n, {}, v), SprOutcome::Illegal) << n;
    EXPECT_EQ(write_spr(s, n, {}, 1, tlb), SprOutcome::Illegal) << n;
  }
  // Privileged-read, hypervisor-write SPRs.
  for (const unsigned n : {176u /* DPDES */, 309u /* PURR */, 308u /* SPURR */, 351u /* VTB */}) {
    EXPECT_EQ(read_spr(s, n, {}, v), SprOutcome::Ok) << n;
    EXPECT_EQ(write_spr(s, n, {}, 1, tlb), SprOutcome::Illegal) << n;
  }
}

TEST(Spr, PlainRegistersRoundTripIntoTheirStateFields) {
  SoftTlb tlb;
  struct Case {
    unsigned n;
    uint64_t VcpuState::*field;
  };
  for (const Case c : {Case{8, &VcpuState::lr}, Case{9, &VcpuState::ctr}, Case{19, &VcpuState::dar},
                       Case{26, &VcpuState::srr0}, Case{27, &VcpuState::srr1},
                       Case{28, &VcpuState::cfar}, Case{17, &VcpuState::dscr},
                       Case{153, &VcpuState::fscr}, Case{815, &VcpuState::tar},
                       Case{804, &VcpuState::ebbhr}, Case{805, &VcpuState::ebbrr},
                       Case{806, &VcpuState::bescr}, Case{828, &VcpuState::dexcr},
                       Case{468, &VcpuState::hashkeyr}, Case{796, &VcpuState::siar},
                       Case{797, &VcpuState::sdar}, Case{786, &VcpuState::mmcra}}) {
    VcpuState s = open_state(kPriv);
    const uint64_t value = 0x0123456789ABCDE0ull ^ c.n;
    ASSERT_EQ(write_spr(s, c.n, {}, value, tlb), SprOutcome::Ok) << c.n;
    EXPECT_EQ(s.*c.field, value) << c.n;
    uint64_t back = 0;
    ASSERT_EQ(read_spr(s, c.n, {}, back), SprOutcome::Ok) << c.n;
    EXPECT_EQ(back, value) << c.n;
  }
}

TEST(Spr, ThirtyTwoBitRegistersTakeTheLowWord) {
  SoftTlb tlb;
  VcpuState s = open_state(kPriv);
  ASSERT_EQ(write_spr(s, 18, {}, 0xFFFFFFFF42000000ull, tlb), SprOutcome::Ok);  // DSISR
  EXPECT_EQ(s.dsisr, 0x42000000u);
  ASSERT_EQ(write_spr(s, 48, {}, 0x100000007ull, tlb), SprOutcome::Ok);  // PIDR
  EXPECT_EQ(s.pidr, 7u);
  ASSERT_EQ(write_spr(s, 789, {}, 0xAB, tlb), SprOutcome::Ok);  // PMC3
  EXPECT_EQ(s.pmc[2], 0xABu);
  ASSERT_EQ(write_spr(s, 256, {}, 0x5555, tlb), SprOutcome::Ok);  // VRSAVE
  EXPECT_EQ(s.vrsave, 0x5555u);
}

TEST(Spr, SprgAndTheUserReadOnlyAlias) {
  SoftTlb tlb;
  VcpuState s = open_state(kPriv);
  for (unsigned i = 0; i < 4; ++i) {
    ASSERT_EQ(write_spr(s, 272 + i, {}, 100 + i, tlb), SprOutcome::Ok);
    EXPECT_EQ(s.sprg[i], 100 + i);
  }
  s.msr = kUser;
  uint64_t v = 0;
  EXPECT_EQ(read_spr(s, 259, {}, v), SprOutcome::Ok);
  EXPECT_EQ(v, 103u);
  EXPECT_EQ(write_spr(s, 259, {}, 1, tlb), SprOutcome::Illegal);
  EXPECT_EQ(read_spr(s, 272, {}, v), SprOutcome::Privileged);
}

TEST(Spr, XerKeepsOnlyItsDefinedBits) {
  SoftTlb tlb;
  VcpuState s = open_state(kUser);
  ASSERT_EQ(write_spr(s, 1, {}, ~uint64_t{0}, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.xer, 0xE00C007Full);  // SO OV CA (32:34), OV32 CA32 (44:45), count (57:63)
}

TEST(Spr, AmrWritesAreMaskedByUamorInProblemStateAndAmorInPrivileged) {
  SoftTlb tlb;
  VcpuState s;
  s.msr = kUser;
  s.uamor = 0xF0;
  s.amor = 0xFF00;
  s.amr = 0x0F0F;
  ASSERT_EQ(write_spr(s, 13, {}, 0xFFFF, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.amr, 0x0FFFu);
  s.msr = kPriv;
  ASSERT_EQ(write_spr(s, 29, {}, 0, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.amr, 0x00FFu);
  ASSERT_EQ(write_spr(s, 61, {}, 0xFFFF, tlb), SprOutcome::Ok);  // IAMR
  EXPECT_EQ(s.iamr, 0xFF00u);
  ASSERT_EQ(write_spr(s, 157, {}, 0xFFFF, tlb), SprOutcome::Ok);  // UAMOR
  EXPECT_EQ(s.uamor, 0xFFF0u);
}

TEST(Spr, TimebaseReadsTheL2Timebase) {
  VcpuState s = open_state(kUser);
  SprEnv env;
  env.l2_tb = 0x123456789ABCull;
  uint64_t v = 0;
  ASSERT_EQ(read_spr(s, 268, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 0x123456789ABCull);
  ASSERT_EQ(read_spr(s, 269, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 0x1234u);
  SoftTlb tlb;
  s.msr = kPriv;
  EXPECT_EQ(write_spr(s, 284, env, 0, tlb), SprOutcome::Illegal);  // TBL write: hypervisor
}

TEST(Spr, DecrementerIsRelativeToExpiry) {
  SoftTlb tlb;
  VcpuState s = open_state(kPriv);
  SprEnv env;
  env.l2_tb = 1'000'000;
  ASSERT_EQ(write_spr(s, 22, env, 5000, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.dec_expiry_tb, 1'005'000u);
  env.l2_tb = 1'004'000;
  uint64_t v = 0;
  ASSERT_EQ(read_spr(s, 22, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 1000u);
  env.l2_tb = 1'005'001;
  ASSERT_EQ(read_spr(s, 22, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 0xFFFFFFFFu);  // -1 in 32 bits, zero-extended like every 32-bit SPR
  EXPECT_TRUE(decrementer_expired(s, env.l2_tb));
  // A negative 32-bit value means "already expired".
  ASSERT_EQ(write_spr(s, 22, env, 0xFFFFFFFF, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.dec_expiry_tb, env.l2_tb - 1);
  // Only the low 32 bits count without LPCR[LD].
  ASSERT_EQ(write_spr(s, 22, env, 0x100000010ull, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.dec_expiry_tb, env.l2_tb + 0x10);
}

TEST(Spr, LargeDecrementerIs56Bits) {
  VcpuState s;
  s.lpcr = lpcr::kLD;
  set_dec(s, 100, 0x0000000100000000ull);
  EXPECT_EQ(s.dec_expiry_tb, 100 + 0x100000000ull);
  EXPECT_EQ(dec_value(s, 100), 0x100000000ull);
  set_dec(s, 100, 0x0080000000000000ull);  // bit 8 = the 56-bit sign: negative
  EXPECT_EQ(static_cast<int64_t>(dec_value(s, 100)), -(int64_t{1} << 55));
}

TEST(Spr, FscrGatesProblemStateAccessAndRecordsTheCause) {
  SoftTlb tlb;
  VcpuState s = open_state(kUser);
  s.fscr &= ~fscr::enable(fscr::Facility::Tar);
  uint64_t v = 0;
  EXPECT_EQ(read_spr(s, 815, {}, v), SprOutcome::FacilityUnavailable);
  EXPECT_EQ(bits::extract(s.fscr, 0, 7), 8u);  // IC = TAR
  // Privileged state is not subject to FSCR.
  s.msr = kPriv;
  EXPECT_EQ(write_spr(s, 815, {}, 0x40, tlb), SprOutcome::Ok);
  // EBB and DSCR (problem-state number 3).
  s = open_state(kUser);
  s.fscr &= ~fscr::enable(fscr::Facility::Ebb);
  EXPECT_EQ(write_spr(s, 804, {}, 1, tlb), SprOutcome::FacilityUnavailable);
  EXPECT_EQ(bits::extract(s.fscr, 0, 7), 7u);
  s = open_state(kUser);
  s.fscr &= ~fscr::enable(fscr::Facility::Dscr);
  EXPECT_EQ(read_spr(s, 3, {}, v), SprOutcome::FacilityUnavailable);
  EXPECT_EQ(bits::extract(s.fscr, 0, 7), 2u);
}

TEST(Spr, HfscrGatesEveryStateAndGoesToTheL0) {
  SoftTlb tlb;
  VcpuState s = open_state(kPriv);
  s.hfscr &= ~fscr::enable(fscr::Facility::Pm);
  uint64_t v = 0;
  EXPECT_EQ(read_spr(s, 795, {}, v), SprOutcome::HvFacilityUnavailable);  // MMCR0
  EXPECT_EQ(bits::extract(s.hfscr, 0, 7), 3u);
  s = open_state(kPriv);
  s.hfscr &= ~fscr::enable(fscr::Facility::Dscr);
  EXPECT_EQ(write_spr(s, 17, {}, 1, tlb), SprOutcome::HvFacilityUnavailable);
  EXPECT_EQ(bits::extract(s.hfscr, 0, 7), 2u);
  EXPECT_EQ(s.dscr, 0u);  // nothing written
  // FSCR (the L2 OS's choice) is evaluated before HFSCR in problem state.
  s = open_state(kUser);
  s.fscr &= ~fscr::enable(fscr::Facility::Tar);
  s.hfscr &= ~fscr::enable(fscr::Facility::Tar);
  EXPECT_EQ(read_spr(s, 815, {}, v), SprOutcome::FacilityUnavailable);
}

TEST(Spr, ProblemStatePmuAliasesFollowMmcr0Pmcc) {
  SoftTlb tlb;
  VcpuState s = open_state(kUser);
  s.mmcr[0] = 0;  // PMCC = 0b00
  uint64_t v = 0;
  EXPECT_EQ(read_spr(s, 771, {}, v), SprOutcome::FacilityUnavailable);
  s.mmcr[0] = bits::insert(0, 44, 45, 1);  // read only
  s.pmc[0] = 77;
  EXPECT_EQ(read_spr(s, 771, {}, v), SprOutcome::Ok);
  EXPECT_EQ(v, 77u);
  EXPECT_EQ(write_spr(s, 771, {}, 1, tlb), SprOutcome::FacilityUnavailable);
  s.mmcr[0] = bits::insert(0, 44, 45, 2);
  EXPECT_EQ(write_spr(s, 771, {}, 1, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.pmc[0], 1u);
}

TEST(Spr, PprCtrlBescrAndIdentityRegisters) {
  SoftTlb tlb;
  VcpuState s = open_state(kUser);
  ASSERT_EQ(write_spr(s, 896, {}, ~uint64_t{0}, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.ppr, bits::field_mask(11, 13));
  uint64_t v = 0;
  ASSERT_EQ(read_spr(s, 898, {}, v), SprOutcome::Ok);
  EXPECT_EQ(v, bits::field_mask(11, 13) >> 32);
  ASSERT_EQ(write_spr(s, 898, {}, 0, tlb), SprOutcome::Ok);
  EXPECT_EQ(s.ppr, 0u);

  s.msr = kPriv;
  ASSERT_EQ(write_spr(s, 152, {}, 0xFF, tlb), SprOutcome::Ok);  // CTRLT: RUN only
  EXPECT_EQ(s.ctrl, 1u);
  s.msr = kUser;
  ASSERT_EQ(read_spr(s, 136, {}, v), SprOutcome::Ok);
  EXPECT_EQ(v, 1u);

  s.bescr = 0;
  ASSERT_EQ(write_spr(s, 800, {}, 0x5, tlb), SprOutcome::Ok);   // BESCRS
  ASSERT_EQ(write_spr(s, 801, {}, 0x80000000, tlb), SprOutcome::Ok);  // BESCRSU
  EXPECT_EQ(s.bescr, 0x8000000000000005ull);
  ASSERT_EQ(write_spr(s, 802, {}, 0x1, tlb), SprOutcome::Ok);   // BESCRR
  ASSERT_EQ(write_spr(s, 803, {}, 0x80000000, tlb), SprOutcome::Ok);  // BESCRRU
  EXPECT_EQ(s.bescr, 0x4u);

  s.msr = kPriv;
  SprEnv env;
  env.pvr = 0x004E1202;
  env.pir = 3;
  ASSERT_EQ(read_spr(s, 287, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 0x004E1202u);
  ASSERT_EQ(read_spr(s, 1023, env, v), SprOutcome::Ok);
  EXPECT_EQ(v, 3u);
  EXPECT_EQ(write_spr(s, 287, env, 0, tlb), SprOutcome::Illegal);
}

}  // namespace
}  // namespace nv2::isa
