// Precomputed layouts (gsb/layout.hpp) against the element-by-element Writer and Reader:
// the fast path must produce and accept exactly what the general path does.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "gsb/layout.hpp"

using namespace nv2::gsb;
using nv2::papr::HStatus;

namespace {

struct Guest {
  uint32_t pvr = 0;
  uint64_t tb_offset = 0;
  PartitionTableInfo pt{};
  ProcessTableInfo proc{};
};

struct Vcpu {
  std::array<BufferInfo, 2> run{};
  uint64_t vpa = 0;
  std::array<uint64_t, 32> gpr{};
  std::array<uint64_t, 52> spr64{};  // 0x1020–0x1053
  std::array<uint32_t, 15> spr32{};  // 0x2000–0x200E
  std::array<Vec128, 64> vsr{};
  uint64_t hdar = 0;
  uint32_t hdsisr = 0;
  uint64_t heir = 0;
  uint64_t asdr = 0;
  friend bool operator==(const Vcpu&, const Vcpu&) = default;
};

HostMap<Vcpu> vcpu_map() {
  HostMap<Vcpu> m;
  EXPECT_TRUE(m.bind_array(id::kRunInput, &Vcpu::run));
  EXPECT_TRUE(m.bind(id::kVpa, &Vcpu::vpa));
  EXPECT_TRUE(m.bind_array(id::gpr(0), &Vcpu::gpr));
  EXPECT_TRUE(m.bind_array(0x1020, &Vcpu::spr64));
  EXPECT_TRUE(m.bind_array(0x2000, &Vcpu::spr32));
  EXPECT_TRUE(m.bind_array(id::vsr(0), &Vcpu::vsr));
  EXPECT_TRUE(m.bind(id::kHdar, &Vcpu::hdar));
  EXPECT_TRUE(m.bind(id::kHdsisr, &Vcpu::hdsisr));
  EXPECT_TRUE(m.bind(id::kHeir, &Vcpu::heir));
  EXPECT_TRUE(m.bind(id::kAsdr, &Vcpu::asdr));
  return m;
}

Vcpu random_vcpu(std::mt19937_64& rng) {
  Vcpu v;
  for (auto& b : v.run) b = {rng() | 0x1000, (rng() & 0xFFFF) + 4};
  v.vpa = rng();
  for (auto& x : v.gpr) x = rng();
  for (auto& x : v.spr64) x = rng();
  for (auto& x : v.spr32) x = static_cast<uint32_t>(rng());
  for (auto& x : v.vsr) x = {rng(), rng()};
  v.hdar = rng();
  v.hdsisr = static_cast<uint32_t>(rng());
  v.heir = rng();
  v.asdr = rng();
  return v;
}

// The value the map binds to `id` in `v`, for the reference Writer.
Value value_of(const Vcpu& v, const HostMap<Vcpu>& m, ElementId id) {
  const auto* p = reinterpret_cast<const unsigned char*>(&v) + *m.offset(id);
  uint64_t w[3] = {};
  uint32_t x = 0;
  switch (find(id)->type) {
    case Type::Be32: std::memcpy(&x, p, 4); return x;
    case Type::Be64: std::memcpy(w, p, 8); return w[0];
    case Type::Vec128: std::memcpy(w, p, 16); return Vec128{w[0], w[1]};
    case Type::BufferInfo: std::memcpy(w, p, 16); return BufferInfo{w[0], w[1]};
    case Type::ProcessTable: std::memcpy(w, p, 16); return ProcessTableInfo{w[0], w[1]};
    case Type::PartitionTable: std::memcpy(w, p, 24); return PartitionTableInfo{w[0], w[1], w[2]};
  }
  return uint64_t{0};
}

}  // namespace

TEST(HostMap, BindChecksSizesAndIds) {
  HostMap<Vcpu> m;
  EXPECT_FALSE(m.bind(id::kCr, &Vcpu::vpa));      // CR is 4 bytes, vpa 8
  EXPECT_FALSE(m.bind(id::kNia, &Vcpu::hdsisr));  // NIA is 8 bytes
  EXPECT_FALSE(m.bind(0x1054, &Vcpu::vpa));       // reserved ID
  EXPECT_FALSE(m.bind_array(id::gpr(0), &Vcpu::gpr, 33));
  EXPECT_TRUE(m.bound().empty());
  EXPECT_TRUE(m.bind(id::kNia, &Vcpu::vpa));
  EXPECT_EQ(m.offset(id::kNia), offsetof(Vcpu, vpa));
  EXPECT_FALSE(m.offset(id::kMsr).has_value());
  const HostMap<Vcpu> full = vcpu_map();
  EXPECT_EQ(full.offset(id::gpr(5)), offsetof(Vcpu, gpr) + 5 * 8);
  EXPECT_EQ(full.offset(id::vsr(63)), offsetof(Vcpu, vsr) + 63 * 16);
  EXPECT_EQ(full.offset(0x1053), offsetof(Vcpu, spr64) + 0x33 * 8);
}

