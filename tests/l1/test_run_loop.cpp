// Issue 5 item 4: exit handling in the run loop, against a scripted L0.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <thread>

#include "fixture.hpp"
#include "l1/run_loop.hpp"

namespace nv2::l1 {
namespace {

using gsb::IdBitmap;
using papr::Hcall;
using papr::HStatus;
using test::ScriptedExit;

class RunLoopTest : public test::L1Test {
 protected:
  void SetUp() override {
    L1Test::SetUp();
    make_guest(16u << 20);
  }
  const test::Recorded& last_run() { return l0.last(Hcall::H_GUEST_RUN_VCPU); }
  // Run once more with a trivial exit so the state the handler set lands in a run input
  // buffer the scripted L0 records.
  const test::Recorded& next_entry() {
    l0.exits.push_back(ScriptedExit::simple(0x980));
    EXPECT_TRUE(vcpu->run());
    return last_run();
  }
  HcallTable table;
};

TEST_F(RunLoopTest, ASteadyStreamOfSimpleHcallsCostsExactlyOneHcallEach) {
  constexpr unsigned kN = 100;
  uint64_t sum = 0;
  ASSERT_TRUE(table.register_hcall(Hcall::H_PUT_TERM_CHAR, [&sum](Vcpu& v, uint64_t) -> Result<HcallOutcome> {
    for (unsigned r = 4; r <= 12; ++r) {
      auto x = v.gpr(r);
      if (!x) return Unexpected{x.error()};
      sum += *x;
    }
    NV2_TRY(v.set_gpr(3, papr::to_abi(HStatus::Success)));
    return HcallOutcome::Resume;
  }));
  ASSERT_TRUE(table.register_hcall(Hcall::H_RTAS, [](Vcpu&, uint64_t) -> Result<HcallOutcome> {
    return HcallOutcome::Stop;
  }));
  for (unsigned i = 0; i < kN; ++i) l0.exits.push_back(ScriptedExit::hcall(0x58, {0, 1, i}));
  l0.exits.push_back(ScriptedExit::hcall(0xF000));
  RunLoop loop(*vcpu, table);
  auto end = loop.run();
  ASSERT_TRUE(end) << end.error().message();
  EXPECT_EQ(*end, LoopEnd::HandlerStop);
  EXPECT_EQ(sum, kN * (kN - 1) / 2 + kN);
  const auto s = hv->stats();
  EXPECT_EQ(s.runs, kN + 1);
  EXPECT_EQ(s.hcalls_total, kN + 1) << "one hcall (RUN) per exit";
  EXPECT_EQ(s.get_state_calls, 0u);
  EXPECT_EQ(s.set_state_calls, 0u);
  EXPECT_EQ(s.l2_hcalls, kN + 1);
  EXPECT_EQ(s.exit_count(papr::ExitReason::Hcall), kN + 1);
  // From the second entry on, the run input buffer carries r3 and nothing else.
  const auto runs = l0.calls(Hcall::H_GUEST_RUN_VCPU);
  for (std::size_t i = 1; i < runs.size(); ++i) {
    ASSERT_EQ(runs[i].ids, IdBitmap{gsb::id::gpr(3)}) << "entry " << i;
    EXPECT_EQ(std::get<uint64_t>(runs[i].values.at(gsb::id::gpr(3))), 0u);
  }
  EXPECT_EQ(s.gsb_bytes_out, 4u + kN * 16u)
      << "an empty buffer (4-byte header) first, then 16 bytes (header + r3) per entry";
}

TEST_F(RunLoopTest, AnUnknownHcallGetsHFunctionAndIsCounted) {
  l0.exits.push_back(ScriptedExit::hcall(0x1234));
  RunLoop loop(*vcpu, table);
  auto s = loop.step();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->stop);
  EXPECT_EQ(s->hcall_opcode, 0x1234u);
  const auto& in = next_entry();
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::gpr(3))), papr::to_abi(HStatus::Function));
  EXPECT_EQ(hv->stats().l2_hcalls_unknown, 1u);
  // Odd and out-of-range opcodes too, never fatal.
  l0.exits.push_back(ScriptedExit::hcall(0x3));
  l0.exits.push_back(ScriptedExit::hcall(0x1000000));
  ASSERT_TRUE(loop.step());
  ASSERT_TRUE(loop.step());
  EXPECT_EQ(hv->stats().l2_hcalls_unknown, 3u);
}

