// Runs nv2-run as a child process and collects what it printed and its exit status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nv2::e2e {

struct RunResult {
  int status = -1;       // exit status, or -1 when killed / not run
  std::string out, err;  // stdout (the L2 console) and stderr
};

std::string binary_dir();
std::string nv2_run_path();
std::string guest_path(const std::string& name);  // "" when the guest was not built
bool guests_built();

// Runs nv2-run with `args`; stdin is `input` (empty: /dev/null). Kills it after `timeout_s`.
RunResult run_nv2(const std::vector<std::string>& args, int timeout_s = 120,
                  const std::string& input = "");

// A number in the --stats=json object: "key":N (first match, top level or nested).
std::optional<uint64_t> json_number(const std::string& json, const std::string& key);

}  // namespace nv2::e2e

#define NV2_REQUIRE_GUEST(var, name)                                                  \
  const std::string var = ::nv2::e2e::guest_path(name);                               \
  if (var.empty()) GTEST_SKIP() << "guest " << name                                   \
                                << " not built: powerpc64le-linux-gnu-gcc not found"