// Layout::encode gives the same bytes as putting each element with the Writer, for random
// ID sets and values.
TEST(Layout, EncodeMatchesWriterOnRandomSets) {
  const HostMap<Vcpu> m = vcpu_map();
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 300; ++iter) {
    IdBitmap ids;
    const unsigned density = 1 + static_cast<unsigned>(rng() % 8);
    for (ElementId id : m.bound())
      if (rng() % density == 0) ids.set(id);
    const Vcpu v = random_vcpu(rng);
    const Layout<Vcpu> layout(ids, m);
    EXPECT_EQ(layout.ids(), ids);
    EXPECT_EQ(layout.count(), ids.count());
    std::vector<uint8_t> fast(layout.size()), ref(layout.size());
    auto n = layout.encode(fast, v);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(*n, layout.size());
    Writer w(ref);
    for (ElementId id : ids) ASSERT_TRUE(w.put(id, value_of(v, m, id)).has_value());
    ASSERT_EQ(w.size(), layout.size());
    EXPECT_EQ(fast, ref) << "iteration " << iter;

    // And the fast read gets the values back, as the general path does.
    Vcpu a{}, b{};
    ASSERT_TRUE(layout.read(fast, Policy::structure(), a));
    auto r = Reader::read(fast, Policy::structure());
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(apply(*r, m, b), ids);
    EXPECT_EQ(a, b);
  }
}

TEST(Layout, UnboundIdsAreLeftOut) {
  HostMap<Vcpu> m;
  ASSERT_TRUE(m.bind(id::kNia, &Vcpu::vpa));
  const Layout<Vcpu> layout(IdBitmap{id::kNia, id::kMsr}, m);
  EXPECT_EQ(layout.ids(), IdBitmap{id::kNia});
  EXPECT_EQ(layout.size(), 4u + 12u);
}

TEST(Layout, EncodeReportsCapacity) {
  const HostMap<Vcpu> m = vcpu_map();
  const Layout<Vcpu> layout(IdBitmap{id::kNia, id::kMsr}, m);
  std::vector<uint8_t> small(layout.size() - 1);
  auto r = layout.encode(small, Vcpu{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().cause, Cause::Capacity);
  EXPECT_EQ(r.error().code, HStatus::OutputBufferTooSmall);
}

// The fast read accepts only the exact layout, leaves the state untouched otherwise, and
// read_into then falls back to the Reader with its exact error.
TEST(Layout, ReadRefusesAnythingElseAndLeavesStateUntouched) {
  const HostMap<Vcpu> m = vcpu_map();
  const IdBitmap exit_ids{id::kHdar, id::kHdsisr, id::kAsdr, id::kNia, id::kMsr};
  const Layout<Vcpu> layout(exit_ids, m);
  std::mt19937_64 rng(5);
  const Vcpu v = random_vcpu(rng);
  std::vector<uint8_t> buf(layout.size());
  ASSERT_TRUE(layout.encode(buf, v).has_value());

  Vcpu out{};
  ASSERT_TRUE(layout.read(buf, Policy::run_output(), out));
  EXPECT_EQ(out.hdar, v.hdar);
  EXPECT_EQ(out.hdsisr, v.hdsisr);
  EXPECT_EQ(out.spr64[2], v.spr64[2]);  // MSR

  // Read-only elements are refused in a run input buffer: not by the fast path, and the
  // general path names the first of them.
  Vcpu untouched{};
  EXPECT_FALSE(layout.read(buf, Policy::run_input(), untouched));
  EXPECT_EQ(untouched, Vcpu{});
  auto e = read_into(buf, Policy::run_input(), m, untouched, &layout);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().cause, Cause::ReadOnly);
  EXPECT_EQ(e.error().index, 2u);  // ID order: NIA, MSR, then HDAR
  EXPECT_EQ(untouched, Vcpu{});

  // Each header byte changed → the fast path refuses; the general path decides.
  for (std::size_t at : {std::size_t{4}, std::size_t{5}, std::size_t{6}, std::size_t{7}, std::size_t{16},
                         std::size_t{18}, layout.size() - 12}) {
    std::vector<uint8_t> bad = buf;
    bad[at] ^= 0x01;
    Vcpu s{};
    EXPECT_FALSE(layout.read(bad, Policy::run_output(), s)) << "byte " << at;
    EXPECT_EQ(s, Vcpu{});
  }
  // Another count, or a short buffer.
  std::vector<uint8_t> fewer = buf;
  store_be32(fewer.data(), 4);
  EXPECT_FALSE(layout.read(fewer, Policy::run_output(), out));
  EXPECT_FALSE(layout.read(std::span<const uint8_t>(buf).first(buf.size() - 1), Policy::run_output(), out));

  // A buffer with the same IDs in another order is valid: read_into takes the general path.
  std::vector<uint8_t> other(layout.size());
  Writer w(other);
  for (ElementId id : {id::kMsr, id::kNia, id::kAsdr, id::kHdsisr, id::kHdar})
    ASSERT_TRUE(w.put(id, value_of(v, m, id)).has_value());
  Vcpu s{};
  EXPECT_FALSE(layout.read(other, Policy::run_output(), s));
  auto got = read_into(other, Policy::run_output(), m, s, &layout);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, exit_ids);
  EXPECT_EQ(s.hdar, v.hdar);
  EXPECT_EQ(s.asdr, v.asdr);
}

