// nv2-run's command line: errors are one line and a non-zero status; --trace and --stats.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support_run.hpp"

namespace nv2::e2e {
namespace {

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(Cli, MissingImageFile) {
  const RunResult r = run_nv2({"/nonexistent/vmlinux"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "nv2-run: /nonexistent/vmlinux: cannot open file\n");
  EXPECT_EQ(r.out, "");
}

TEST(Cli, NotAnElf) {
  const std::string path = std::string(NV2_SOURCE_DIR) + "/CMakeLists.txt";
  const RunResult r = run_nv2({path});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("bad ELF image: e_ident[EI_MAG]"), std::string::npos) << r.err;
}

TEST(Cli, TooLittleMemory) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({"-m", "8M", g});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("at least 16 MiB"), std::string::npos) << r.err;
}

TEST(Cli, InitrdThatDoesNotFit) {
  NV2_REQUIRE_GUEST(g, "hello");
  const std::string rd = ::testing::TempDir() + "/nv2-big-initrd.bin";
  {
    std::ofstream f(rd, std::ios::binary);
    f << std::string(20u << 20, 'x');
  }
  const RunResult r = run_nv2({"-m", "16M", g, "-initrd", rd});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("too little memory"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("initrd"), std::string::npos) << r.err;
}

TEST(Cli, BadSizeAndBadStatsFormat) {
  NV2_REQUIRE_GUEST(g, "hello");
  RunResult r = run_nv2({"-m", "lots", g});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a size"), std::string::npos) << r.err;
  r = run_nv2({g, "--stats=xml"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
}

TEST(Cli, NoImageIsAUsageError) {
  const RunResult r = run_nv2({});
  EXPECT_EQ(r.status, 2);
}

TEST(Cli, StatsAsText) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({g, "--stats"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("runs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hcall H_GUEST_RUN_VCPU"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "Hello from an nv2 L2 (little-endian)!\n") << "stats never mix into the console";
}

TEST(Cli, BareStatsBeforeTheImageDoesNotSwallowIt) {
  NV2_REQUIRE_GUEST(g, "hello");
  const RunResult r = run_nv2({"--stats", g});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Hello from an nv2 L2 (little-endian)!\n");
  EXPECT_NE(r.err.find("hcall H_GUEST_RUN_VCPU"), std::string::npos) << r.err;
}

TEST(Cli, TraceWritesOneJsonLinePerExit) {
  NV2_REQUIRE_GUEST(g, "hello");
  const std::string trace = ::testing::TempDir() + "/nv2-trace.jsonl";
  const RunResult r = run_nv2({g, "--trace", trace, "--stats=json"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(trace);
  std::string line;
  uint64_t n = 0, hcalls = 0;
  while (std::getline(f, line)) {
    ++n;
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
    for (const char* key : {"\"vcpu\":", "\"reason\":", "\"nia\":", "\"hcall\":",
                            "\"elements_in\":", "\"elements_out\":", "\"ns\":"})
      EXPECT_NE(line.find(key), std::string::npos) << key << " in " << line;
    hcalls += line.find("\"hcall_name\":\"H_PUT_TERM_CHAR\"") != std::string::npos;
  }
  EXPECT_EQ(n, json_number(r.err, "runs").value_or(0)) << "one line per H_GUEST_RUN_VCPU";
  EXPECT_GE(hcalls, 3u) << "the console line goes out in 16-byte chunks";
}

TEST(Cli, InitrdIsPlacedAndAppendReachesBootargs) {
  NV2_REQUIRE_GUEST(g, "hcall-storm");
  const std::string rd = ::testing::TempDir() + "/nv2-initrd.bin";
  {
    std::ofstream f(rd, std::ios::binary);
    f << std::string(100000, 'x');
  }
  const RunResult r = run_nv2({g, "-initrd", rd, "-append", "count=7"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hcall-storm: 7 hcalls, 0 failed\n");
}

}  // namespace
}  // namespace nv2::e2e
