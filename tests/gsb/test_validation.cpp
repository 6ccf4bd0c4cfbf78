// One test per error class of the reader and writer (papr-nestedv2.md §3 "Element errors"),
// each on hand-built bytes, checking the PAPR code, the cause, the element index and the
// byte offset.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "gsb/buffer.hpp"
#include "papr/flags.hpp"

using namespace nv2::gsb;
using nv2::papr::HStatus;

namespace {

// Hand-built buffers: header count, then elements given as (id, size, value bytes).
struct Raw {
  std::vector<uint8_t> b{0, 0, 0, 0};
  Raw& count(uint32_t n) {
    store_be32(b.data(), n);
    return *this;
  }
  Raw& elem(ElementId id, uint16_t size, std::initializer_list<uint8_t> value = {}) {
    const std::size_t at = b.size();
    b.resize(at + 4);
    store_be16(b.data() + at, id);
    store_be16(b.data() + at + 2, size);
    b.insert(b.end(), value.begin(), value.end());
    store_be32(b.data(), load_be32(b.data()) + 1);
    return *this;
  }
  // An element with a correct size and a zero value, or a given be64/be32 value.
  Raw& zero(ElementId id) {
    const uint16_t n = find(id)->size();
    elem(id, n);
    b.resize(b.size() + n, 0);
    return *this;
  }
  Raw& u64(ElementId id, uint64_t v) {
    elem(id, 8);
    b.resize(b.size() + 8);
    store_be64(b.data() + b.size() - 8, v);
    return *this;
  }
  Raw& u32(ElementId id, uint32_t v) {
    elem(id, 4);
    b.resize(b.size() + 4);
    store_be32(b.data() + b.size() - 4, v);
    return *this;
  }
  Raw& pt(const PartitionTableInfo& v) {
    elem(id::kPartitionTable, 24);
    b.resize(b.size() + 24);
    encode(b.data() + b.size() - 24, v);
    return *this;
  }
  Raw& bi(ElementId id, const BufferInfo& v) {
    elem(id, 16);
    b.resize(b.size() + 16);
    encode(b.data() + b.size() - 16, v);
    return *this;
  }
};

Error expect_error(const std::vector<uint8_t>& b, Policy p) {
  Reader r;
  auto res = r.parse(b, p);
  EXPECT_FALSE(res.has_value());
  if (res) return Error{HStatus::Success, 0, 0};
  EXPECT_EQ(r.count(), 0u) << "a failed parse leaves the reader empty";
  EXPECT_TRUE(r.ids().empty());
  return res.error();
}

void expect_ok(const std::vector<uint8_t>& b, Policy p) {
  auto r = Reader::read(b, p);
  EXPECT_TRUE(r.has_value()) << (r ? "" : describe(r.error().cause)) << " index "
                             << (r ? 0 : r.error().index);
}

}  // namespace

TEST(Validation, TruncatedHeaderMapsToSizeParameterOrRunBufferCode) {
  for (std::size_t n = 0; n < 4; ++n) {
    std::vector<uint8_t> b(n, 0);
    Error e = expect_error(b, Policy::set(Scope::Thread));
    EXPECT_EQ(e.code, HStatus::P5);
    EXPECT_EQ(e.cause, Cause::TruncatedHeader);
    EXPECT_TRUE(e.truncated());
    EXPECT_EQ(e.index, 0u);
    EXPECT_EQ(e.offset, 0u);
    EXPECT_EQ(expect_error(b, Policy::get(Scope::Guest)).code, HStatus::P5);
    EXPECT_EQ(expect_error(b, Policy::run_input()).code, HStatus::InputBufferTooSmall);
    EXPECT_EQ(expect_error(b, Policy::run_output()).code, HStatus::OutputBufferTooSmall);
  }
}