TEST(HcallTableTest, RegistrationChecksAlignmentRangeAndDuplicates) {
  HcallTable t;
  auto h = [](Vcpu&, uint64_t) -> Result<HcallOutcome> { return HcallOutcome::Resume; };
  ASSERT_TRUE(t.register_hcall(Hcall::H_CEDE, h));
  EXPECT_FALSE(t.register_hcall(Hcall::H_CEDE, h)) << "duplicate";
  EXPECT_FALSE(t.register_hcall(0x5A, h)) << "not 4-aligned";
  EXPECT_FALSE(t.register_hcall(papr::kMaxHcall + 4, h)) << "beyond the table";
  EXPECT_FALSE(t.register_hcall(0x58, HcallHandler{})) << "empty handler";
  ASSERT_TRUE(t.register_hcall(0xF000, h));
  EXPECT_EQ(t.registered(), (std::vector<uint64_t>{0xE0, 0xF000}));
  EXPECT_NE(t.find(0xE0), nullptr);
  EXPECT_EQ(t.find(0xE4), nullptr);
  EXPECT_EQ(t.find(0xE1), nullptr);
  EXPECT_EQ(t.find(~uint64_t{0}), nullptr);
}

TEST_F(RunLoopTest, HdsiOnRamMapsAPageLazilyAndReruns) {
  const uint64_t l2 = 0x230000;
  l0.exits.push_back(ScriptedExit::hdsi(l2, 0xC000000000230010ull, 0x100, msr::kSF));
  RunLoop loop(*vcpu, table);
  ASSERT_TRUE(loop.step());
  auto l1 = guest->partition_table().lookup(l2 + 0x10);
  ASSERT_TRUE(l1.has_value());
  EXPECT_EQ(*l1 % 65536, 0x10u);
  const uint64_t pte = guest->partition_table().leaf_entry(l2);
  EXPECT_EQ(pte, radix::kValid | radix::kLeaf | (*l1 - 0x10) | radix::kReference | radix::kChange |
                     radix::kRead | radix::kReadWrite | radix::kExecute);
  EXPECT_EQ(hv->stats().pages_mapped, 1u);
  EXPECT_EQ(hv->stats().get_state_calls, 0u) << "ASDR came in the output buffer";
  // The same page faulting again (another vCPU mapped it meanwhile) allocates nothing.
  const auto used = hv->allocator().stats().bytes_in_use;
  l0.exits.push_back(ScriptedExit::hdsi(l2 + 0x8000, 0, 0x100, msr::kSF));
  ASSERT_TRUE(loop.step());
  EXPECT_EQ(hv->allocator().stats().bytes_in_use, used);
  // HISI maps too.
  auto hisi = ScriptedExit::hdsi(0x400000, 0, 0x400000, msr::kSF);
  hisi.reason = 0xE20;
  l0.exits.push_back(hisi);
  ASSERT_TRUE(loop.step());
  EXPECT_TRUE(guest->partition_table().lookup(0x400000).has_value());
}

TEST_F(RunLoopTest, HdsiOutsideRamAndMmioIsAnError) {
  l0.exits.push_back(ScriptedExit::hdsi(0x40000000, 0x40000000, 0x100, msr::kSF));
  RunLoop loop(*vcpu, table);
  auto s = loop.step();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::BadAddress);
}

// A device register file of 16 bytes; records the last write.
class RecordingDevice final : public MmioDevice {
 public:
  std::array<uint8_t, 16> bytes{0x81, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xF0, 0x01};
  uint64_t read(uint64_t offset, unsigned size) override {
    uint64_t v = 0;
    for (unsigned i = 0; i < size; ++i) v = (v << 8) | bytes[offset + i];  // bus value: BE
    return v;
  }
  void write(uint64_t offset, unsigned size, uint64_t value) override {
    last_offset = offset;
    last_size = size;
    last_value = value;
    ++writes;
  }
  uint64_t last_offset = 0, last_value = 0;
  unsigned last_size = 0, writes = 0;
};

