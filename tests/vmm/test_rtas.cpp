// RTAS: the token table, the blob's encoding and the argument block parser.
#include <gtest/gtest.h>

#include <set>

#include "vmm/rtas.hpp"

namespace nv2::vmm {
namespace {

std::vector<uint8_t> block(std::initializer_list<uint32_t> cells) {
  std::vector<uint8_t> b;
  for (uint32_t c : cells)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(c >> s));
  return b;
}

TEST(Rtas, TokensFollowQemuNumbering) {
  EXPECT_EQ(static_cast<uint32_t>(RtasService::DisplayCharacter), 0x2000u);
  EXPECT_EQ(static_cast<uint32_t>(RtasService::PowerOff), 0x2003u);
  EXPECT_EQ(static_cast<uint32_t>(RtasService::StartCpu), 0x2006u);
  EXPECT_EQ(static_cast<uint32_t>(RtasService::StopSelf), 0x2007u);
  EXPECT_EQ(static_cast<uint32_t>(RtasService::OsTerm), 0x201Fu);
  std::set<uint32_t> tokens;
  std::set<std::string_view> names;
  for (const auto& s : kRtasServices) {
    EXPECT_TRUE(tokens.insert(static_cast<uint32_t>(s.service)).second) << s.name;
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    ASSERT_TRUE(rtas_service(static_cast<uint32_t>(s.service)));
    EXPECT_EQ(rtas_service(static_cast<uint32_t>(s.service))->name, s.name);
    EXPECT_LE(s.nargs + s.nret, kRtasMaxCells) << s.name;
  }
  EXPECT_FALSE(rtas_service(0x2100));
}

TEST(Rtas, BlobIsEncodedInTheImageByteOrder) {
  const auto le = rtas_blob(true);
  const auto be = rtas_blob(false);
  ASSERT_EQ(le.size(), 20u);
  ASSERT_EQ(be.size(), 20u);
  // sc 1 = 0x44000022, the fourth word.
  EXPECT_EQ(be[12], 0x44);
  EXPECT_EQ(be[15], 0x22);
  EXPECT_EQ(le[12], 0x22);
  EXPECT_EQ(le[15], 0x44);
  // ori r3,r3,0xf000 carries H_RTAS.
  EXPECT_EQ(be[10], 0xf0);
  EXPECT_EQ(be[11], 0x00);
  EXPECT_LE(le.size(), kRtasSize);
}

TEST(Rtas, ParsesArgumentsAndStoresResults) {
  auto b = block({0x2006, 3, 1, 1, 0x400024, 7, 0xffffffff});
  auto call = parse_rtas(b);
  ASSERT_TRUE(call);
  EXPECT_EQ(call->token, 0x2006u);
  EXPECT_EQ(call->nargs, 3u);
  EXPECT_EQ(call->nret, 1u);
  EXPECT_EQ(call->arg(0), 1u);
  EXPECT_EQ(call->arg(1), 0x400024u);
  EXPECT_EQ(call->arg(2), 7u);
  EXPECT_EQ(call->arg(3), 0u) << "past nargs reads as 0";
  EXPECT_EQ(call->block_bytes(), 28u);
  const uint32_t rets[] = {0xfffffffd};
  store_rtas_rets(b, *call, rets);
  EXPECT_EQ(b, block({0x2006, 3, 1, 1, 0x400024, 7, 0xfffffffd}));
}

TEST(Rtas, StoresNoMoreThanNretResults) {
  auto b = block({0x2001, 0, 2, 0, 0, 0xaaaaaaaa});
  auto call = parse_rtas(b);
  ASSERT_TRUE(call);
  const uint32_t rets[] = {1, 2, 3};
  store_rtas_rets(b, *call, rets);
  EXPECT_EQ(b, block({0x2001, 0, 2, 1, 2, 0xaaaaaaaa}));
}

TEST(Rtas, RejectsTruncatedBlocks) {
  auto short_header = block({0x2003, 2});
  auto r = parse_rtas(short_header);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RtasParseError::Truncated);
  auto short_cells = block({0x2003, 2, 1, 0});  // announces 3 cells, holds 1
  r = parse_rtas(short_cells);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), RtasParseError::Truncated);
}

TEST(Rtas, RejectsCountsThatOverflow) {
  for (auto [nargs, nret] : {std::pair<uint32_t, uint32_t>{17, 0}, {0, 17}, {10, 7},
                             {0xffffffff, 2}, {0x80000000, 0x80000000}}) {
    auto b = block({0x2003, nargs, nret});
    b.resize(kRtasMaxBlockBytes, 0);
    auto r = parse_rtas(b);
    ASSERT_FALSE(r) << nargs << "+" << nret;
    EXPECT_EQ(r.error(), RtasParseError::TooManyCells);
  }
}

}  // namespace
}  // namespace nv2::vmm
