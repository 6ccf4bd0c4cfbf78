// The run path's fast paths against the general ones they replace (docs/perf/l0.md):
// the per-exit output layouts against gsb::Writer + read_element, and GsbCopy's
// count-bounded first copy against buffers of every shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "gsb/buffer.hpp"
#include "isa/interrupts.hpp"
#include "l0/guest.hpp"
#include "l0/gsb_copy.hpp"
#include "l0/run_output.hpp"
#include "l0/state_access.hpp"

namespace nv2::l0::test {
namespace {

isa::VcpuState random_state(uint64_t seed) {
  std::mt19937_64 rng(seed);
  isa::VcpuState s;
  for (auto& g : s.gpr) g = rng();
  s.nia = rng();
  s.msr = rng();
  s.dec_expiry_tb = rng();
  s.hfscr = rng();
  s.hdar = rng();
  s.hdsisr = static_cast<uint32_t>(rng());
  s.heir = rng();
  s.asdr = rng();
  return s;
}

// What run.cpp's general path writes for an exit.
std::vector<uint8_t> general_encode(const ExitOutputs& e, isa::VcpuState& s) {
  std::vector<uint8_t> buf(kRunOutputMinSize, 0xEE);
  gsb::Writer w(buf);
  VcpuRegistration reg;
  StateRefs refs;
  refs.vcpu = &s;
  refs.reg = &reg;
  for (gsb::ElementId id : e.elements()) EXPECT_TRUE(w.put(id, exit_output_value(e.reason, refs, id)));
  buf.resize(w.size());
  return buf;
}

TEST(RunOutputFast, HotExitsHaveALayout) {
  // A reordered §5 row or an unbound element would silently send these exits down the
  // general path; the round-trip figures in docs/perf assume they are fast.
  EXPECT_TRUE(has_exit_output_layout(papr::ExitReason::Hcall));
  EXPECT_TRUE(has_exit_output_layout(papr::ExitReason::Hdec));
  EXPECT_TRUE(has_exit_output_layout(papr::ExitReason::Stopped));
}

TEST(RunOutputFast, SameBytesAsTheGeneralWriterForEveryExit) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    for (const ExitOutputs& e : kExitOutputs) {
      isa::VcpuState s = random_state(seed);
      const std::vector<uint8_t> want = general_encode(e, s);
      std::vector<uint8_t> got(kRunOutputMinSize + 16, 0xEE);
      const std::size_t n = encode_exit_output_fast(e.reason, s, got);
      ASSERT_EQ(n != 0, has_exit_output_layout(e.reason));
      if (n == 0) continue;
      ASSERT_EQ(n, want.size()) << "exit " << static_cast<uint64_t>(e.reason);
      EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(n)), want);
      EXPECT_EQ(got[n], 0xEE) << "nothing written past the encoded size";
    }
  }
}

// The L0's HISI cause bits are the engine's ISI cause bits (isa/interrupts.hpp), each in
// its SRR1 place, and exactly the set a Linux L1 reads from the MSR of an 0xE20 exit
// (DSISR_SRR1_MATCH_64S: bits 33, 35, 36, 42, 44, 45, 46).
static_assert(hisi::kNoTranslation == isa::srr1::kIsiNoTranslation);
static_assert(hisi::kNoExecGuard == isa::srr1::kIsiNoExecGuard);
static_assert(hisi::kProtection == isa::srr1::kIsiProtection);
static_assert(hisi::kKey == isa::srr1::kIsiIamr);
static_assert(hisi::kBadConfig == isa::srr1::kIsiBadConfig);
static_assert(hisi::kAtomicRc == isa::dsisr::kAtomicRc && hisi::kTableWalk == isa::dsisr::kTableWalk);
static_assert((hisi::kCauseBits & ~isa::srr1::kCauseMask) == 0, "inside SRR1's cause field");