constexpr uint32_t D(uint32_t op, uint32_t rt, uint32_t ra, uint32_t d) {
  return (op << 26) | (rt << 21) | (ra << 16) | (d & 0xFFFF);
}
constexpr uint32_t DS(uint32_t op, uint32_t rt, uint32_t ra, uint32_t ds, uint32_t xo) {
  return (op << 26) | (rt << 21) | (ra << 16) | (ds & 0xFFFC) | xo;
}
constexpr uint32_t X(uint32_t xo, uint32_t rt, uint32_t ra, uint32_t rb) {
  return (31u << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1);
}

struct MmioCase {
  const char* name;
  uint32_t insn;
  bool le;          // L2 in little-endian mode
  uint64_t offset;  // of the EA in the device
  uint64_t expect;  // loaded GPR value, or the bus value the device receives
  bool update;
};

constexpr uint64_t kRs = 0x0102030405060708ull;

const MmioCase kLoads[] = {
    {"lbz", D(34, 5, 9, 0), false, 0, 0x81, false},
    {"lbzu", D(35, 5, 9, 0), false, 0, 0x81, true},
    {"lhz", D(40, 5, 9, 0), false, 0, 0x8122, false},
    {"lhzu", D(41, 5, 9, 2), false, 2, 0x3344, true},
    {"lha", D(42, 5, 9, 0), false, 0, 0xFFFFFFFFFFFF8122ull, false},
    {"lhau", D(43, 5, 9, 0), false, 0, 0xFFFFFFFFFFFF8122ull, true},
    {"lwz", D(32, 5, 9, 0), false, 0, 0x81223344, false},
    {"lwzu", D(33, 5, 9, 4), false, 4, 0x55667788, true},
    {"ld", DS(58, 5, 9, 0, 0), false, 0, 0x8122334455667788ull, false},
    {"ldu", DS(58, 5, 9, 8, 1), false, 8, 0x99AABBCCDDEEF001ull, true},
    {"lwa", DS(58, 5, 9, 0, 2), false, 0, 0xFFFFFFFF81223344ull, false},
    {"lbzx", X(87, 5, 9, 10), false, 1, 0x22, false},
    {"lbzux", X(119, 5, 9, 10), false, 1, 0x22, true},
    {"lhzx", X(279, 5, 9, 10), false, 0, 0x8122, false},
    {"lhzux", X(311, 5, 9, 10), false, 0, 0x8122, true},
    {"lhax", X(343, 5, 9, 10), false, 0, 0xFFFFFFFFFFFF8122ull, false},
    {"lhaux", X(375, 5, 9, 10), false, 0, 0xFFFFFFFFFFFF8122ull, true},
    {"lwzx", X(23, 5, 9, 10), false, 0, 0x81223344, false},
    {"lwzux", X(55, 5, 9, 10), false, 0, 0x81223344, true},
    {"lwax", X(341, 5, 9, 10), false, 0, 0xFFFFFFFF81223344ull, false},
    {"lwaux", X(373, 5, 9, 10), false, 0, 0xFFFFFFFF81223344ull, true},
    {"ldx", X(21, 5, 9, 10), false, 0, 0x8122334455667788ull, false},
    {"ldux", X(53, 5, 9, 10), false, 0, 0x8122334455667788ull, true},
    {"lhbrx", X(790, 5, 9, 10), false, 0, 0x2281, false},
    {"lwbrx", X(534, 5, 9, 10), false, 0, 0x44332281, false},
    {"ldbrx", X(532, 5, 9, 10), false, 0, 0x8877665544332281ull, false},
    // Little-endian L2: plain forms swap, byte-reversed forms do not.
    {"lwz LE", D(32, 5, 9, 0), true, 0, 0x44332281, false},
    {"lha LE", D(42, 5, 9, 0), true, 0, 0x2281, false},
    {"ld LE", DS(58, 5, 9, 0, 0), true, 0, 0x8877665544332281ull, false},
    {"lwbrx LE", X(534, 5, 9, 10), true, 0, 0x81223344, false},
    {"lhbrx LE", X(790, 5, 9, 10), true, 0, 0x8122, false},
};

