// The element table against papr-nestedv2.md §4: ranges, sizes, names, lookups.
#include <gtest/gtest.h>

#include <initializer_list>

#include "gsb/elements.hpp"

using namespace nv2::gsb;

TEST(Elements, RangesAndSizesFromTheSpec) {
  struct Range {
    ElementId first, last;
    uint16_t size;
    Scope scope;
  };
  const Range ranges[] = {
      {0x0001, 0x0002, 8, Scope::Guest},  {0x0003, 0x0003, 4, Scope::Guest},
      {0x0004, 0x0004, 8, Scope::Guest},  {0x0005, 0x0005, 24, Scope::Guest},
      {0x0006, 0x0006, 16, Scope::Guest}, {0x0800, 0x0804, 8, Scope::Host},
      {0x0C00, 0x0C01, 16, Scope::Thread}, {0x0C02, 0x0C02, 8, Scope::Thread},
      {0x1000, 0x1053, 8, Scope::Thread}, {0x2000, 0x200E, 4, Scope::Thread},
      {0x3000, 0x303F, 16, Scope::Thread}, {0xF000, 0xF000, 8, Scope::Thread},
      {0xF001, 0xF001, 4, Scope::Thread}, {0xF002, 0xF003, 8, Scope::Thread},
  };
  std::size_t n = 0;
  for (const Range& r : ranges) {
    for (uint32_t id = r.first; id <= r.last; ++id, ++n) {
      const ElementDesc* d = find(static_cast<ElementId>(id));
      ASSERT_NE(d, nullptr) << std::hex << id;
      EXPECT_EQ(d->size(), r.size) << std::hex << id;
      EXPECT_EQ(d->scope, r.scope) << std::hex << id;
    }
  }
  EXPECT_EQ(n, kElementCount);
  // Everything else is reserved.
  std::size_t known = 0;
  for (uint32_t id = 0; id <= 0xFFFF; ++id) known += find(static_cast<ElementId>(id)) != nullptr;
  EXPECT_EQ(known, kElementCount);
}

TEST(Elements, AccessAndRunInputFromTheSpec) {
  for (ElementId ro : std::initializer_list<ElementId>{0x0001, 0x0002, 0x0800, 0x0801, 0x0802, 0x0803, 0x0804, 0xF000, 0xF001,
                       0xF002, 0xF003})
    EXPECT_EQ(find(ro)->access, Access::R) << std::hex << ro;
  EXPECT_EQ(find(0x103A)->access, Access::W);  // PPR
  EXPECT_EQ(find(0x0003)->access, Access::RW);
  EXPECT_FALSE(find(id::kRunInput)->run_input);
  EXPECT_FALSE(find(id::kVpa)->run_input);
  EXPECT_TRUE(find(id::kDpdes)->run_input);
  EXPECT_TRUE(find(id::vsr(63))->run_input);
  EXPECT_EQ(find(id::kMsr)->settable_mask, 0xEFFFFFFFFFBFEFFFull);
  EXPECT_EQ(find(id::kLpcr)->settable_mask, 0x0070000003820C00ull);
}

TEST(Elements, DenseIndexIsABijectionInIdOrder) {
  for (std::size_t i = 0; i < kElementCount; ++i) {
    EXPECT_EQ(dense_index(kIdByDenseIndex[i]), i);
    if (i > 0) {
      EXPECT_LT(kIdByDenseIndex[i - 1], kIdByDenseIndex[i]);
    }
  }
  EXPECT_FALSE(dense_index(0x0000).has_value());
  EXPECT_FALSE(dense_index(0x3040).has_value());
}

TEST(Elements, NamesRoundTrip) {
  EXPECT_EQ(element_name(id::gpr(3)), "GPR3");
  EXPECT_EQ(element_name(id::vsr(63)), "VSR63");
  EXPECT_EQ(element_name(0x2007), "PMC1");
  EXPECT_EQ(element_name(0x200C), "PMC6");
  EXPECT_EQ(element_name(id::kNia), "NIA");
  EXPECT_EQ(element_name(0x0000), "");
  for (ElementId id : kIdByDenseIndex) {
    const std::string n = element_name(id);
    ASSERT_FALSE(n.empty());
    EXPECT_EQ(element_by_name(n), id) << n;
  }
  EXPECT_FALSE(element_by_name("GPR32").has_value());
  EXPECT_FALSE(element_by_name("PMC0").has_value());
  EXPECT_FALSE(element_by_name("nia").has_value());
  EXPECT_FALSE(element_by_name("").has_value());
}
