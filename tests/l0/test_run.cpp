// End-to-end runs of small L2 programs (tests/l0/asm/*.s, assembled at build time) through
// the hcall API only: the test is a minimal L1 that loads the program into its memory,
// builds the partition-scoped table, sets the registers and runs the vCPU to each exit.
#include <gtest/gtest.h>

#include <cstring>

#include "isa/interrupts.hpp"
#include "isa/radix.hpp"
#include "l0/guest.hpp"
#include "l0/run_output.hpp"
#include "support_l1.hpp"

namespace nv2::l0::test {
namespace {

using namespace isa;
constexpr uint64_t kMsrL2 = msr::kSF | msr::kME | msr::kRI | msr::kLE;  // 64-bit LE, real mode
constexpr uint64_t kEntry = 0x10000;  // L2 real address the programs are loaded at

class Run : public ::testing::Test {
 protected:
  explicit Run(HostConfig cfg = deterministic()) : w(cfg) {}
  static HostConfig deterministic() {
    HostConfig cfg;
    cfg.timebase_mode = Timebase::Mode::Deterministic;
    return cfg;
  }
  void SetUp() override {
    build_partition_table(w.l1.mem());
    g = w.l1.ready_guest();
  }
  // Load `program` at L2 real `at` and point vCPU 0 at `entry`.
  void load(const char* program, uint64_t at = kEntry, uint64_t entry = kEntry, uint64_t msr = kMsrL2) {
    const auto code = load_program(program);
    ASSERT_FALSE(code.empty());
    std::memcpy(w.l1.mem().base() + kL2Base + at, code.data(), code.size());
    ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kNia, entry}, {gsb::id::kMsr, msr}}).status, HStatus::Success);
    w.l1.run_input();
  }
  uint64_t out64(const gsb::Reader& r, gsb::ElementId id) {
    const auto e = r.find(id);
    EXPECT_TRUE(e.has_value()) << gsb::element_name(id) << " missing from the output buffer";
    return e ? e->be64() : 0;
  }

  World w;
  uint64_t g = 0;
};

TEST_F(Run, HcallExitCarriesGpr3To12AndDecExpiryThenReruns) {
  load("hcall");
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kDecExpiry, uint64_t{0x123456789}}}).status, HStatus::Success);
  Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  EXPECT_EQ(a.r4, 0xC00u);
  gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 11u);  // exactly §5's list + DEC expiry
  EXPECT_EQ(out64(out, gsb::id::gpr(3)), 0x58u);
  for (unsigned r = 4; r <= 12; ++r) EXPECT_EQ(out64(out, gsb::id::gpr(r)), 0x100u + r) << r;
  EXPECT_EQ(out64(out, gsb::id::kDecExpiry), 0x123456789u);
  EXPECT_FALSE(out.contains(gsb::id::kNia));

  // The L1 answers the hcall through the run input buffer (r3 = H_SUCCESS... here 0x700),
  // the L2 continues after its sc 1, adds one to r3 and calls again.
  w.l1.run_input({{gsb::id::gpr(3), uint64_t{0x700}}});
  a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success);
  EXPECT_EQ(a.r4, 0xC00u);
  out = w.l1.output();
  EXPECT_EQ(out64(out, gsb::id::gpr(3)), 0x701u);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::gpr(20)), 1u);  // one round trip counted by L2
}

TEST_F(Run, HdecExitWhenTheTimebaseReachesHdecExpiry) {
  load("spin");
  // Deterministic timebase: one tick per instruction, L2 TB = host TB + offset (0).
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kHdecExpiry, uint64_t{5000}}}).status, HStatus::Success);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  EXPECT_EQ(a.r4, 0x980u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 1u);
  EXPECT_TRUE(out.contains(gsb::id::kDecExpiry));
  // The L2 made progress until the deadline, and not far beyond it.
  const uint64_t spins = w.l1.reg64(g, 0, gsb::id::gpr(14));
  EXPECT_GT(spins, 1000u);
  EXPECT_LT(spins, 5000u);
}