const MmioCase kStores[] = {
    {"stb", D(38, 5, 9, 0), false, 0, 0x08, false},
    {"stbu", D(39, 5, 9, 3), false, 3, 0x08, true},
    {"sth", D(44, 5, 9, 0), false, 0, 0x0708, false},
    {"sthu", D(45, 5, 9, 0), false, 0, 0x0708, true},
    {"stw", D(36, 5, 9, 0), false, 0, 0x05060708, false},
    {"stwu", D(37, 5, 9, 4), false, 4, 0x05060708, true},
    {"std", DS(62, 5, 9, 0, 0), false, 0, kRs, false},
    {"stdu", DS(62, 5, 9, 8, 1), false, 8, kRs, true},
    {"stbx", X(215, 5, 9, 10), false, 0, 0x08, false},
    {"stbux", X(247, 5, 9, 10), false, 0, 0x08, true},
    {"sthx", X(407, 5, 9, 10), false, 0, 0x0708, false},
    {"sthux", X(439, 5, 9, 10), false, 0, 0x0708, true},
    {"stwx", X(151, 5, 9, 10), false, 0, 0x05060708, false},
    {"stwux", X(183, 5, 9, 10), false, 0, 0x05060708, true},
    {"stdx", X(149, 5, 9, 10), false, 0, kRs, false},
    {"stdux", X(181, 5, 9, 10), false, 0, kRs, true},
    {"sthbrx", X(918, 5, 9, 10), false, 0, 0x0807, false},
    {"stwbrx", X(662, 5, 9, 10), false, 0, 0x08070605, false},
    {"stdbrx", X(660, 5, 9, 10), false, 0, 0x0807060504030201ull, false},
    {"stw LE", D(36, 5, 9, 0), true, 0, 0x08070605, false},
    {"std LE", DS(62, 5, 9, 0, 0), true, 0, 0x0807060504030201ull, false},
    {"stwbrx LE", X(662, 5, 9, 10), true, 0, 0x05060708, false},
};

class MmioTest : public RunLoopTest {
 protected:
  static constexpr uint64_t kBase = 0x80000000;
  static constexpr uint64_t kNia = 0x7000;
  void SetUp() override {
    RunLoopTest::SetUp();
    ASSERT_TRUE(guest->add_mmio(kBase, 0x1000, dev));
  }
  // One HDSI on the device emulated by the run loop; returns the next entry's input.
  test::Recorded emulate(const MmioCase& c) {
    const uint64_t msr_value = msr::kSF | msr::kIR | msr::kDR | (c.le ? msr::kLE : 0);
    const uint64_t ea = 0xC000000080000000ull + c.offset;  // HDAR: an effective address
    l0.vcpu_state(0)[gsb::id::kHeir] = uint64_t{c.insn};
    l0.vcpu_state(0)[gsb::id::gpr(5)] = kRs;
    l0.exits.push_back(ScriptedExit::hdsi(kBase, ea, kNia, msr_value));
    l0.clear_log();
    RunLoop loop(*vcpu, table);
    auto s = loop.step();
    EXPECT_TRUE(s) << c.name << ": " << (s ? "" : s.error().message());
    gets = l0.calls(Hcall::H_GUEST_GET_STATE);
    return next_entry();
  }
  RecordingDevice dev;
  std::vector<test::Recorded> gets;
};

TEST_F(MmioTest, EveryLoadFormIsEmulatedFetchingOnlyHeir) {
  for (const MmioCase& c : kLoads) {
    const auto in = emulate(c);
    ASSERT_TRUE(in.values.count(gsb::id::gpr(5))) << c.name;
    EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::gpr(5))), c.expect) << c.name;
    EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kNia)), kNia + 4) << c.name;
    IdBitmap expect_ids{gsb::id::gpr(5), gsb::id::kNia};
    if (c.update) {
      expect_ids.set(gsb::id::gpr(9));
      EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::gpr(9))), 0xC000000080000000ull + c.offset)
          << c.name << ": RA = EA (from HDAR)";
    }
    EXPECT_EQ(in.ids, expect_ids) << c.name << ": only RT, RA (update) and NIA change";
    ASSERT_EQ(gets.size(), 1u) << c.name;
    EXPECT_EQ(gets[0].ids, IdBitmap{gsb::id::kHeir}) << c.name << ": no GPR is fetched for a load";
  }
  EXPECT_EQ(hv->stats().mmio_emulated, std::size(kLoads));
}