TEST(Validation, CountLargerThanData) {
  Raw r;
  r.zero(id::kNia).zero(id::kMsr).count(3);
  Error e = expect_error(r.b, Policy::set(Scope::Thread));
  EXPECT_EQ(e.code, HStatus::P5);
  EXPECT_EQ(e.cause, Cause::TruncatedElement);
  EXPECT_EQ(e.index, 2u);
  EXPECT_EQ(e.offset, 4u + 12u + 12u);

  // A count of 2^32-1 over a small buffer stops at the first element that is not there.
  r.count(0xFFFFFFFFu);
  e = expect_error(r.b, Policy::run_input());
  EXPECT_EQ(e.code, HStatus::InputBufferTooSmall);
  EXPECT_EQ(e.index, 2u);
}

TEST(Validation, TruncatedElementHeader) {
  Raw r;
  r.zero(id::kNia);
  r.b.push_back(0x10);
  r.b.push_back(0x22);  // half an element header
  r.count(2);
  Error e = expect_error(r.b, Policy::get(Scope::Thread));
  EXPECT_EQ(e.cause, Cause::TruncatedElement);
  EXPECT_EQ(e.code, HStatus::P5);
  EXPECT_EQ(e.index, 1u);
  EXPECT_EQ(e.offset, 16u);
}

TEST(Validation, TruncatedValue) {
  Raw r;
  r.zero(id::kCr).elem(id::kNia, 8, {1, 2, 3});  // 3 of 8 value bytes
  Error e = expect_error(r.b, Policy::set(Scope::Thread));
  EXPECT_EQ(e.cause, Cause::TruncatedElement);
  EXPECT_EQ(e.code, HStatus::P5);
  EXPECT_EQ(e.index, 1u);
  EXPECT_EQ(e.offset, 12u);
  EXPECT_EQ(e.id, id::kNia);
}

TEST(Validation, UnknownAndReservedIds) {
  for (ElementId bad : std::initializer_list<ElementId>{0x0000, 0x0007, 0x07FF, 0x0805, 0x0BFF, 0x0C03, 0x0FFF, 0x1054, 0x1FFF,
                        0x200F, 0x2FFF, 0x3040, 0xEFFF, 0xF004, 0xFFFF}) {
    Raw r;
    r.zero(id::gpr(1)).elem(bad, 8).b.resize(r.b.size() + 8);
    for (Policy p : {Policy::set(Scope::Thread), Policy::get(Scope::Thread), Policy::run_input(),
                     Policy::structure()}) {
      Error e = expect_error(r.b, p);
      EXPECT_EQ(e.code, HStatus::InvalidElementId) << std::hex << bad;
      EXPECT_EQ(e.cause, Cause::UnknownId);
      EXPECT_EQ(e.index, 1u);
      EXPECT_EQ(e.offset, 16u);
      EXPECT_EQ(e.id, bad);
    }
  }
}

TEST(Validation, WrongScopeForTheCall) {
  struct Case {
    ElementId id;
    Policy policy;
  };
  const Case cases[] = {
      {id::kTbOffset, Policy::set(Scope::Thread)},     // guest-wide in a thread-wide SET
      {id::kNia, Policy::set(Scope::Guest)},           // thread-wide in a guest-wide SET
      {id::kRunInput, Policy::get(Scope::Guest)},      // meta counts as thread-wide
      {id::kHostHeapMax, Policy::get(Scope::Guest)},   // host-wide in a guest-wide GET
      {id::kHostHeapMax, Policy::get(Scope::Thread)},  //
      {id::kLogicalPvr, Policy::get(Scope::Host)},     // guest-wide in a host-wide GET
      {id::kNia, Policy::get(Scope::Host)},            //
      {id::kTbOffset, Policy::run_input()},            // run buffers are thread-wide
      {id::kHostHeapInUse, Policy::run_output()},
  };
  for (const Case& c : cases) {
    Raw r;
    r.zero(c.id);
    Error e = expect_error(r.b, c.policy);
    EXPECT_EQ(e.code, HStatus::InvalidElementId) << element_name(c.id);
    EXPECT_EQ(e.cause, Cause::WrongScope) << element_name(c.id);
    EXPECT_EQ(e.index, 0u);
    EXPECT_EQ(e.offset, 4u);
    // The same element is fine for the structural policy.
    expect_ok(r.b, Policy::structure());
  }
  // And each scope accepts its own.
  Raw g, t, h;
  g.zero(id::kTbOffset).zero(id::kProcessTable);
  t.zero(id::kNia).zero(id::kRunOutput).zero(id::vsr(0));
  h.zero(id::kHostHeapInUse).zero(id::kHostPgtableReclaim);
  expect_ok(g.b, Policy::get(Scope::Guest));
  expect_ok(t.b, Policy::get(Scope::Thread));
  expect_ok(h.b, Policy::get(Scope::Host));
}