uint64_t element_value(const std::vector<uint8_t>& buf, gsb::ElementId id) {
  gsb::Reader r;
  EXPECT_TRUE(r.parse(buf, gsb::Policy::run_output()).has_value());
  const auto e = r.find(id);
  EXPECT_TRUE(e.has_value()) << gsb::element_name(id);
  return e ? e->be64() : 0;
}

// HISI: the MSR element carries the cause bits of HDSISR in their SRR1 places and nothing
// else of HDSISR; an MSR bit in a cause place is replaced. Every other exit sends the MSR
// as it is. Random states, through the fast path (the general one is compared above).
TEST(RunOutputFast, HisiMsrIsTheMsrWithTheCauseBitsOfHdsisr) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    for (const ExitOutputs& e : kExitOutputs) {
      const auto ids = e.elements();
      if (std::find(ids.begin(), ids.end(), gsb::id::kMsr) == ids.end()) continue;
      isa::VcpuState s = random_state(seed);
      std::vector<uint8_t> got(kRunOutputMinSize, 0);
      const std::size_t n = encode_exit_output_fast(e.reason, s, got);
      ASSERT_NE(n, 0u);
      got.resize(n);
      const uint64_t msr = element_value(got, gsb::id::kMsr);
      if (e.reason != papr::ExitReason::Hisi) {
        EXPECT_EQ(msr, s.msr) << static_cast<uint64_t>(e.reason);
        continue;
      }
      const uint64_t cause = s.hdsisr & 0x582E0000u;
      EXPECT_EQ(msr & 0x582E0000u, cause) << seed;
      EXPECT_EQ(msr & ~uint64_t{0x582E0000u}, s.msr & ~uint64_t{0x582E0000u}) << seed;
      EXPECT_EQ(s.msr, random_state(seed).msr) << "the state's MSR is not touched";
    }
  }
  // One cause, a clean MSR: exactly that bit is added.
  isa::VcpuState s = random_state(3);
  s.msr = isa::msr::kSF | isa::msr::kME | isa::msr::kLE;
  s.hdsisr = isa::dsisr::kNoTranslation;
  std::vector<uint8_t> got(kRunOutputMinSize, 0);
  got.resize(encode_exit_output_fast(papr::ExitReason::Hisi, s, got));
  EXPECT_EQ(element_value(got, gsb::id::kMsr), s.msr | isa::srr1::kIsiNoTranslation);
}

// An MSR sent by an L1 never carries a cause bit into the L2 (the bits are reserved in the
// MSR): write_element (SET_STATE, a first run input) and the run input plan's direct
// write (a repeated run input) both mask them; every other MSR bit the table lets an L1
// set is still set.
TEST(RunOutputFast, MsrWritesDropTheHisiCauseBits) {
  isa::VcpuState s{};
  s.msr = isa::msr::kME;
  StateRefs refs;
  refs.vcpu = &s;
  write_element(refs, gsb::id::kMsr, gsb::Value{~uint64_t{0}});
  EXPECT_EQ(s.msr & hisi::kCauseBits, 0u);
  EXPECT_EQ(s.msr, (gsb::find(gsb::id::kMsr)->settable_mask & ~hisi::kCauseBits) | isa::msr::kME);

  std::vector<uint8_t> mem(4096);
  gsb::Writer w(mem);
  ASSERT_TRUE(w.put_be64(gsb::id::kMsr, ~uint64_t{0}));
  gsb::Reader r;
  ASSERT_TRUE(r.parse(std::span<const uint8_t>(mem.data(), w.size()), gsb::Policy::run_input()));
  const auto d = direct_write(s, *r.begin());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->mask, gsb::find(gsb::id::kMsr)->settable_mask & ~hisi::kCauseBits);

  // The plan itself: the same input twice (the second a memo hit applied by stores).
  const papr::RealMemory real(mem.data(), mem.size());
  GsbCopy copy;
  RunInputPlan plan;
  for (int k = 0; k < 2; ++k) {
    s.msr = isa::msr::kME;
    ASSERT_TRUE(copy.load_memo(real, 0, mem.size(), gsb::Policy::run_input()));
    plan.apply(copy, refs);
    EXPECT_EQ(s.msr & hisi::kCauseBits, 0u) << k;
    EXPECT_NE(s.msr & isa::msr::kEE, 0u) << k;
  }
  EXPECT_TRUE(plan.used()) << "the repeated input went through the plan";
}