// The run keeps a per-vCPU copy of the guest config and re-takes it only when a guest-wide
// SET (or a flush) moved the guest's version (docs/perf/l0.md): a TB offset set between two
// runs must reach the second one. With a stale offset of 0 the L2 would spin ~10^6
// instructions to the new HDEC expiry; with the new offset it is already past it.
TEST_F(Run, AGuestWideSetBetweenRunsReachesTheNextRun) {
  load("spin");
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kHdecExpiry, uint64_t{5000}}}).status, HStatus::Success);
  Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0x980u);
  const uint64_t spins = w.l1.reg64(g, 0, gsb::id::gpr(14));
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kHdecExpiry, uint64_t{1} << 20}}).status, HStatus::Success);
  ASSERT_EQ(w.l1.set(papr::state_flag::kGuestWide, g, 0, {{gsb::id::kTbOffset, uint64_t{1} << 21}}).status, HStatus::Success);
  w.l1.run_input();
  a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  EXPECT_EQ(a.r4, 0x980u);
  EXPECT_LT(w.l1.reg64(g, 0, gsb::id::gpr(14)) - spins, 100u) << "the run used the new TB offset";
}

// vCPUs below Guest::kDirectVcpus are found for a run without the guest mutex, the others
// through the map (docs/perf/l0.md): both kinds run, and an ID never created is H_P3 in
// either range.
TEST_F(Run, VcpusInsideAndBeyondTheDirectTableRunAndUnknownOnesAreP3) {
  load("hcall");
  for (const uint64_t id : {uint64_t{Guest::kDirectVcpus - 1}, uint64_t{Guest::kDirectVcpus}, uint64_t{1000}}) {
    ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, id}).status, HStatus::Success) << id;
    w.l1.register_run_buffers(g, id);
    ASSERT_EQ(w.l1.set(0, g, id, {{gsb::id::kNia, kEntry}, {gsb::id::kMsr, kMsrL2}}).status, HStatus::Success);
    w.l1.run_input();
    const Answer a = w.l1.run(g, id);
    ASSERT_EQ(a.status, HStatus::Success) << id << " " << papr::name(a.status);
    EXPECT_EQ(a.r4, 0xC00u) << id;
    EXPECT_EQ(out64(w.l1.output(), gsb::id::gpr(4)), 0x104u) << id;
  }
  for (const uint64_t id : {uint64_t{5}, uint64_t{Guest::kDirectVcpus + 1}, uint64_t{2047}})
    EXPECT_EQ(w.l1.run(g, id).status, HStatus::P3) << id;
}

// RUN finds guests with IDs below 64 through the partition's guest slots (no lock, no
// reference count; docs/decisions/l0.md): an ID never created, inside or beyond the slots,
// is P2, and so is a deleted guest's ID once the delete returned.
TEST_F(Run, UnknownAndDeletedGuestIdsInsideAndBeyondTheGuestSlotsAreP2) {
  load("hcall");
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  for (const uint64_t id : {g + 1, uint64_t{63}, uint64_t{64}, uint64_t{1000}})
    EXPECT_EQ(w.l1.run(id, 0).status, HStatus::P2) << id;
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_DELETE, {0, g}).status, HStatus::Success);
  EXPECT_EQ(w.l1.run(g, 0).status, HStatus::P2);
}

TEST_F(Run, HdsiExitReportsHdarHdsisrAsdrNiaMsr) {
  build_partition_table(w.l1.mem(), /*unmapped_from=*/0x800000);  // everything mapped but 8 MiB+
  load("hdsi");
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xE00u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 6u);
  EXPECT_EQ(out64(out, gsb::id::kHdar), 0x801238u);
  const auto hdsisr = out.find(gsb::id::kHdsisr);
  ASSERT_TRUE(hdsisr.has_value());
  EXPECT_NE(hdsisr->be32() & dsisr::kNoTranslation, 0u);
  EXPECT_EQ(hdsisr->be32() & dsisr::kStore, 0u);  // a load
  const uint64_t asdr = out64(out, gsb::id::kAsdr);
  EXPECT_EQ(asdr & 0xFFF, 0u);
  EXPECT_LE(asdr, 0x801238u);
  EXPECT_GE(asdr, 0x800000u);
  EXPECT_EQ(out64(out, gsb::id::kNia), kEntry + 8);  // the ld, third instruction
  EXPECT_EQ(out64(out, gsb::id::kMsr), kMsrL2);
}