TEST(Validation, WriteOfReadOnlyElement) {
  for (ElementId ro : std::initializer_list<ElementId>{id::kL0VcpuStateSize, id::kRunOutputMinSize}) {
    Raw r;
    r.zero(id::kTbOffset).zero(ro);
    Error e = expect_error(r.b, Policy::set(Scope::Guest));
    EXPECT_EQ(e.code, HStatus::InvalidElementId);
    EXPECT_EQ(e.cause, Cause::ReadOnly);
    EXPECT_EQ(e.index, 1u);
    expect_ok(r.b, Policy::get(Scope::Guest));
  }
  for (ElementId ro : {id::kHdar, id::kHdsisr, id::kHeir, id::kAsdr}) {
    Raw r;
    r.zero(ro);
    EXPECT_EQ(expect_error(r.b, Policy::set(Scope::Thread)).cause, Cause::ReadOnly);
    EXPECT_EQ(expect_error(r.b, Policy::run_input()).cause, Cause::ReadOnly);
    expect_ok(r.b, Policy::get(Scope::Thread));
    expect_ok(r.b, Policy::run_output());
  }
  Raw h;
  h.zero(id::kHostHeapInUse);
  EXPECT_EQ(expect_error(h.b, Policy::set(Scope::Host)).cause, Cause::ReadOnly);
}

TEST(Validation, ReadOfWriteOnlyElement) {
  Raw r;
  r.zero(0x103A);  // PPR: W
  Error e = expect_error(r.b, Policy::get(Scope::Thread));
  EXPECT_EQ(e.code, HStatus::InvalidElementId);
  EXPECT_EQ(e.cause, Cause::WriteOnly);
  expect_ok(r.b, Policy::set(Scope::Thread));
  expect_ok(r.b, Policy::run_input());
}

TEST(Validation, ElementNotAllowedInRunInput) {
  for (ElementId meta : {id::kRunInput, id::kRunOutput, id::kVpa}) {
    Raw r;
    if (meta == id::kVpa) r.zero(meta);
    else r.bi(meta, {0x1000, 0x1000});
    Error e = expect_error(r.b, Policy::run_input());
    EXPECT_EQ(e.code, HStatus::InvalidElementId);
    EXPECT_EQ(e.cause, Cause::NotRunInput);
    expect_ok(r.b, Policy::set(Scope::Thread));  // registration goes by SET_STATE (§6)
  }
}