TEST(RunOutputFast, TooSmallBufferWritesNothing) {
  isa::VcpuState s = random_state(7);
  const std::size_t need = encoded_size(exit_outputs(papr::ExitReason::Hcall));
  std::vector<uint8_t> small(need - 1, 0xEE);
  EXPECT_EQ(encode_exit_output_fast(papr::ExitReason::Hcall, s, small), 0u);
  for (uint8_t b : small) ASSERT_EQ(b, 0xEE);
}

// A buffer of `n` VSR elements (20 bytes each) at the start of a `capacity`-byte region.
struct Buf {
  std::vector<uint8_t> mem;
  std::size_t used = 0;
  Buf(std::size_t capacity, unsigned n) : mem(capacity, 0) {
    gsb::Writer w(mem);
    for (unsigned i = 0; i < n; ++i)
      EXPECT_TRUE(w.put(gsb::id::vsr(i % 64), gsb::Value{gsb::Vec128{i, ~uint64_t{i}}}));
    used = w.size();
  }
  papr::RealMemory real() { return {mem.data(), mem.size()}; }
};

TEST(GsbCopyBounded, SmallBufferInLargeCapacity) {
  Buf b(64 << 10, 2);
  GsbCopy c;
  ASSERT_TRUE(c.load(b.real(), 0, b.mem.size(), gsb::Policy::run_input()));
  EXPECT_EQ(c.reader().count(), 2u);
  EXPECT_EQ(c.reader().size(), b.used);
}

TEST(GsbCopyBounded, BufferLargerThanTheFirstChunkGrows) {
  Buf b(64 << 10, 300);  // 6004 bytes: past the 4 KiB first chunk
  ASSERT_GT(b.used, 4096u);
  GsbCopy c;
  ASSERT_TRUE(c.load(b.real(), 0, b.mem.size(), gsb::Policy::run_input()));
  EXPECT_EQ(c.reader().count(), 300u);
  uint32_t k = 0;
  for (const gsb::Element& e : c.reader()) {
    EXPECT_EQ(e.id, gsb::id::vsr(k % 64));
    EXPECT_EQ(gsb::load_be64(e.data), k);
    ++k;
  }
}

TEST(GsbCopyBounded, CountBeyondTheElementsIsStillTruncated) {
  Buf b(64 << 10, 3);
  gsb::store_be32(b.mem.data(), 4);  // claims one element more than there is (zeros follow)
  GsbCopy c;
  EXPECT_FALSE(c.load(b.real(), 0, b.used, gsb::Policy::run_input()));
}

TEST(GsbCopyBounded, ReusedCopyParsesEachBufferAfresh) {
  Buf big(64 << 10, 300), small(64 << 10, 1);
  GsbCopy c;
  ASSERT_TRUE(c.load(big.real(), 0, big.mem.size(), gsb::Policy::run_input()));
  ASSERT_TRUE(c.load(small.real(), 0, small.mem.size(), gsb::Policy::run_input()));
  EXPECT_EQ(c.reader().count(), 1u);
  EXPECT_EQ(c.reader().size(), small.used);
}

