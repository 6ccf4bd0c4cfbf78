// Every element ID of the table round-tripped through Writer → Reader with edge values
// (style-examples.md §15), and random round-trip property tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/elements.hpp"

using namespace nv2::gsb;

namespace {

constexpr uint64_t kEdge64[] = {0,
                                1,
                                0x7FFFFFFFFFFFFFFFull,
                                0x8000000000000000ull,
                                0xFFFFFFFFFFFFFFFFull,
                                0x0123456789ABCDEFull,
                                0x00000000FFFFFFFFull,
                                0xFFFFFFFF00000000ull};

Value edge_value(Type t, std::size_t k) {
  const std::size_t n = std::size(kEdge64);
  const uint64_t a = kEdge64[k % n];
  const uint64_t b = kEdge64[(k + 3) % n];
  const uint64_t c = kEdge64[(k + 5) % n];
  switch (t) {
    case Type::Be32: return static_cast<uint32_t>(a ^ (a >> 32));
    case Type::Be64: return a;
    case Type::Vec128: return Vec128{a, b};
    case Type::PartitionTable: return PartitionTableInfo{a, b, c};
    case Type::ProcessTable: return ProcessTableInfo{a, b};
    case Type::BufferInfo: return BufferInfo{a, b};
  }
  return uint64_t{0};
}

Value random_value(Type t, std::mt19937_64& rng) {
  switch (t) {
    case Type::Be32: return static_cast<uint32_t>(rng());
    case Type::Be64: return rng();
    case Type::Vec128: return Vec128{rng(), rng()};
    case Type::PartitionTable: return PartitionTableInfo{rng(), rng(), rng()};
    case Type::ProcessTable: return ProcessTableInfo{rng(), rng()};
    case Type::BufferInfo: return BufferInfo{rng(), rng()};
  }
  return uint64_t{0};
}

}  // namespace

// Each ID alone, each edge value, decoded by the structural policy (values unchecked).
TEST(RoundTrip, EveryIdWithEdgeValues) {
  std::size_t ids = 0;
  for (ElementId id : kIdByDenseIndex) {
    const ElementDesc& d = *find(id);
    for (std::size_t k = 0; k < std::size(kEdge64); ++k) {
      const Value v = edge_value(d.type, k);
      std::vector<uint8_t> buf(kHeaderSize + kElementHeaderSize + d.size());
      Writer w(buf);
      auto put = w.put(id, v);
      ASSERT_TRUE(put.has_value()) << element_name(id);
      ASSERT_EQ(w.size(), buf.size()) << element_name(id);
      EXPECT_EQ(load_be16(buf.data() + 4), id);
      EXPECT_EQ(load_be16(buf.data() + 6), d.size());
      auto r = Reader::read(buf, Policy::structure());
      ASSERT_TRUE(r.has_value()) << element_name(id);
      auto e = r->find(id);
      ASSERT_TRUE(e.has_value()) << element_name(id);
      EXPECT_EQ(e->value(), v) << element_name(id) << " edge " << k;
      EXPECT_EQ(e->desc, &d);
    }
    ++ids;
  }
  EXPECT_EQ(ids, kElementCount);
}

// The typed puts agree with the generic put for every ID of their type.
TEST(RoundTrip, TypedPutsMatchGenericPut) {
  for (ElementId id : kIdByDenseIndex) {
    const ElementDesc& d = *find(id);
    const Value v = edge_value(d.type, 5);
    std::vector<uint8_t> a(64), b(64);
    Writer wa(a), wb(b);
    ASSERT_TRUE(wa.put(id, v).has_value());
    nv2::Expected<void, Error> r = nv2::Unexpected{Error{nv2::papr::HStatus::Hardware, 0, 0}};
    switch (d.type) {
      case Type::Be32: r = wb.put_be32(id, std::get<uint32_t>(v)); break;
      case Type::Be64: r = wb.put_be64(id, std::get<uint64_t>(v)); break;
      case Type::Vec128: r = wb.put_vec128(id, std::get<Vec128>(v)); break;
      case Type::PartitionTable: r = wb.put_partition_table(id, std::get<PartitionTableInfo>(v)); break;
      case Type::ProcessTable: r = wb.put_process_table(id, std::get<ProcessTableInfo>(v)); break;
      case Type::BufferInfo: r = wb.put_buffer_info(id, std::get<BufferInfo>(v)); break;
    }
    ASSERT_TRUE(r.has_value()) << element_name(id);
    EXPECT_EQ(a, b) << element_name(id);
    // put_raw with the encoded bytes gives the same buffer again.
    std::vector<uint8_t> c(64);
    Writer wc(c);
    ASSERT_TRUE(wc.put_raw(id, std::span<const uint8_t>(a).subspan(8, d.size())).has_value());
    EXPECT_EQ(a, c) << element_name(id);
  }
}