TEST(Validation, WrongSize) {
  Raw r;
  r.zero(id::kCr).elem(id::kNia, 4, {0, 0, 0, 0});
  Error e = expect_error(r.b, Policy::set(Scope::Thread));
  EXPECT_EQ(e.code, HStatus::InvalidElementSize);
  EXPECT_EQ(e.cause, Cause::WrongSize);
  EXPECT_EQ(e.index, 1u);
  EXPECT_EQ(e.offset, 12u);
  // Size is checked before the value is touched: a wrong size that also runs past the end
  // is a size error.
  Raw big;
  big.elem(id::kCr, 0xFFFF);
  EXPECT_EQ(expect_error(big.b, Policy::structure()).code, HStatus::InvalidElementSize);
  // VSR with 8 bytes, HEIR with 4 (nv2 decision: HEIR is 8 bytes).
  Raw v;
  v.elem(id::vsr(5), 8, {0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(expect_error(v.b, Policy::get(Scope::Thread)).cause, Cause::WrongSize);
  Raw heir;
  heir.elem(id::kHeir, 4, {0, 0, 0, 0});
  EXPECT_EQ(expect_error(heir.b, Policy::run_output()).cause, Cause::WrongSize);
}

TEST(Validation, LogicalPvrValues) {
  using namespace nv2::papr;
  for (uint32_t ok : {pvr::kPower9, pvr::kPower10, pvr::kPower11}) {
    Raw r;
    r.u32(id::kLogicalPvr, ok);
    expect_ok(r.b, Policy::set(Scope::Guest));
  }
  for (uint32_t bad : {0u, 0x0F000004u, 0x0F000008u, 0x004E1200u, 0xFFFFFFFFu}) {
    Raw r;
    r.u64(id::kTbOffset, 5).u32(id::kLogicalPvr, bad);
    Error e = expect_error(r.b, Policy::set(Scope::Guest));
    EXPECT_EQ(e.code, HStatus::InvalidElementValue) << std::hex << bad;
    EXPECT_EQ(e.cause, Cause::BadValue);
    EXPECT_EQ(e.index, 1u);
    EXPECT_EQ(e.offset, 16u);
    // A GET carries no values to check.
    expect_ok(r.b, Policy::get(Scope::Guest));
  }
}

TEST(Validation, PartitionTableValues) {
  const PartitionTableInfo good{0x10000, 52, 0x10000};
  Raw ok;
  ok.pt(good);
  expect_ok(ok.b, Policy::set(Scope::Guest));
  Raw small;
  small.pt({0x100, 52, 256});
  expect_ok(small.b, Policy::set(Scope::Guest));
  const PartitionTableInfo bad[] = {
      {0x10000, 48, 0x10000},                 // EA bits other than 52
      {0x10000, 52, 0x18000},                 // root size not a power of two
      {0x10000, 52, 0},                       // no root
      {0x80, 52, 128},                        // root smaller than 32 entries
      {0x18000, 52, 0x10000},                 // root not aligned to its size
      {uint64_t{1} << 52, 52, 0x10000},       // root outside 52-bit real space
      {0, 52, uint64_t{1} << 53},             // root larger than real space
  };
  for (const auto& pt : bad) {
    Raw r;
    r.pt(pt);
    Error e = expect_error(r.b, Policy::set(Scope::Guest));
    EXPECT_EQ(e.code, HStatus::InvalidElementValue) << pt.root << " " << pt.ea_bits << " " << pt.root_size;
  }
}

TEST(Validation, RunBufferInfoValues) {
  Raw ok;
  ok.bi(id::kRunInput, {0x1000, 4}).bi(id::kRunOutput, {0, 0x10000});
  expect_ok(ok.b, Policy::set(Scope::Thread));
  for (BufferInfo bad : {BufferInfo{0x1000, 0}, BufferInfo{0x1000, 3},
                         BufferInfo{~uint64_t{0} - 8, 16}}) {
    Raw r;
    r.bi(id::kRunOutput, bad);
    EXPECT_EQ(expect_error(r.b, Policy::set(Scope::Thread)).code, HStatus::InvalidElementValue);
  }
  Raw vpa;
  vpa.u64(id::kVpa, ~uint64_t{0});  // all-ones deregisters
  expect_ok(vpa.b, Policy::set(Scope::Thread));
}

TEST(Validation, SettableMasksOnlyWhenAsked) {
  Raw r;
  r.u64(id::kNia, 0x100).u64(id::kMsr, 0x1000000000000000ull);  // MSR[HV] (bit 3)
  expect_ok(r.b, Policy::set(Scope::Thread));                    // default: the L0 masks
  Policy strict = Policy::set(Scope::Thread);
  strict.reject_unsettable_bits = true;
  Error e = expect_error(r.b, strict);
  EXPECT_EQ(e.code, HStatus::InvalidElementValue);
  EXPECT_EQ(e.index, 1u);
  Policy strict_run = Policy::run_input();
  strict_run.reject_unsettable_bits = true;
  EXPECT_EQ(expect_error(r.b, strict_run).index, 1u);

  Raw lpcr;
  lpcr.u64(id::kLpcr, kLpcrSettable);
  expect_ok(lpcr.b, strict);
  Raw hdexcr;
  hdexcr.u64(0x104F, 0x100000000ull);
  EXPECT_EQ(expect_error(hdexcr.b, strict).code, HStatus::InvalidElementValue);
}

TEST(Validation, FirstBadElementWins) {
  Raw r;
  r.zero(id::kNia).elem(id::kMsr, 4, {0, 0, 0, 0}).elem(0x0000, 0);
  Error e = expect_error(r.b, Policy::set(Scope::Thread));
  EXPECT_EQ(e.cause, Cause::WrongSize);
  EXPECT_EQ(e.index, 1u);
}

TEST(Validation, DuplicatesAllowedLastWins) {
  Raw r;
  r.u64(id::kNia, 1).u64(id::kMsr, 2).u64(id::kNia, 3);
  auto rd = Reader::read(r.b, Policy::set(Scope::Thread));
  ASSERT_TRUE(rd.has_value());
  EXPECT_EQ(rd->count(), 3u);
  EXPECT_EQ(rd->ids().count(), 2u);
  EXPECT_EQ(rd->find(id::kNia)->be64(), 3u);
  EXPECT_EQ(rd->find(id::kNia)->index, 2u);
  EXPECT_FALSE(rd->find(id::kLr).has_value());
  EXPECT_FALSE(rd->find(0x0000).has_value());
}

TEST(Validation, WriterUnknownIdWrongTypeAndCapacity) {
  std::vector<uint8_t> buf(4 + 12 + 6);
  Writer w(buf);
  auto e = w.put_be64(0x1054, 0);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, HStatus::InvalidElementId);
  EXPECT_EQ(e.error().cause, Cause::UnknownId);

  e = w.put_be32(id::kNia, 0);  // NIA is be64
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().cause, Cause::WrongType);
  EXPECT_EQ(e.error().code, HStatus::InvalidElementSize);
  e = w.put_vec128(id::kRunInput, {});  // 16 bytes, but buffer info
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().cause, Cause::WrongType);
  const uint8_t three[3] = {};
  e = w.put_raw(id::kCr, three);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().cause, Cause::WrongSize);
  EXPECT_EQ(w.count(), 0u);

  ASSERT_TRUE(w.put_be64(id::kNia, 1).has_value());
  e = w.put_be64(id::kMsr, 2);  // 12 bytes, 6 left
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, HStatus::OutputBufferTooSmall);
  EXPECT_EQ(e.error().cause, Cause::Capacity);
  EXPECT_EQ(e.error().index, 1u);
  EXPECT_EQ(e.error().offset, 16u);
  EXPECT_EQ(w.count(), 1u);
  EXPECT_EQ(w.size(), 16u);
  EXPECT_EQ(load_be32(buf.data()), 1u);
}