// The run input memo (GsbCopy::load_memo) against a fresh validating load, over random
// values and shapes: same answer (status, element index), same elements and values. The
// element pool includes elements with a settable mask; under a policy that rejects
// unsettable bits (nv2's open question §9.2) random values break it, so the memo's value
// checks are exercised as well as its structure compare.
TEST(GsbCopyMemo, AgreesWithAFreshLoadOnRandomBuffers) {
  std::vector<gsb::ElementId> pool, masked;
  for (const gsb::ElementDesc& d : gsb::kElements) {
    if (!d.run_input || d.scope != gsb::Scope::Thread || d.type != gsb::Type::Be64) continue;
    for (uint16_t i = 0; i < d.count; ++i) {
      const auto id = static_cast<gsb::ElementId>(d.first + i);
      (d.rule != gsb::ValueRule::None || d.settable_mask != gsb::kAll ? masked : pool).push_back(id);
    }
  }
  ASSERT_GE(pool.size(), 4u);
  ASSERT_FALSE(masked.empty()) << "no run-input element with a settable mask to exercise";
  const std::vector<std::vector<gsb::ElementId>> shapes = {
      {pool[0], pool[1]}, {pool[0], masked[0], pool[2]}, {masked[0]}, {pool[3], pool[1], pool[0]}};
  gsb::Policy strict = gsb::Policy::run_input();
  strict.reject_unsettable_bits = true;
  for (const gsb::Policy policy : {gsb::Policy::run_input(), strict}) {
    std::mt19937_64 rng(42);
    std::vector<uint8_t> mem(8192);
    const papr::RealMemory real(mem.data(), mem.size());
    GsbCopy memo;
    unsigned hits = 0, errors = 0;
    for (int it = 0; it < 400; ++it) {
      const auto& ids = shapes[rng() % 10 < 8 ? 1 : rng() % shapes.size()];
      gsb::Writer w(mem);
      for (gsb::ElementId id : ids) ASSERT_TRUE(w.put_be64(id, rng() % 2 ? rng() : rng() % 16));
      GsbCopy fresh;
      const auto a = memo.load_memo(real, 0, mem.size(), policy);
      const auto b = fresh.load(real, 0, mem.size(), policy);
      ASSERT_EQ(a.has_value(), b.has_value()) << it;
      hits += memo.memo_hit() ? 1u : 0u;
      if (!a) {
        ++errors;
        EXPECT_EQ(a.error().code, b.error().code);
        EXPECT_EQ(a.error().index, b.error().index);
        continue;
      }
      std::vector<std::pair<gsb::ElementId, uint64_t>> got, want;
      memo.for_each_element([&](const gsb::Element& e) { got.emplace_back(e.id, gsb::load_be64(e.data)); });
      fresh.for_each_element([&](const gsb::Element& e) { want.emplace_back(e.id, gsb::load_be64(e.data)); });
      EXPECT_EQ(got, want) << it;
    }
    EXPECT_GT(hits, 100u) << "the memo served the repeated shape";
    if (policy.reject_unsettable_bits) EXPECT_GT(errors, 0u) << "some random values broke a mask";
    else EXPECT_EQ(errors, 0u);
  }
}

TEST(GsbCopyMemo, AKnownShapeWithABadHeaderIsRefusedLikeTheReader) {
  std::vector<uint8_t> mem(4096);
  const papr::RealMemory real(mem.data(), mem.size());
  gsb::Writer w(mem);
  ASSERT_TRUE(w.put_be64(gsb::id::gpr(3), 1));
  ASSERT_TRUE(w.put_be64(gsb::id::gpr(4), 2));
  GsbCopy c;
  ASSERT_TRUE(c.load_memo(real, 0, mem.size(), gsb::Policy::run_input()));
  ASSERT_TRUE(c.load_memo(real, 0, mem.size(), gsb::Policy::run_input()));
  EXPECT_TRUE(c.memo_hit());
  gsb::store_be16(mem.data() + 4 + 12, 0x0007);  // the second element: a reserved ID
  const auto r = c.load_memo(real, 0, mem.size(), gsb::Policy::run_input());
  ASSERT_FALSE(r);
  EXPECT_FALSE(c.memo_hit());
  EXPECT_EQ(r.error().index, 1u);
  gsb::store_be16(mem.data() + 4 + 12, gsb::id::gpr(4));
  gsb::store_be16(mem.data() + 4 + 2, 4);  // GPR3 with a 4-byte length
  EXPECT_FALSE(c.load_memo(real, 0, mem.size(), gsb::Policy::run_input()));
  // A different policy never takes another policy's memo.
  gsb::store_be16(mem.data() + 4 + 2, 8);
  ASSERT_TRUE(c.load_memo(real, 0, mem.size(), gsb::Policy::run_input()));
  ASSERT_TRUE(c.load_memo(real, 0, mem.size(), gsb::Policy::set(gsb::Scope::Thread)));
  EXPECT_FALSE(c.memo_hit());
}

