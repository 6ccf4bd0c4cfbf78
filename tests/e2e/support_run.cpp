#include "support_run.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace nv2::e2e {

std::string binary_dir() { return NV2_BINARY_DIR; }
std::string nv2_run_path() { return binary_dir() + "/tools/nv2-run/nv2-run"; }

std::string guest_path(const std::string& name) {
  const std::string p = binary_dir() + "/guests/" + name + ".elf";
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? p : std::string();
}

bool guests_built() { return !guest_path("hello").empty(); }

namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

RunResult run_nv2(const std::vector<std::string>& args, int timeout_s, const std::string& input) {
  RunResult r;
  std::string in_path = "/dev/null";
  char in_tmpl[] = "/tmp/nv2-e2e-in-XXXXXX";
  if (!input.empty()) {
    const int in_fd = ::mkstemp(in_tmpl);
    if (in_fd < 0 || ::write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
      return r;
    ::close(in_fd);
    in_path = in_tmpl;
  }
  char out_tmpl[] = "/tmp/nv2-e2e-out-XXXXXX";
  char err_tmpl[] = "/tmp/nv2-e2e-err-XXXXXX";
  const int out_fd = ::mkstemp(out_tmpl);
  const int err_fd = ::mkstemp(err_tmpl);
  if (out_fd < 0 || err_fd < 0) return r;
  const std::string bin = nv2_run_path();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int in_fd = ::open(in_path.c_str(), O_RDONLY);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(bin.c_str(), argv.data());
    std::_Exit(127);
  }
  int wstatus = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    const pid_t w = ::waitpid(pid, &wstatus, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(wstatus)) r.status = WEXITSTATUS(wstatus);
  ::close(out_fd);
  ::close(err_fd);
  r.out = slurp(out_tmpl);
  r.err = slurp(err_tmpl);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  if (!input.empty()) ::unlink(in_tmpl);
  return r;
}

std::optional<uint64_t> json_number(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const auto p = json.find(k);
  if (p == std::string::npos) return std::nullopt;
  return std::strtoull(json.c_str() + p + k.size(), nullptr, 10);
}

}  // namespace nv2::e2e
