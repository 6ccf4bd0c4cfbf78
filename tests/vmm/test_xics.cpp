// XICS presentation state machine (PAPR hcall-interrupt): CPPR, MFRR, XISR, accept, EOI.
#include <gtest/gtest.h>

#include <vector>

#include "vmm/xics.hpp"

namespace nv2::vmm {
namespace {

using papr::HStatus;

TEST(Xics, NothingIsPresentedUntilCpprAcceptsIt) {
  std::vector<unsigned> changed;
  Xics x(2, [&](unsigned s) { changed.push_back(s); });
  // Reset CPPR is 0: the most favoured level, which no IPI beats.
  EXPECT_EQ(x.h_ipi(0, 1, 5), HStatus::Success);
  EXPECT_FALSE(x.interrupt_pending(1));
  EXPECT_EQ(changed, std::vector<unsigned>{1});
  // Opening CPPR presents the waiting IPI.
  EXPECT_EQ(x.h_cppr(1, 0xff), HStatus::Success);
  EXPECT_TRUE(x.interrupt_pending(1));
  EXPECT_EQ(x.state(1).xisr, kXicsIpiSource);
  EXPECT_EQ(x.state(1).pending_priority, 5);
}

TEST(Xics, AcceptEoiCycle) {
  Xics x(2);
  ASSERT_EQ(x.h_cppr(1, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 1, 5), HStatus::Success);
  ASSERT_TRUE(x.interrupt_pending(1));
  uint64_t xirr = 0;
  ASSERT_EQ(x.h_xirr(1, xirr), HStatus::Success);
  EXPECT_EQ(xirr, 0xff000002u) << "old CPPR in the top byte, the IPI source below";
  EXPECT_FALSE(x.interrupt_pending(1)) << "accepting lowers the line";
  EXPECT_EQ(x.state(1).cppr, 5) << "CPPR rises to the accepted priority";
  // Clear MFRR, then EOI restores CPPR: nothing comes back.
  ASSERT_EQ(x.h_ipi(1, 1, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_eoi(1, xirr), HStatus::Success);
  EXPECT_EQ(x.state(1).cppr, 0xff);
  EXPECT_FALSE(x.interrupt_pending(1));
  // A second read finds nothing.
  ASSERT_EQ(x.h_xirr(1, xirr), HStatus::Success);
  EXPECT_EQ(xirr & 0xffffff, 0u);
}

TEST(Xics, EoiWithMfrrStillSetRepresentsTheIpi) {
  Xics x(1);
  ASSERT_EQ(x.h_cppr(0, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 0, 4), HStatus::Success);
  uint64_t xirr = 0;
  ASSERT_EQ(x.h_xirr(0, xirr), HStatus::Success);
  EXPECT_FALSE(x.interrupt_pending(0));
  ASSERT_EQ(x.h_eoi(0, xirr), HStatus::Success);
  EXPECT_TRUE(x.interrupt_pending(0)) << "MFRR still beats CPPR after EOI";
}

TEST(Xics, MoreFavouredCpprRejectsThePresentedIpi) {
  Xics x(1);
  ASSERT_EQ(x.h_cppr(0, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 0, 6), HStatus::Success);
  ASSERT_TRUE(x.interrupt_pending(0));
  ASSERT_EQ(x.h_cppr(0, 3), HStatus::Success);
  EXPECT_FALSE(x.interrupt_pending(0));
  EXPECT_EQ(x.state(0).mfrr, 6) << "the IPI waits in MFRR";
  ASSERT_EQ(x.h_cppr(0, 0xff), HStatus::Success);
  EXPECT_TRUE(x.interrupt_pending(0)) << "and comes back when CPPR relaxes";
}

TEST(Xics, LessFavouredIpiDoesNotReplaceAPresentedOne) {
  Xics x(1);
  ASSERT_EQ(x.h_cppr(0, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 0, 2), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 0, 7), HStatus::Success);
  EXPECT_EQ(x.state(0).pending_priority, 2);
}

TEST(Xics, IpollReportsWithoutSideEffects) {
  Xics x(2);
  ASSERT_EQ(x.h_cppr(1, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 1, 5), HStatus::Success);
  uint64_t xirr = 0, mfrr = 0;
  ASSERT_EQ(x.h_ipoll(0, 1, xirr, mfrr), HStatus::Success);
  EXPECT_EQ(xirr, 0xff000002u);
  EXPECT_EQ(mfrr, 5u);
  EXPECT_TRUE(x.interrupt_pending(1)) << "polling does not accept";
}

TEST(Xics, UnknownServersAreParameterErrors) {
  Xics x(2);
  uint64_t a = 0, b = 0;
  EXPECT_EQ(x.h_ipi(0, 2, 5), HStatus::Parameter);
  EXPECT_EQ(x.h_ipi(0, ~uint64_t{0}, 5), HStatus::Parameter);
  EXPECT_EQ(x.h_ipoll(0, 9, a, b), HStatus::Parameter);
  EXPECT_FALSE(x.interrupt_pending(7));
}

TEST(Xics, ResetClearsEveryIcp) {
  Xics x(2);
  ASSERT_EQ(x.h_cppr(1, 0xff), HStatus::Success);
  ASSERT_EQ(x.h_ipi(0, 1, 5), HStatus::Success);
  x.reset();
  EXPECT_FALSE(x.interrupt_pending(1));
  EXPECT_EQ(x.state(1).mfrr, 0xff);
  EXPECT_EQ(x.state(1).cppr, 0);
}

}  // namespace
}  // namespace nv2::vmm