TEST_F(MmioTest, EveryStoreFormIsEmulatedFetchingOnlyHeirAndRs) {
  for (const MmioCase& c : kStores) {
    dev.writes = 0;
    const auto in = emulate(c);
    ASSERT_EQ(dev.writes, 1u) << c.name;
    EXPECT_EQ(dev.last_value, c.expect) << c.name;
    EXPECT_EQ(dev.last_offset, c.offset) << c.name;
    EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kNia)), kNia + 4) << c.name;
    IdBitmap expect_ids{gsb::id::kNia};
    if (c.update) expect_ids.set(gsb::id::gpr(9));
    EXPECT_EQ(in.ids, expect_ids) << c.name;
    ASSERT_EQ(gets.size(), 2u) << c.name;
    EXPECT_EQ(gets[0].ids, IdBitmap{gsb::id::kHeir}) << c.name;
    EXPECT_EQ(gets[1].ids, IdBitmap{gsb::id::gpr(5)}) << c.name << ": only RS, never RA/RB";
  }
  EXPECT_EQ(dev.last_size, 4u);
}

TEST_F(MmioTest, AnInstructionThatIsNotALoadOrStoreIsAnEmulationError) {
  const MmioCase c{"add", X(266, 5, 9, 10), false, 0, 0, false};
  l0.vcpu_state(0)[gsb::id::kHeir] = uint64_t{c.insn};
  l0.exits.push_back(ScriptedExit::hdsi(kBase, 0xC000000080000000ull, kNia, msr::kSF));
  RunLoop loop(*vcpu, table);
  auto s = loop.step();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::Emulation);
}

TEST(DecodeMemAccess, FieldsAndInvalidForms) {
  auto a = decode_mem_access(X(181, 7, 3, 4));  // stdux r7, r3, r4
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->store && a->update && a->size == 8 && a->form == MemForm::X);
  EXPECT_EQ(a->rt, 7u);
  EXPECT_EQ(a->ra, 3u);
  a = decode_mem_access(DS(58, 1, 2, 0x10, 2));  // lwa
  ASSERT_TRUE(a);
  EXPECT_TRUE(!a->store && a->sign_extend && a->size == 4 && a->form == MemForm::DS);
  EXPECT_FALSE(decode_mem_access(D(33, 5, 0, 0))) << "lwzu with RA=0 is invalid";
  EXPECT_FALSE(decode_mem_access(D(33, 5, 5, 0))) << "lwzu with RA=RT is invalid";
  EXPECT_TRUE(decode_mem_access(D(37, 5, 5, 0))) << "stwu with RA=RS is fine";
  EXPECT_FALSE(decode_mem_access(DS(58, 5, 9, 0, 3))) << "DS xo 3 of 58 is not a load";
  EXPECT_FALSE(decode_mem_access(0x44000022)) << "sc 1";
}

TEST_F(RunLoopTest, HeaBecomesAProgramInterruptInjectedThroughTheCache) {
  ASSERT_TRUE(vcpu->set_lpcr(lpcr::kILE | lpcr::kGTSE));
  const uint64_t old_msr = msr::kSF | msr::kEE | msr::kPR | msr::kME | msr::kIR | msr::kDR |
                           msr::kRI | msr::kLE;
  l0.exits.push_back(ScriptedExit::hea(0x12345678, old_msr, 0x7C0002A6));
  RunLoop loop(*vcpu, table);
  ASSERT_TRUE(loop.step());
  EXPECT_EQ(l0.count(Hcall::H_GUEST_GET_STATE), 0u) << "NIA/MSR came with the exit, LPCR is L1's";
  const auto in = next_entry();
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kSrr0)), 0x12345678u);
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kSrr1)), old_msr | srr1::kIllegalInstruction);
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kMsr)), msr::kSF | msr::kME | msr::kLE)
      << "EE, PR, IR, DR, RI cleared; LE = LPCR[ILE]; ME kept";
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kNia)), 0x700u);
  EXPECT_EQ(hv->stats().program_interrupts, 1u);
}