TEST_F(Run, HeaExitReportsHeirNiaMsr) {
  load("hea");
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xE40u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 4u);
  EXPECT_EQ(out64(out, gsb::id::kHeir), 0x00000001u);
  EXPECT_EQ(out64(out, gsb::id::kNia), kEntry + 4);
  EXPECT_EQ(out64(out, gsb::id::kMsr), kMsrL2);
  EXPECT_TRUE(out.contains(gsb::id::kDecExpiry));
}

TEST_F(Run, HisiExitReportsAsdrNiaMsr) {
  build_partition_table(w.l1.mem(), /*unmapped_from=*/0x800000);
  load("hisi");
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xE20u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 5u);
  EXPECT_TRUE(out.contains(gsb::id::kHdar));
  EXPECT_EQ(out64(out, gsb::id::kNia), 0x800000u);
  const uint64_t asdr = out64(out, gsb::id::kAsdr);
  EXPECT_EQ(asdr & ~uint64_t{0xFFFF}, 0x800000u);
  // The MSR element is HSRR1: the L2's MSR with the ISI cause, here "no translation" alone
  // (a real-mode fetch: no process-scoped table read, so no bit 46).
  EXPECT_EQ(out64(out, gsb::id::kMsr), kMsrL2 | hisi::kNoTranslation);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), kMsrL2) << "the L2's own MSR has no cause bits";
}

// The partition-scoped leaf PTE (in L1 memory) that maps L2 real `l2` in the table
// build_partition_table made (52-bit EA: 13/9/9/5 index bits, 64 KiB pages).
uint64_t leaf_pte_address(const papr::RealMemory& mem, uint64_t l2) {
  using radix::kNlbMask;
  const uint64_t d2 = mem.load_be64(kPtRoot + ((l2 >> 39) & 0x1FFF) * 8) & kNlbMask;
  const uint64_t d3 = mem.load_be64(d2 + ((l2 >> 30) & 0x1FF) * 8) & kNlbMask;
  const uint64_t d4 = mem.load_be64(d3 + ((l2 >> 21) & 0x1FF) * 8) & kNlbMask;
  return d4 + ((l2 >> 16) & 0x1F) * 8;
}

// A fetch from a page the partition-scoped table maps without execute permission: HISI
// with the protection cause (bit 36) in the MSR element. The L1 then grants execute and
// sends the exit's MSR back, as a Linux L1 may (it keeps HSRR1 as the vCPU's MSR), by
// SET_STATE and in the run input (twice: the first input of a shape goes through
// write_element, a repeated one through the run input plan): the L2 runs on with its own
// MSR, the reserved cause bits never reach it.
TEST_F(Run, HisiOnAnExecuteProtectedPageReportsProtectionAndTheMsrSentBackDoesNotLeak) {
  load("hcall");
  const uint64_t pte_at = leaf_pte_address(w.l1.mem(), kEntry);
  const uint64_t pte = w.l1.mem().load_be64(pte_at);
  ASSERT_NE(pte & radix::kEaaExecute, 0u);
  w.l1.mem().store_be64(pte_at, pte & ~radix::kEaaExecute);

  Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xE20u);
  gsb::Reader out = w.l1.output();
  EXPECT_EQ(out64(out, gsb::id::kNia), kEntry);
  EXPECT_EQ(out64(out, gsb::id::kAsdr), kEntry);
  const uint64_t exit_msr = out64(out, gsb::id::kMsr);
  EXPECT_EQ(exit_msr, kMsrL2 | hisi::kProtection);
  EXPECT_EQ(exit_msr & hisi::kNoTranslation, 0u);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), kMsrL2);

  // SET_STATE of the exit's MSR: the cause bit is dropped, the rest is set.
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kMsr, exit_msr}}).status, HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), kMsrL2);
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kMsr, exit_msr | hisi::kCauseBits}}).status, HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), kMsrL2) << "no cause bit is settable";

  w.l1.mem().store_be64(pte_at, pte);  // execute granted (faults are never cached)
  for (int rerun = 0; rerun < 2; ++rerun) {
    w.l1.run_input({{gsb::id::kMsr, exit_msr | hisi::kCauseBits}});
    a = w.l1.run(g, 0);
    ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
    ASSERT_EQ(a.r4, 0xC00u) << "rerun " << rerun;
    EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kMsr), kMsrL2) << "rerun " << rerun;
  }
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::gpr(20)), 1u);  // the second rerun resumed after sc 1
}