TEST(Layout, ReadChecksValueRulesOnWrites) {
  HostMap<Guest> m;
  ASSERT_TRUE(m.bind(id::kLogicalPvr, &Guest::pvr));
  ASSERT_TRUE(m.bind(id::kTbOffset, &Guest::tb_offset));
  ASSERT_TRUE(m.bind(id::kPartitionTable, &Guest::pt));
  ASSERT_TRUE(m.bind(id::kProcessTable, &Guest::proc));
  const Layout<Guest> layout(IdBitmap::of([](const ElementDesc& d) {
                               return d.scope == Scope::Guest && d.writable();
                             }),
                             m);
  EXPECT_EQ(layout.count(), 4u);
  Guest g{0x0F000006, 0x1000, {0x10000, 52, 0x10000}, {0x200000, 0x1000}};
  std::vector<uint8_t> buf(layout.size());
  ASSERT_TRUE(layout.encode(buf, g).has_value());
  Guest out{};
  ASSERT_TRUE(layout.read(buf, Policy::set(Scope::Guest), out));
  EXPECT_EQ(out.pt, g.pt);
  EXPECT_EQ(out.pvr, g.pvr);
  EXPECT_FALSE(layout.read(buf, Policy::set(Scope::Thread), out));  // wrong scope

  g.pvr = 0;  // invalid logical PVR
  ASSERT_TRUE(layout.encode(buf, g).has_value());
  Guest untouched{};
  EXPECT_FALSE(layout.read(buf, Policy::set(Scope::Guest), untouched));
  auto e = read_into(buf, Policy::set(Scope::Guest), m, untouched, &layout);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, HStatus::InvalidElementValue);
  EXPECT_EQ(e.error().index, 0u);
  EXPECT_EQ(untouched.tb_offset, 0u);
  // A GET carries no values to check.
  EXPECT_TRUE(layout.read(buf, Policy::get(Scope::Guest), untouched));

  // Masks only when asked: TB offset above 40 bits.
  g.pvr = 0x0F000005;
  g.tb_offset = uint64_t{1} << 45;
  ASSERT_TRUE(layout.encode(buf, g).has_value());
  EXPECT_TRUE(layout.read(buf, Policy::set(Scope::Guest), out));
  Policy strict = Policy::set(Scope::Guest);
  strict.reject_unsettable_bits = true;
  EXPECT_FALSE(layout.read(buf, strict, out));
  auto m2 = read_into(buf, strict, m, out, &layout);
  ASSERT_FALSE(m2.has_value());
  EXPECT_EQ(m2.error().index, 1u);
}

TEST(Layout, ApplyLastDuplicateWins) {
  const HostMap<Vcpu> m = vcpu_map();
  std::vector<uint8_t> buf(64);
  Writer w(buf);
  ASSERT_TRUE(w.put_be64(id::kNia, 1).has_value());
  ASSERT_TRUE(w.put_be32(id::kCr, 7).has_value());
  ASSERT_TRUE(w.put_be64(id::kNia, 2).has_value());
  Vcpu v{};
  auto got = read_into(w.bytes(), Policy::run_input(), m, v);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (IdBitmap{id::kNia, id::kCr}));
  EXPECT_EQ(v.spr64[1], 2u);
  EXPECT_EQ(v.spr32[0], 7u);
}