TEST(ProgramInterrupt, AilRelocatesAndSrr1CauseBitsAreCleared) {
  const uint64_t lpcr_ail3 = bits::insert(0, lpcr::kAilFirst, lpcr::kAilLast, 3);
  const uint64_t m = msr::kSF | msr::kIR | msr::kDR | msr::kEE;
  auto e = program_interrupt(0x1000, m | bits::bit(44) | bits::bit(34), lpcr_ail3,
                             srr1::kIllegalInstruction);
  EXPECT_EQ(e.nia, 0xC000000000004700ull);
  EXPECT_EQ(e.msr, msr::kSF | msr::kIR | msr::kDR) << "AIL keeps relocation on, LE off (ILE=0)";
  EXPECT_EQ(e.srr1, m | srr1::kIllegalInstruction) << "stale cause bits 34 cleared";
  e = program_interrupt(0x1000, msr::kSF, lpcr_ail3, srr1::kPrivilegedInstruction);
  EXPECT_EQ(e.nia, 0x700u) << "AIL does not apply with IR=DR=0";
  EXPECT_EQ(e.srr1, msr::kSF | srr1::kPrivilegedInstruction);
  const uint64_t lpcr_ail2 = bits::insert(0, lpcr::kAilFirst, lpcr::kAilLast, 2);
  EXPECT_EQ(program_interrupt(0, m, lpcr_ail2, srr1::kIllegalInstruction).nia, 0x18700u);
}

TEST_F(RunLoopTest, HdecRunsTheTimerHookAndAStopRequestEndsTheLoop) {
  int timers = 0;
  RunLoopHooks hooks;
  hooks.on_hdec = [&](Vcpu& v) -> Result<void> {
    if (++timers == 2) v.request_stop();
    return {};
  };
  std::vector<uint64_t> seen;
  hooks.on_exit = [&](Vcpu&, const RunExit& e, uint64_t, std::chrono::nanoseconds) {
    seen.push_back(e.raw_reason);
  };
  l0.exits.push_back(ScriptedExit::simple(0x980));
  l0.exits.push_back(ScriptedExit::simple(0x000));
  l0.exits.push_back(ScriptedExit::simple(0x980));
  RunLoop loop(*vcpu, table, hooks);
  auto end = loop.run();
  ASSERT_TRUE(end) << end.error().message();
  EXPECT_EQ(*end, LoopEnd::StopRequested);
  EXPECT_EQ(timers, 2);
  EXPECT_EQ(seen, (std::vector<uint64_t>{0x980, 0x000, 0x980}));
  EXPECT_TRUE(l0.exits.empty());
  // A stop requested before the loop starts makes no hcall.
  l0.clear_log();
  auto again = loop.run();
  ASSERT_TRUE(again);
  EXPECT_TRUE(l0.log.empty());
  vcpu->clear_stop();
}

TEST_F(RunLoopTest, AnUnknownExitReasonIsAnError) {
  l0.exits.push_back(ScriptedExit::simple(0x500));
  RunLoop loop(*vcpu, table);
  EXPECT_FALSE(loop.step());
}

TEST_F(RunLoopTest, HvFacilityUnavailableBecomesAnIllegalInstruction) {
  ASSERT_TRUE(vcpu->set_lpcr(0));
  auto e = ScriptedExit::hea(0x2000, msr::kSF, 0);
  e.reason = 0xF80;
  e.output = {gsb::id::kNia, gsb::id::kMsr, gsb::id::kHfscr};
  l0.exits.push_back(e);
  RunLoop loop(*vcpu, table);
  ASSERT_TRUE(loop.step());
  const auto in = next_entry();
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kNia)), 0x700u);
  EXPECT_EQ(std::get<uint64_t>(in.values.at(gsb::id::kSrr0)), 0x2000u);
}

TEST_F(RunLoopTest, IdleWaitWakesOnAnExternalInterrupt) {
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(vcpu->wait_for_work(t0 + std::chrono::milliseconds(5))) << "deadline";
  std::thread t([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    vcpu->set_external_pending(true);
  });
  EXPECT_TRUE(vcpu->wait_for_work(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  t.join();
  EXPECT_TRUE(vcpu->external_pending());
}

}  // namespace
}  // namespace nv2::l1