TEST_F(Run, HvFacilityUnavailableExitReportsHfscrNiaMsr) {
  load("hfac");
  // HFSCR with TAR (facility 8) off; everything else the L2 might touch on.
  const uint64_t hfscr = ~fscr::enable(fscr::Facility::Tar) & ~fscr::kCauseMask;
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kHfscr, hfscr}}).status, HStatus::Success);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xF80u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out.count(), 4u);
  EXPECT_EQ(bits::extract(out64(out, gsb::id::kHfscr), 0, 7), 8u);  // cause: TAR
  EXPECT_EQ(out64(out, gsb::id::kNia), kEntry + 4);
  EXPECT_EQ(out64(out, gsb::id::kMsr), kMsrL2);
}

TEST_F(Run, ProblemStateHcallIsReflectedIntoL2AsAProgramInterrupt) {
  load("problem_sc", 0, 0x10000, kMsrL2 | msr::kPR);
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kLpcr, lpcr::kILE}}).status, HStatus::Success);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  ASSERT_EQ(a.r4, 0xC00u);  // the handler's privileged sc 1, not the problem-state one
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out64(out, gsb::id::gpr(3)), 0x700u);
  EXPECT_NE(out64(out, gsb::id::gpr(4)) & srr1::kProgramPrivileged, 0u);  // SRR1: privileged
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kSrr0), 0x10000u);
}

TEST_F(Run, AnInstructionTheEngineLacksIsReportedAsHea) {
  load("fp", kEntry, kEntry, kMsrL2 | msr::kFP);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
  if (a.r4 == 0xC00) GTEST_SKIP() << "the engine implements lfd now: no Unimplemented exit to observe";
  ASSERT_EQ(a.r4, 0xE40u);
  const gsb::Reader out = w.l1.output();
  EXPECT_EQ(out64(out, gsb::id::kHeir), 0xC8250000u);  // lfd f1,0(r5)
  EXPECT_EQ(out64(out, gsb::id::kNia), kEntry + 4);
}

TEST_F(Run, AKickBeforeTheRunMakesItReturnReasonZero) {
  load("spin");
  ASSERT_EQ(w.part.request_stop(g, 0), HStatus::Success);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.status, HStatus::Success);
  EXPECT_EQ(a.r4, 0x0u);
  EXPECT_TRUE(w.l1.output().contains(gsb::id::kDecExpiry));
}

TEST_F(Run, RunFlagsDeliverInterruptsInsideL2) {
  load("vectors", 0, 0x10000, kMsrL2 | msr::kEE);
  // Interrupts taken little-endian, at their architected vectors (LPCR[ILE], AIL 0).
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kLpcr, lpcr::kILE}}).status, HStatus::Success);
  struct Case {
    uint64_t flag;
    uint64_t vector;
  };
  for (const Case c : {Case{papr::run_flag::kExternalInterrupt, 0x500}, Case{papr::run_flag::kSystemReset, 0x100},
                       Case{papr::run_flag::kPrivilegedDoorbell, 0xA00}}) {
    // DEC expiry far away, so no decrementer (0x900) competes with the asked-for interrupt.
    ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kNia, uint64_t{0x10000}}, {gsb::id::kMsr, kMsrL2 | msr::kEE},
                                 {gsb::id::kDecExpiry, ~uint64_t{0}}})
                  .status,
              HStatus::Success);
    const Answer a = w.l1.run(g, 0, c.flag);
    ASSERT_EQ(a.status, HStatus::Success) << papr::name(a.status);
    ASSERT_EQ(a.r4, 0xC00u);
    EXPECT_EQ(std::get<uint64_t>(w.l1.get1(0, g, 0, gsb::id::gpr(3))), c.vector);
    EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::kSrr0), 0x10000u) << "interrupted at the loop";
  }
  // With DEC expiry in the past and MSR[EE] = 1, the L0 delivers the decrementer inside L2
  // by itself (§5): no flag needed, no exit to the L1 for it.
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kNia, uint64_t{0x10000}}, {gsb::id::kMsr, kMsrL2 | msr::kEE},
                               {gsb::id::kDecExpiry, uint64_t{0}}})
                .status,
            HStatus::Success);
  const Answer a = w.l1.run(g, 0);
  ASSERT_EQ(a.r4, 0xC00u);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::gpr(3)), 0x900u);
}

