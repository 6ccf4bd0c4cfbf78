// nv2-run: boot an L2 image on nv2's pseries machine, through an nv2 L1 on an nv2 L0, all
// in this process (docs/nv2-run.md).
//
//   nv2-run [-kernel] IMAGE [-initrd FILE] [-append ARGS] [-smp N] [-m SIZE]
//           [--deterministic] [--no-jit] [--trace FILE] [--stats[=json]]
//
// The console is stdout/stdin; the exit status is the L2's power-off status. Any error is
// one line on stderr and status 1 (usage errors: 2).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "l0/host.hpp"
#include "l1/hypervisor.hpp"
#include "vmm/machine.hpp"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int fail(const std::string& msg) {
  std::fprintf(stderr, "nv2-run: %s\n", msg.c_str());
  return kExitError;
}

std::optional<std::vector<uint8_t>> read_file(const std::string& path, std::string& err) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    err = path + ": cannot open file";
    return std::nullopt;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) {
    err = path + ": read error";
    return std::nullopt;
  }
  return bytes;
}

// QEMU's -m syntax: a number with an optional K/M/G/T suffix; a bare number is MiB.
std::optional<uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  std::size_t pos = 0;
  uint64_t v = 0;
  try {
    v = std::stoull(s, &pos, 10);
  } catch (...) {
    return std::nullopt;
  }
  const std::string suffix = s.substr(pos);
  unsigned shift = 20;
  if (suffix == "" || suffix == "M" || suffix == "m") shift = 20;
  else if (suffix == "K" || suffix == "k") shift = 10;
  else if (suffix == "G" || suffix == "g") shift = 30;
  else if (suffix == "T" || suffix == "t") shift = 40;
  else if (suffix == "B" || suffix == "b") shift = 0;
  else return std::nullopt;
  if (v > (~uint64_t{0} >> shift)) return std::nullopt;
  return v << shift;
}

}  // namespace

int main(int argc, char** argv) {
  // QEMU spells its long options with one dash; CLI11 wants two.
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i)
    for (const char* o : {"-kernel", "-initrd", "-append", "-smp"})
      if (args[i] == o) args[i] = std::string("-") + o;
  // `--stats[=json]`: a bare --stats must not swallow the image that follows it.
  for (std::size_t i = 1; i < args.size(); ++i)
    if (args[i] == "--stats") args[i] = "--stats=text";

  CLI::App app{"Boot an L2 image on nv2 (pseries machine, nestedv2 L1 on an nv2 L0)", "nv2-run"};
  std::string image, initrd, append, trace_path, stats_format, memory = "512M";
  unsigned smp = 1;
  bool deterministic = false;
  bool no_jit = false;
  app.add_option("image", image, "ELF64 image to boot (positional form of --kernel)");
  app.add_option("--kernel", image, "ELF64 image to boot");
  app.add_option("--initrd", initrd, "initial ramdisk, placed above the image");
  app.add_option("--append", append, "kernel command line (/chosen/bootargs)");
  app.add_option("--smp", smp, "number of vCPUs")->check(CLI::Range(1u, 2048u));
  app.add_option("-m", memory, "L2 memory size (K/M/G suffix; a bare number is MiB)");
  app.add_flag("--deterministic", deterministic,
               "timebase driven by retired instructions; fixed RNG seed and time of day");
  app.add_flag("--no-jit", no_jit,
               "run every L2 instruction on the interpreter (no translation to host code)");
  app.add_option("--trace", trace_path, "write one JSON line per exit to FILE");
  auto* stats = app.add_option("--stats", stats_format,
                               "print the L1 counters at exit: --stats or --stats=json");
  std::vector<const char*> cargv;
  for (auto& a : args) cargv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  if (image.empty()) {
    std::fprintf(stderr, "nv2-run: no image given (nv2-run [-kernel] IMAGE ...)\n");
    return kExitUsage;
  }
  if (stats->count() > 0 && !stats_format.empty() && stats_format != "json" && stats_format != "text")
    return fail("--stats=" + stats_format + ": expected text or json");
  const auto mem = parse_size(memory);
  if (!mem) return fail("-m " + memory + ": not a size");

  std::string err;
  nv2::vmm::MachineConfig cfg;
  auto kernel = read_file(image, err);
  if (!kernel) return fail(err);
  cfg.kernel = std::move(*kernel);
  if (!initrd.empty()) {
    auto rd = read_file(initrd, err);
    if (!rd) return fail(err);
    cfg.initrd = std::move(*rd);
  }
  cfg.memory_size = *mem;
  cfg.cpus = smp;
  cfg.bootargs = append;
  cfg.deterministic = deterministic;

  // The L0 and the L1 partition: L1 memory holds the L2's pages plus the L1's own tables
  // and buffers (mapped lazily by the L0: untouched memory costs nothing).
  nv2::l0::HostConfig hc;
  hc.timebase_mode = deterministic ? nv2::isa::Timebase::Mode::Deterministic
                                   : nv2::isa::Timebase::Mode::RealTime;
  hc.translate_blocks = !no_jit;
  nv2::l0::Host host(hc);
  const uint64_t l1_bytes = *mem + *mem / 8 + (uint64_t{64} << 20);
  nv2::l0::Partition& partition = host.create_partition(l1_bytes);

  auto hv = nv2::l1::Hypervisor::probe(partition, partition.memory());
  if (!hv) return fail("L1: " + hv.error().message());

  cfg.host_timebase = [&host] { return host.timebase().now(0); };
  uint64_t guest_id = 0;
  cfg.kick_running = [&partition, &guest_id](uint32_t vcpu) {
    if (guest_id != 0) (void)partition.request_stop(guest_id, vcpu);
  };
  auto machine = nv2::vmm::Machine::create(**hv, std::move(cfg));
  if (!machine) return fail(machine.error());
  guest_id = (*machine)->guest().id();

  std::ofstream trace;
  std::mutex trace_mu;
  if (!trace_path.empty()) {
    trace.open(trace_path, std::ios::trunc);
    if (!trace) return fail(trace_path + ": cannot open for writing");
    (*machine)->set_trace([&](const nv2::vmm::TraceRecord& r) {
      const std::string line = nv2::vmm::trace_json(r);
      std::lock_guard lock(trace_mu);
      trace << line << '\n';
    });
  }

  const nv2::vmm::MachineResult result = (*machine)->run();
  std::fflush(stdout);
  if (trace.is_open()) trace.flush();
  if (stats->count() > 0) {
    const auto snap = (*hv)->stats();
    const std::string text = stats_format == "json" ? snap.to_json() : snap.to_text();
    std::fprintf(stderr, "%s%s", text.c_str(), text.empty() || text.back() == '\n' ? "" : "\n");
  }
  if (result.reason.rfind("error:", 0) == 0) return fail(result.reason.substr(7));
  if (result.reason.rfind("os-term:", 0) == 0)
    std::fprintf(stderr, "nv2-run: L2 terminated (%s)\n", result.reason.c_str() + 9);
  return result.exit_status;
}
