// nv2's pseries machine: what the L1 presents to its L2 (issue 5 item 5, l2-machine.md).
//
// The machine loads an ELF image (+ initrd) into L2 memory, builds the device tree and the
// RTAS blob, sets the boot vCPU's entry state, registers its hcall handlers into the l1
// run loop's table (console, RTAS, XICS, idle, SPRG0, DABR, PAGE_INIT, RANDOM, VPA,
// SET_MODE, REGISTER_PROC_TBL) and runs one host thread per vCPU. It sees the L0 only
// through the l1 library: it never includes l0/.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include "l1/guest.hpp"
#include "l1/hypervisor.hpp"
#include "l1/run_loop.hpp"
#include "l1/vcpu.hpp"
#include "util/expected.hpp"
#include "vmm/console.hpp"
#include "vmm/elf_loader.hpp"
#include "vmm/fdt_builder.hpp"
#include "vmm/rtas.hpp"
#include "vmm/testdev.hpp"
#include "vmm/xics.hpp"

namespace nv2::vmm {

struct MachineConfig {
  uint64_t memory_size = 512ull << 20;
  unsigned cpus = 1;
  std::string bootargs;
  std::vector<uint8_t> kernel;               // the ELF file's bytes
  std::optional<std::vector<uint8_t>> initrd;
  int console_out_fd = 1;
  int console_in_fd = 0;
  bool deterministic = false;
  // The L1's timebase (what mftb reads in the L1): real time unless deterministic.
  std::function<uint64_t()> host_timebase;
  // Interrupt a vCPU that is inside H_GUEST_RUN_VCPU so its next entry sees new interrupt
  // state (the L1's IPI to its own vCPU thread; nv2-run wires it to the L0's stop request).
  std::function<void(uint32_t vcpu)> kick_running;
};

// Where boot puts things in L2 real memory (docs/nv2-run.md "Memory layout").
struct BootLayout {
  ElfImage image;
  std::optional<AddressRange> initrd;
  AddressRange fdt;
  AddressRange rtas;
};
// Initrd above the kernel (64 KiB aligned); RTAS in the top 64 KiB and the FDT just below,
// both under min(memory, 1 GiB). Error text names what does not fit.
Expected<BootLayout, std::string> plan_layout(const ElfImage& image, uint64_t initrd_size,
                                              uint64_t fdt_size, uint64_t memory_size);

// One exit as --trace records it.
struct TraceRecord {
  uint32_t vcpu = 0;
  l1::RunExit exit;
  uint64_t hcall_opcode = 0;
  std::optional<uint64_t> nia;  // only when the exit brought it: tracing costs no hcall
  std::chrono::nanoseconds duration{0};
};
std::string trace_json(const TraceRecord& r);

// Why the machine stopped.
struct MachineResult {
  int exit_status = 0;
  std::string reason;  // "power-off", "os-term: <message>", "error: ..."
};

class Machine {
 public:
  static Expected<std::unique_ptr<Machine>, std::string> create(l1::Hypervisor& hv,
                                                                MachineConfig cfg);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Boot and run every vCPU until power-off, ibm,os-term or an error.
  MachineResult run();

  void set_trace(std::function<void(const TraceRecord&)> sink) { trace_ = std::move(sink); }
  l1::Guest& guest() { return *guest_; }
  Console& console() { return console_; }
  Xics& xics() { return xics_; }
  TestDevice& testdev() { return testdev_; }
  const BootLayout& layout() const { return layout_; }
  const std::vector<uint8_t>& fdt() const { return fdt_; }
  const l1::HcallTable& hcalls() const { return hcalls_; }
  // Ask the machine to stop from outside (signal handler thread, tests).
  void shutdown(int status, std::string reason);

 private:
  struct CpuSlot {
    enum class State : uint8_t { Stopped, Starting, Running };
    unsigned index = 0;
    l1::Vcpu* vcpu = nullptr;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    State state = State::Stopped;
    uint64_t start_nia = 0, start_r3 = 0;
    std::atomic<bool> prodded{false};
    bool stop_self = false;               // touched only by the vCPU's own thread
    std::optional<uint64_t> pending_vpa;  // H_REGISTER_VPA for this vCPU from another one
    // Set (under mu) with pending_vpa: the vCPU's thread takes mu before an entry only when
    // there is something to take (a lock per round trip was measurable, docs/perf/vmm.md).
    std::atomic<bool> vpa_pending{false};
    uint64_t lpcr_generation_seen = 0;
  };
  Machine(l1::Hypervisor& hv, MachineConfig cfg);
  Expected<void, std::string> load();  // image, initrd, FDT, RTAS blob into L2 memory
  Expected<void, std::string> register_hcalls();
  l1::Result<void> set_entry_state(l1::Vcpu& v, uint64_t nia, uint64_t r3, uint64_t r4);
  void vcpu_thread(unsigned n);
  l1::Result<void> apply_mailbox(CpuSlot& slot);
  l1::Result<l1::HcallOutcome> finish(l1::Vcpu& v, papr::HStatus s);
  uint64_t l2_timebase();
  bool wake_pending(CpuSlot& slot);

  // Handlers (hcalls.cpp).
  l1::Result<l1::HcallOutcome> h_put_term_char(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_get_term_char(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_rtas(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_set_sprg0(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_set_dabr(l1::Vcpu& v, bool extended);
  l1::Result<l1::HcallOutcome> h_page_init(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_random(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_register_vpa(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_cede(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_prod(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_confer(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_set_mode(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_register_proc_tbl(l1::Vcpu& v);
  l1::Result<l1::HcallOutcome> h_xics(l1::Vcpu& v, uint64_t opcode);
  l1::Result<l1::HcallOutcome> rtas_dispatch(l1::Vcpu& v, RtasCall& call,
                                             std::vector<uint32_t>& rets);

  l1::Hypervisor* hv_;
  MachineConfig cfg_;
  std::unique_ptr<l1::Guest> guest_;
  l1::HcallTable hcalls_;
  Console console_;
  Xics xics_;
  TestDevice testdev_;
  BootLayout layout_;
  std::vector<uint8_t> fdt_;
  std::function<void(const TraceRecord&)> trace_;
  std::vector<std::unique_ptr<CpuSlot>> cpus_;

  // Partition-wide modes set by H_SET_MODE; each vCPU applies them to its LPCR before entry.
  std::atomic<uint64_t> lpcr_mode_{0};
  std::atomic<uint64_t> lpcr_generation_{0};

  std::mutex end_mu_;
  std::atomic<bool> ended_{false};
  bool reboot_ = false;
  MachineResult result_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  int64_t tod_offset_s_ = 0;  // set-time-of-day minus the host clock
};

}  // namespace nv2::vmm