// The run input plan (RunInputPlan: memo hits applied by stores) against write_element
// of a fresh validating load, over random values and shapes: plain Be64 elements, Be64
// elements with a settable mask, Be32 elements and a Vec128 element (no direct home: that
// shape goes through write_element). The two states must end byte for byte equal.
TEST(RunInputPlan, AgreesWithWriteElementOnRandomInputs) {
  std::vector<gsb::ElementId> plain, masked, be32, wide;
  for (const gsb::ElementDesc& d : gsb::kElements) {
    if (!d.run_input || d.scope != gsb::Scope::Thread || !d.writable() || d.rule != gsb::ValueRule::None)
      continue;
    for (uint16_t i = 0; i < d.count; ++i) {
      const auto id = static_cast<gsb::ElementId>(d.first + i);
      if (d.type == gsb::Type::Be64) (d.settable_mask != gsb::kAll ? masked : plain).push_back(id);
      else if (d.type == gsb::Type::Be32) be32.push_back(id);
      else if (d.type == gsb::Type::Vec128) wide.push_back(id);
    }
  }
  ASSERT_GE(plain.size(), 4u);
  ASSERT_FALSE(masked.empty());
  ASSERT_FALSE(be32.empty());
  ASSERT_FALSE(wide.empty());
  const std::vector<std::vector<gsb::ElementId>> shapes = {
      {plain[3], plain[40 % plain.size()]}, {plain[0], masked[0], be32[0], plain[2]},
      {masked.back(), be32.back()}, {plain[1], wide[0]}, {}};
  std::mt19937_64 rng(7);
  std::vector<uint8_t> mem(8192);
  const papr::RealMemory real(mem.data(), mem.size());
  isa::VcpuState a{}, b{};
  // Same arbitrary start: the masked bits of the old value must survive in both.
  for (auto& r : a.gpr) r = rng();
  a.msr = rng();
  a.lpcr = rng();
  b = a;
  StateRefs ra, rb;
  ra.vcpu = &a;
  rb.vcpu = &b;
  GsbCopy memo;
  RunInputPlan plan;
  unsigned used = 0;
  for (int it = 0; it < 600; ++it) {
    const auto& ids = shapes[rng() % 10 < 6 ? 1 : rng() % shapes.size()];
    gsb::Writer w(mem);
    for (gsb::ElementId id : ids) {
      const gsb::Type t = gsb::find(id)->type;
      if (t == gsb::Type::Be64) ASSERT_TRUE(w.put_be64(id, rng()));
      else if (t == gsb::Type::Be32) ASSERT_TRUE(w.put_be32(id, static_cast<uint32_t>(rng())));
      else ASSERT_TRUE(w.put_vec128(id, {rng(), rng()}));
    }
    ASSERT_TRUE(memo.load_memo(real, 0, mem.size(), gsb::Policy::run_input())) << it;
    plan.apply(memo, ra);
    used += plan.used() ? 1u : 0u;
    if (plan.used()) {
      EXPECT_TRUE(memo.memo_hit());
      EXPECT_NE(&ids, &shapes[3]) << "a Vec128 element has no direct home";
    }
    GsbCopy fresh;
    ASSERT_TRUE(fresh.load(real, 0, mem.size(), gsb::Policy::run_input()));
    fresh.for_each_element([&](const gsb::Element& e) { write_element(rb, e); });
    ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << "states differ after input " << it;
  }
  EXPECT_GT(used, 200u) << "the plan served the repeated shapes";
}

}  // namespace
}  // namespace nv2::l0::test