TEST_F(Run, VpaYieldCountIsEvenWhileDispatchedAndOddAfter) {
  load("hcall");
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kVpa, kVpaAddr}}).status, HStatus::Success);
  uint8_t* yc = w.l1.mem().base() + kVpaAddr + kVpaYieldCountOffset;
  gsb::store_be32(yc, 0);
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  EXPECT_EQ(gsb::load_be32(yc), 1u);
  w.l1.run_input();
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  EXPECT_EQ(gsb::load_be32(yc), 3u);
  // Deregistered: the count is left alone.
  ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kVpa, kVpaDeregister}}).status, HStatus::Success);
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  EXPECT_EQ(gsb::load_be32(yc), 3u);
}

// The partition-scoped PTE of L2 real `l2` now points at L1 real `l1`.
void remap(const papr::RealMemory& mem, uint64_t l2, uint64_t l1) {
  uint64_t table = kPtRoot;
  const unsigned shifts[] = {39, 30, 21};
  const uint64_t masks[] = {0x1FFF, 0x1FF, 0x1FF};
  for (int i = 0; i < 3; ++i) table = mem.load_be64(table + ((l2 >> shifts[i]) & masks[i]) * 8) & radix::kNlbMask;
  const uint64_t at = table + ((l2 >> 16) & 0x1F) * 8;
  mem.store_be64(at, radix::make_pte(l1, radix::kEaaRead | radix::kEaaReadWrite | radix::kEaaExecute));
}

TEST_F(Run, SetOfThePartitionTableFlushesCachedTranslations) {
  load("store");
  const uint64_t target = 0x200000;  // L2 real page the program stores to
  auto store_once = [&](uint64_t value) {
    ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kNia, kEntry}}).status, HStatus::Success);
    w.l1.run_input({{gsb::id::gpr(4), value}, {gsb::id::gpr(5), target}});
    const Answer a = w.l1.run(g, 0);
    ASSERT_EQ(a.status, HStatus::Success);
    ASSERT_EQ(a.r4, 0xC00u);
  };
  auto at = [&](uint64_t l1) { return gsb::load_be64(w.l1.mem().base() + l1); };
  store_once(0x1111);  // translation now cached by the engine
  EXPECT_EQ(__builtin_bswap64(at(kL2Base + target)), 0x1111u);
  // Move the page; re-SET 0x0005 (same value): §8 says this drops cached translations.
  remap(w.l1.mem(), target, kL2Base + 0x300000);
  ASSERT_EQ(w.l1.set(papr::state_flag::kGuestWide, g, 0,
                     {{gsb::id::kPartitionTable, gsb::PartitionTableInfo{kPtRoot, 52, kPtRootSize}}})
                .status,
            HStatus::Success);
  store_once(0x2222);
  EXPECT_EQ(__builtin_bswap64(at(kL2Base + 0x300000)), 0x2222u);
  // Again with H_RPT_INVALIDATE instead.
  remap(w.l1.mem(), target, kL2Base + 0x310000);
  ASSERT_EQ(w.l1.call(Hcall::H_RPT_INVALIDATE, {g, 0x1, 0x3, 0x7, 0, ~uint64_t{0}}).status, HStatus::Success);
  store_once(0x3333);
  EXPECT_EQ(__builtin_bswap64(at(kL2Base + 0x310000)), 0x3333u);
}