// Random sets of random elements (with duplicates), random values: decode(encode(x)) == x
// element by element, in order, and find() returns the last duplicate.
TEST(RoundTrip, RandomBuffersProperty) {
  std::mt19937_64 rng(20261125);
  std::vector<uint8_t> buf(8192);
  for (int iter = 0; iter < 2000; ++iter) {
    const std::size_t n = rng() % 80;
    std::vector<std::pair<ElementId, Value>> in;
    Writer w(buf);
    for (std::size_t i = 0; i < n; ++i) {
      const ElementId id = kIdByDenseIndex[rng() % kElementCount];
      const Value v = random_value(find(id)->type, rng);
      ASSERT_TRUE(w.put(id, v).has_value());
      in.emplace_back(id, v);
    }
    ASSERT_EQ(w.count(), n);
    auto r = Reader::read(w.bytes(), Policy::structure());
    ASSERT_TRUE(r.has_value()) << "iteration " << iter;
    ASSERT_EQ(r->count(), n);
    ASSERT_EQ(r->size(), w.size());
    std::size_t i = 0;
    for (const Element& e : *r) {
      ASSERT_LT(i, in.size());
      EXPECT_EQ(e.id, in[i].first);
      EXPECT_EQ(e.index, i);
      EXPECT_EQ(e.value(), in[i].second) << element_name(e.id);
      ++i;
    }
    EXPECT_EQ(i, n);
    // Last-wins lookup.
    for (std::size_t j = 0; j < in.size(); ++j) {
      bool later = false;
      for (std::size_t k = j + 1; k < in.size(); ++k) later |= in[k].first == in[j].first;
      if (later) continue;
      auto e = r->find(in[j].first);
      ASSERT_TRUE(e.has_value());
      EXPECT_EQ(e->index, j);
      EXPECT_EQ(e->value(), in[j].second);
    }
    // Trailing bytes after the last element are ignored (the size is a capacity).
    auto whole = Reader::read(std::span<const uint8_t>(buf).first(w.size() + 17), Policy::structure());
    ASSERT_TRUE(whole.has_value());
    EXPECT_EQ(whole->size(), w.size());
  }
}

// Random single-byte corruption never crashes the reader and never makes it read past the
// span: a cheap in-suite cousin of the fuzz target.
TEST(RoundTrip, CorruptedBuffersAreRejectedOrConsistent) {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> buf(1024);
  for (int iter = 0; iter < 3000; ++iter) {
    Writer w(buf);
    const std::size_t n = 1 + rng() % 20;
    for (std::size_t i = 0; i < n; ++i) {
      const ElementId id = kIdByDenseIndex[rng() % kElementCount];
      ASSERT_TRUE(w.put(id, random_value(find(id)->type, rng)).has_value());
    }
    std::vector<uint8_t> bad(w.bytes().begin(), w.bytes().end());
    bad[rng() % bad.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    const std::size_t cut = rng() % 4 == 0 ? rng() % bad.size() : bad.size();
    bad.resize(cut);
    auto r = Reader::read(bad, Policy::structure());
    if (!r) {
      EXPECT_LE(r.error().offset, bad.size());
      if (bad.size() >= kHeaderSize) {
        EXPECT_LT(r.error().index, load_be32(bad.data()));
      }
      continue;
    }
    std::size_t count = 0;
    for (const Element& e : *r) {
      EXPECT_LE(e.value_offset() + e.size(), bad.size());
      ++count;
    }
    EXPECT_EQ(count, r->count());
  }
}
