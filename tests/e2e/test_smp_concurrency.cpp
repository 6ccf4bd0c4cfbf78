// The whole stack with several vCPU threads (labelled "concurrency": scripts/test.sh runs
// it in the ThreadSanitizer build, where nv2-run itself is built with TSan and exits
// non-zero on a race report).
#include <gtest/gtest.h>

#include "support_run.hpp"

namespace nv2::e2e {
namespace {

TEST(SmpConcurrency, EightVcpusStartAndExchangeIpis) {
  NV2_REQUIRE_GUEST(g, "smp");
  for (int round = 0; round < 3; ++round) {
    const RunResult r = run_nv2({"-smp", "8", g}, 300);
    // status -1: nv2-run did not exit and was killed at the timeout (a hang): the console
    // output shows how far the guest got.
    ASSERT_EQ(r.status, 0) << "round " << round << (r.status == -1 ? " (killed after 300 s)" : "")
                           << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
    EXPECT_EQ(r.err.find("ThreadSanitizer"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("smp: all 7 secondaries answered the IPI\n"), std::string::npos) << r.out;
  }
}

TEST(SmpConcurrency, HcallsGuestWithIdleSecondaries) {
  // Secondaries stay stopped; the boot vCPU cedes, prods and registers VPAs while the
  // other vCPU threads wait for start-cpu.
  NV2_REQUIRE_GUEST(g, "hcalls");
  const RunResult r = run_nv2({"-smp", "3", g}, 300);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find("ThreadSanitizer"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nv2::e2e
