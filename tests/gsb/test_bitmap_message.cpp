// IdBitmap and Message: the ID-set machinery the L1 cache and the L0 are built on.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "gsb/bitmap.hpp"
#include "gsb/message.hpp"

using namespace nv2::gsb;

TEST(Bitmap, SetTestClearCountEmpty) {
  IdBitmap b;
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.set(id::kNia));
  EXPECT_TRUE(b.set(id::vsr(63)));
  EXPECT_TRUE(b.set(id::kL0VcpuStateSize));
  EXPECT_FALSE(b.set(0x0000));  // reserved: refused, nothing changes
  EXPECT_FALSE(b.set(0x1054));
  EXPECT_EQ(b.count(), 3u);
  EXPECT_TRUE(b.test(id::kNia));
  EXPECT_FALSE(b.test(id::kMsr));
  EXPECT_FALSE(b.test(0x0000));
  EXPECT_TRUE(b.clear(id::kNia));
  EXPECT_FALSE(b.test(id::kNia));
  EXPECT_FALSE(b.clear(0xFFFF));
  EXPECT_EQ(b.count(), 2u);
  EXPECT_FALSE(b.empty());
  b.clear_all();
  EXPECT_TRUE(b.empty());
}

TEST(Bitmap, EveryIdHasItsOwnBit) {
  for (ElementId id : kIdByDenseIndex) {
    IdBitmap b;
    ASSERT_TRUE(b.set(id));
    EXPECT_EQ(b.count(), 1u) << element_name(id);
    EXPECT_EQ(*b.begin(), id);
    for (ElementId other : {ElementId{0x0001}, id::kNia, id::kAsdr, id::vsr(0)})
      EXPECT_EQ(b.test(other), other == id);
  }
  EXPECT_EQ(IdBitmap::all().count(), kElementCount);
}

TEST(Bitmap, IteratesInIdOrder) {
  IdBitmap b{id::kAsdr, id::gpr(0), id::kTbOffset, id::vsr(10), id::kHostHeapMax, id::kCr};
  std::vector<ElementId> got(b.begin(), b.end());
  const std::vector<ElementId> want = {id::kTbOffset, id::kHostHeapMax, id::gpr(0), id::kCr,
                                       id::vsr(10), id::kAsdr};
  EXPECT_EQ(got, want);
  std::vector<ElementId> all(IdBitmap::all().begin(), IdBitmap::all().end());
  EXPECT_EQ(all, std::vector<ElementId>(kIdByDenseIndex.begin(), kIdByDenseIndex.end()));
  EXPECT_TRUE(IdBitmap{}.begin() == IdBitmap{}.end());
}

TEST(Bitmap, UnionIntersectionDifference) {
  const IdBitmap a{id::kNia, id::kMsr, id::vsr(1)};
  const IdBitmap b{id::kMsr, id::kCr, id::vsr(1), id::kAsdr};
  EXPECT_EQ((a | b).count(), 5u);
  EXPECT_EQ((a & b), (IdBitmap{id::kMsr, id::vsr(1)}));
  EXPECT_EQ((a - b), (IdBitmap{id::kNia}));
  EXPECT_EQ((b - a), (IdBitmap{id::kCr, id::kAsdr}));
  IdBitmap c = a;
  c |= b;
  c -= IdBitmap::all();
  EXPECT_TRUE(c.empty());
}

TEST(Bitmap, OfPredicateFollowsTheTable) {
  const IdBitmap thread_rw = IdBitmap::of([](const ElementDesc& d) {
    return d.scope == Scope::Thread && d.access == Access::RW;
  });
  EXPECT_TRUE(thread_rw.test(id::kNia));
  EXPECT_TRUE(thread_rw.test(id::kRunInput));
  EXPECT_FALSE(thread_rw.test(0x103A));  // PPR is W
  EXPECT_FALSE(thread_rw.test(id::kHdar));
  EXPECT_FALSE(thread_rw.test(id::kTbOffset));
  // 3 meta + 32 GPR + 51 other 64-bit (PPR is W) + 15 32-bit + 64 VSR.
  EXPECT_EQ(thread_rw.count(), 3u + 32u + 51u + 15u + 64u);
}

namespace {

// A toy value store: what an L1 cache or L0 vCPU would be.
struct Store : ValueSource, ValueSink {
  std::map<ElementId, Value> v;
  Value value(ElementId id) const override {
    auto it = v.find(id);
    if (it != v.end()) return it->second;
    return decode(find(id)->type, std::array<uint8_t, 24>{}.data());
  }
  void accept(const Element& e) override { v[e.id] = e.value(); }
};

}  // namespace

TEST(Message, FillThenRefreshMovesEveryValue) {
  Store src;
  src.v[id::kNia] = uint64_t{0x700};
  src.v[id::kCr] = uint32_t{0x22000000};
  src.v[id::vsr(3)] = Vec128{5, 6};
  src.v[id::gpr(3)] = uint64_t{42};
  Message m(IdBitmap{id::kNia, id::kCr, id::vsr(3), id::gpr(3)});
  EXPECT_EQ(m.wire_size(), 4u + (4 + 8) + (4 + 4) + (4 + 16) + (4 + 8));
  std::vector<uint8_t> buf(m.wire_size());
  Writer w(buf);
  ASSERT_TRUE(m.fill(w, static_cast<const ValueSource&>(src)).has_value());
  EXPECT_EQ(w.size(), buf.size());
  EXPECT_EQ(w.count(), 4u);

  auto r = Reader::read(w.bytes(), Policy::run_input());
  ASSERT_TRUE(r.has_value());
  Store dst;
  // Refresh only a subset: the rest stays untouched.
  Message part(IdBitmap{id::kNia, id::vsr(3), id::kLr});
  const IdBitmap got = part.refresh(*r, static_cast<ValueSink&>(dst));
  EXPECT_EQ(got, (IdBitmap{id::kNia, id::vsr(3)}));
  EXPECT_EQ(dst.v.size(), 2u);
  EXPECT_EQ(dst.v[id::kNia], Value{uint64_t{0x700}});
  EXPECT_EQ(dst.v[id::vsr(3)], Value{(Vec128{5, 6})});
  m.refresh(*r, [&](const Element& e) { dst.accept(e); });
  EXPECT_EQ(dst.v, src.v);
}

TEST(Message, FillReportsEncoderErrors) {
  Message m(IdBitmap{id::kNia, id::kMsr});
  std::vector<uint8_t> buf(m.wire_size() - 1);
  Writer w(buf);
  auto r = m.fill(w, [](ElementId) { return Value{uint64_t{1}}; });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().cause, Cause::Capacity);
  EXPECT_EQ(r.error().id, id::kMsr);
  // A source handing the wrong type is reported too, not silently encoded.
  std::vector<uint8_t> big(64);
  Writer w2(big);
  auto bad = m.fill(w2, [](ElementId) { return Value{uint32_t{1}}; });
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().cause, Cause::WrongType);
}

TEST(Message, FillRequestIsAValidGet) {
  const IdBitmap regs = IdBitmap::of([](const ElementDesc& d) {
    return d.scope == Scope::Thread && d.readable();
  });
  Message m(regs);
  std::vector<uint8_t> buf(m.wire_size());
  Writer w(buf);
  ASSERT_TRUE(m.fill_request(w).has_value());
  auto r = Reader::read(w.bytes(), Policy::get(Scope::Thread));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->ids(), regs);
  for (const Element& e : *r)
    for (uint8_t byte : e.bytes()) EXPECT_EQ(byte, 0);
}