TEST(Validation, WriterOnASpanSmallerThanTheHeader) {
  std::vector<uint8_t> buf(3);
  Writer w(buf);
  EXPECT_EQ(w.size(), 0u);
  auto e = w.put_request(id::kNia);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().cause, Cause::Capacity);
}

TEST(Validation, StoreValueAnswersAGetInPlace) {
  Raw r;
  r.zero(id::kNia).zero(id::vsr(2));
  auto rd = Reader::read(r.b, Policy::get(Scope::Thread));
  ASSERT_TRUE(rd.has_value());
  std::vector<uint8_t> out = r.b;
  ASSERT_TRUE(store_value(out, *rd->find(id::kNia), uint64_t{0xABCD}).has_value());
  ASSERT_TRUE(store_value(out, *rd->find(id::vsr(2)), Vec128{1, 2}).has_value());
  auto bad = store_value(out, *rd->find(id::kNia), uint32_t{1});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().cause, Cause::WrongType);
  auto back = Reader::read(out, Policy::run_output());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->find(id::kNia)->be64(), 0xABCDu);
  EXPECT_EQ(back->find(id::vsr(2))->vec128(), (Vec128{1, 2}));
  std::vector<uint8_t> shorter(out.begin(), out.begin() + 20);
  EXPECT_EQ(store_value(shorter, *rd->find(id::vsr(2)), Vec128{}).error().cause, Cause::Capacity);
}