TEST_F(Run, ATlbieOnOneVcpuDropsTheCachedTranslationsOfItsSiblings) {
  // vCPU 0 caches the translation of `target`; the L1 moves the page without telling the L0;
  // vCPU 1 of the same guest executes a global tlbie: the guest's TlbDomain makes vCPU 0
  // re-walk, so its next store lands in the new page (ISA 3.0B Book III §5.10.1).
  load("store");
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, g, 1}).status, HStatus::Success);
  w.l1.register_run_buffers(g, 1, kRunIn + 0x2000, kRunOut + 0x2000);
  const auto tlbie = load_program("tlbie");
  ASSERT_FALSE(tlbie.empty());
  constexpr uint64_t kTlbieAt = 0x20000;
  std::memcpy(w.l1.mem().base() + kL2Base + kTlbieAt, tlbie.data(), tlbie.size());
  ASSERT_EQ(w.l1.set(0, g, 1,
                     {{gsb::id::kNia, kTlbieAt}, {gsb::id::kMsr, kMsrL2}, {gsb::id::kLpcr, lpcr::kGTSE}})
                .status,
            HStatus::Success);

  const uint64_t target = 0x200000;
  auto store_once = [&](uint64_t value) {
    ASSERT_EQ(w.l1.set(0, g, 0, {{gsb::id::kNia, kEntry}}).status, HStatus::Success);
    w.l1.run_input({{gsb::id::gpr(4), value}, {gsb::id::gpr(5), target}});
    const Answer a = w.l1.run(g, 0);
    ASSERT_EQ(a.status, HStatus::Success);
    ASSERT_EQ(a.r4, 0xC00u);
  };
  auto at = [&](uint64_t l1) { return __builtin_bswap64(gsb::load_be64(w.l1.mem().base() + l1)); };
  store_once(0x1111);
  EXPECT_EQ(at(kL2Base + target), 0x1111u);

  remap(w.l1.mem(), target, kL2Base + 0x320000);
  store_once(0x2222);  // nothing told the L0: the cached translation still names the old page
  EXPECT_EQ(at(kL2Base + target), 0x2222u);

  w.l1.run_input({}, kRunIn + 0x2000);
  const Answer t = w.l1.run(g, 1);
  ASSERT_EQ(t.status, HStatus::Success);
  ASSERT_EQ(t.r4, 0xC00u) << "the tlbie program ends in sc 1";
  store_once(0x3333);
  EXPECT_EQ(at(kL2Base + 0x320000), 0x3333u) << "vCPU 0 re-walked after its sibling's tlbie";
  EXPECT_EQ(at(kL2Base + target), 0x2222u);
}

TEST_F(Run, TwoGuestsAreIsolated) {
  // A second guest of the same L1, with its own vCPU 0 state.
  load("hcall");
  const uint64_t h = w.l1.create_guest();
  ASSERT_EQ(w.l1.call(Hcall::H_GUEST_CREATE_VCPU, {0, h, 0}).status, HStatus::Success);
  ASSERT_EQ(w.l1.set(0, h, 0, {{gsb::id::gpr(20), uint64_t{500}}}).status, HStatus::Success);
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  w.l1.run_input();
  ASSERT_EQ(w.l1.run(g, 0).status, HStatus::Success);
  EXPECT_EQ(w.l1.reg64(g, 0, gsb::id::gpr(20)), 1u);
  EXPECT_EQ(w.l1.reg64(h, 0, gsb::id::gpr(20)), 500u);
  // The second guest has no partition table yet.
  ASSERT_EQ(w.l1.set(0, h, 0, {{gsb::id::kRunInput, gsb::BufferInfo{kRunIn + 0x8000, kRunBufSize}},
                               {gsb::id::kRunOutput, gsb::BufferInfo{kRunOut + 0x8000, kRunBufSize}}})
                .status,
            HStatus::Success);
  EXPECT_EQ(w.l1.run(h, 0).status, HStatus::PartitionPageTableNotDefined);
}

}  // namespace
}  // namespace nv2::l0::test
