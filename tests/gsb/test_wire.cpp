// Golden byte layouts for every value type, written by hand from papr-nestedv2.md §4 (not
// from the encoder's output), and the encoder/decoder checked against them both ways.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "gsb/buffer.hpp"
#include "gsb/wire.hpp"

using namespace nv2::gsb;

namespace {

std::vector<uint8_t> encode_one(ElementId id, const Value& v) {
  std::vector<uint8_t> buf(64);
  Writer w(buf);
  auto r = w.put(id, v);
  EXPECT_TRUE(r.has_value());
  buf.resize(w.size());
  return buf;
}

}  // namespace

TEST(Wire, BeHelpersAreBigEndianAndUnaligned) {
  uint8_t b[11] = {};
  store_be16(b + 1, 0x1234);
  EXPECT_EQ(b[1], 0x12);
  EXPECT_EQ(b[2], 0x34);
  store_be32(b + 3, 0xA1B2C3D4u);
  EXPECT_EQ(b[3], 0xA1);
  EXPECT_EQ(b[6], 0xD4);
  EXPECT_EQ(load_be32(b + 3), 0xA1B2C3D4u);
  store_be64(b + 3, 0x0102030405060708ull);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b[3 + i], i + 1) << "byte " << i;
  EXPECT_EQ(load_be64(b + 3), 0x0102030405060708ull);
  EXPECT_EQ(load_be16(b + 1), 0x1234);

  be32 w(0xDEADBEEFu);
  EXPECT_EQ(w.bytes()[0], 0xDE);
  EXPECT_EQ(w.bytes()[3], 0xEF);
  EXPECT_EQ(w.get(), 0xDEADBEEFu);
}

// Header (4-byte count) + element header (2-byte ID, 2-byte size) + a be32 value.
TEST(Wire, GoldenBe32) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,  // count 1
      0x20, 0x00, 0x00, 0x04,  // ID 0x2000 (CR), size 4
      0x12, 0x34, 0x56, 0x78,  // value
  };
  EXPECT_EQ(encode_one(id::kCr, uint32_t{0x12345678}), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Thread));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::kCr)->be32(), 0x12345678u);
}

TEST(Wire, GoldenBe64) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,                          // count
      0x10, 0x21, 0x00, 0x08,                          // NIA, 8
      0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x01, 0x00,  // 0x00000000C0000100
  };
  EXPECT_EQ(encode_one(id::kNia, uint64_t{0xC0000100}), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Thread));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::kNia)->be64(), 0xC0000100u);
}

TEST(Wire, GoldenVec128MostSignificantDoublewordFirst) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,                          //
      0x30, 0x3F, 0x00, 0x10,                          // VSR63, 16
      0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,  // hi
      0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10,  // lo
  };
  const Vec128 v{0x0123456789ABCDEFull, 0xFEDCBA9876543210ull};
  EXPECT_EQ(encode_one(id::vsr(63), v), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Thread));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::vsr(63))->vec128(), v);
}

TEST(Wire, GoldenPartitionTable) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,                          //
      0x00, 0x05, 0x00, 0x18,                          // PARTITION_TABLE, 24
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // root 0x10000
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x34,  // 52 EA bits
      0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // root size 64 KiB
  };
  const PartitionTableInfo pt{0x10000, 52, 0x10000};
  EXPECT_EQ(encode_one(id::kPartitionTable, pt), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Guest));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::kPartitionTable)->partition_table(), pt);
}

TEST(Wire, GoldenProcessTable) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,                          //
      0x00, 0x06, 0x00, 0x10,                          // PROCESS_TABLE, 16
      0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00,  // address
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,  // size
  };
  const ProcessTableInfo pt{0x200000, 0x1000};
  EXPECT_EQ(encode_one(id::kProcessTable, pt), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Guest));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::kProcessTable)->process_table(), pt);
}

TEST(Wire, GoldenBufferInfo) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x01,                          //
      0x0C, 0x01, 0x00, 0x10,                          // RUN_OUTPUT, 16
      0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,  // address
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,  // size
  };
  const BufferInfo bi{0x03000000, 0x1000};
  EXPECT_EQ(encode_one(id::kRunOutput, bi), golden);
  auto r = Reader::read(golden, Policy::set(Scope::Thread));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->find(id::kRunOutput)->buffer_info(), bi);
}

// Two elements back to back: no padding, the second header right after the first value.
TEST(Wire, GoldenTwoElementsUnaligned) {
  const std::vector<uint8_t> golden = {
      0x00, 0x00, 0x00, 0x02,                          // count 2
      0x20, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07,  // PIDR = 7
      0x10, 0x03, 0x00, 0x08,                          // GPR3
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,  // -2
  };
  std::vector<uint8_t> buf(64);
  Writer w(buf);
  ASSERT_TRUE(w.put_be32(id::kPidr, 7).has_value());
  ASSERT_TRUE(w.put_be64(id::gpr(3), ~uint64_t{1}).has_value());
  buf.resize(w.size());
  EXPECT_EQ(buf, golden);
  EXPECT_EQ(w.count(), 2u);
  auto r = Reader::read(golden, Policy::run_input());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->count(), 2u);
  EXPECT_EQ(r->size(), golden.size());
  auto it = r->begin();
  EXPECT_EQ((*it).id, id::kPidr);
  EXPECT_EQ((*it).offset, 4u);
  ++it;
  EXPECT_EQ((*it).id, id::gpr(3));
  EXPECT_EQ((*it).offset, 12u);
  EXPECT_EQ((*it).index, 1u);
  EXPECT_EQ((*it).be64(), ~uint64_t{1});
  ++it;
  EXPECT_TRUE(it == r->end());
}

TEST(Wire, EmptyBufferIsJustAZeroCount) {
  const std::vector<uint8_t> golden = {0, 0, 0, 0};
  std::vector<uint8_t> buf(4, 0xAA);
  Writer w(buf);
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(buf, golden);
  auto r = Reader::read(golden, Policy::run_input());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->count(), 0u);
  EXPECT_TRUE(r->ids().empty());
}
