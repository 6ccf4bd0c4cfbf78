#include "vmm/machine.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "util/bits.hpp"
#include "vmm/try.hpp"

namespace nv2::vmm {

using papr::HStatus;

namespace {

constexpr uint64_t k64K = 64 * 1024;
constexpr uint64_t kLowRegion = 1ull << 30;  // FDT and RTAS stay in the first 1 GiB
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

// LPCR the machine gives every L2 vCPU (papr-nestedv2.md §3: settable bits only):
// DPFD = 4 (Book III §2.2: default prefetch depth, as KVM sets it), LD (large decrementer:
// the tree advertises ibm,dec-bits = 56), GTSE (the OS may use tlbie; vec-5 says so).
// ILE and AIL come from the image's byte order and H_SET_MODE.
constexpr uint64_t kLpcrLd = bits::bit(46);
constexpr uint64_t kLpcrBase = bits::insert(0, 9, 11, 4) | kLpcrLd | l1::lpcr::kGTSE;
constexpr uint64_t kLpcrAilMask = bits::field_mask(l1::lpcr::kAilFirst, l1::lpcr::kAilLast);
static_assert((kLpcrBase & ~0x0070000003820C00ull) == 0, "only settable LPCR bits");

// A DEC expiry no L2 reaches: no decrementer interrupt until the L2 writes DEC.
constexpr uint64_t kDecNever = ~uint64_t{0} >> 1;

// The vCPU the calling host thread runs (-1: none), so an interrupt a vCPU raises for
// itself does not kick it out of its next H_GUEST_RUN_VCPU.
thread_local int64_t tls_current_vcpu = -1;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace


Expected<BootLayout, std::string> plan_layout(const ElfImage& image, uint64_t initrd_size,
                                              uint64_t fdt_size, uint64_t memory_size) {
  BootLayout l;
  l.image = image;
  uint64_t used_end = image.load_end;
  if (initrd_size != 0) {
    l.initrd = AddressRange{align_up(image.load_end, k64K), initrd_size};
    used_end = l.initrd->end();
  }
  const uint64_t top = std::min(memory_size, kLowRegion);
  const uint64_t need = k64K + align_up(fdt_size, k64K);
  if (top < need || align_down(top, k64K) - need < used_end)
    return Unexpected{std::string("too little memory: ") + hex(memory_size) +
                      " bytes cannot hold the image (ends at " + hex(image.load_end) + ")" +
                      (initrd_size ? ", the initrd (" + hex(initrd_size) + " bytes)" : "") +
                      ", the device tree and RTAS"};
  l.rtas = AddressRange{align_down(top, k64K) - k64K, kRtasSize};
  l.fdt = AddressRange{l.rtas.address - align_up(fdt_size, k64K), fdt_size};
  return l;
}

std::string trace_json(const TraceRecord& r) {
  const uint64_t reason = static_cast<uint64_t>(r.exit.reason);
  std::string s = "{\"vcpu\":" + std::to_string(r.vcpu) + ",\"reason\":\"" +
                  std::string(l1::exit_name(l1::exit_slot(r.exit.raw_reason))) +
                  "\",\"reason_code\":\"" + hex(reason) + "\",\"nia\":" +
                  (r.nia ? "\"" + hex(*r.nia) + "\"" : std::string("null"));
  if (r.exit.reason == papr::ExitReason::Hcall)
    s += ",\"hcall\":\"" + hex(r.hcall_opcode) + "\",\"hcall_name\":\"" +
         std::string(papr::hcall_name(r.hcall_opcode)) + "\"";
  else
    s += ",\"hcall\":null";
  s += ",\"elements_in\":" + std::to_string(r.exit.elements_in) +
       ",\"elements_out\":" + std::to_string(r.exit.received.count()) +
       ",\"bytes_in\":" + std::to_string(r.exit.bytes_in) +
       ",\"bytes_out\":" + std::to_string(r.exit.bytes_out) +
       ",\"ns\":" + std::to_string(r.duration.count()) + "}";
  return s;
}

Machine::Machine(l1::Hypervisor& hv, MachineConfig cfg)
    : hv_(&hv),
      cfg_(std::move(cfg)),
      console_(cfg_.console_out_fd, cfg_.console_in_fd),
      xics_(cfg_.cpus, [this](unsigned server) {
        if (server >= cpus_.size()) return;
        CpuSlot& slot = *cpus_[server];
        slot.vcpu->set_external_pending(xics_.interrupt_pending(server));
        slot.vcpu->kick();
        if (cfg_.kick_running && tls_current_vcpu != static_cast<int64_t>(server))
          cfg_.kick_running(server);
      }),
      rng_(cfg_.deterministic ? 0x6e7632ull : std::random_device{}()) {}

Machine::~Machine() {
  shutdown(0, "destroyed");
  for (auto& c : cpus_)
    if (c->thread.joinable()) c->thread.join();
}

Expected<std::unique_ptr<Machine>, std::string> Machine::create(l1::Hypervisor& hv,
                                                                MachineConfig cfg) {
  if (cfg.cpus == 0 || cfg.cpus > 2048)
    return Unexpected{"-smp " + std::to_string(cfg.cpus) + ": between 1 and 2048 vCPUs"};
  if (cfg.memory_size < (16ull << 20) || cfg.memory_size % k64K != 0)
    return Unexpected{"-m " + hex(cfg.memory_size) +
                      ": at least 16 MiB, a multiple of 64 KiB"};
  if (!cfg.host_timebase) {
    cfg.host_timebase = [] {
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
      const auto n = static_cast<uint64_t>(ns);
      return (n / 125) * 64 + (n % 125) * 64 / 125;  // 512 MHz
    };
  }
  std::unique_ptr<Machine> m(new Machine(hv, std::move(cfg)));
  auto guest = l1::Guest::create(hv, l1::GuestConfig{m->cfg_.memory_size,
                                                     l1::RadixPageSize::k64K, 0, 0});
  if (!guest) return Unexpected{"creating the L2: " + guest.error().message()};
  m->guest_ = std::move(*guest);
  for (unsigned i = 0; i < m->cfg_.cpus; ++i) {
    auto v = m->guest_->create_vcpu(i);
    if (!v) return Unexpected{"creating vCPU " + std::to_string(i) + ": " + v.error().message()};
    auto slot = std::make_unique<CpuSlot>();
    slot->index = i;
    slot->vcpu = *v;
    m->cpus_.push_back(std::move(slot));
  }
  auto mm = m->guest_->add_mmio(kTestDevBase, kTestDevSize, m->testdev_);
  if (!mm) return Unexpected{"test device: " + mm.error().message()};
  NV2_TRY(m->register_hcalls());
  NV2_TRY(m->load());
  return m;
}

Expected<void, std::string> Machine::load() {
  auto image = parse_elf(cfg_.kernel, cfg_.memory_size);
  if (!image) return Unexpected{"bad ELF image: " + image.error().message()};
  const uint64_t initrd_size = cfg_.initrd ? cfg_.initrd->size() : 0;

  FdtConfig fc;
  fc.memory_size = cfg_.memory_size;
  fc.cpus = cfg_.cpus;
  fc.cpu_version = hv_->logical_pvr();
  fc.bootargs = cfg_.bootargs;
  fc.testdev = AddressRange{kTestDevBase, kTestDevSize};
  // Sizing pass: every value has a fixed width, so placeholders give the final size.
  fc.initrd = initrd_size ? std::optional<AddressRange>(AddressRange{0, initrd_size}) : std::nullopt;
  fc.rtas = AddressRange{0, kRtasSize};
  fc.reserved.assign(initrd_size ? 4 : 3, AddressRange{});
  auto sizing = build_fdt(fc);
  if (!sizing) return Unexpected{sizing.error()};
  auto layout = plan_layout(*image, initrd_size, sizing->size(), cfg_.memory_size);
  if (!layout) return Unexpected{layout.error()};
  layout_ = *layout;

  fc.initrd = layout_.initrd;
  fc.rtas = layout_.rtas;
  fc.reserved.clear();
  fc.reserved.push_back({image->load_base, image->load_end - image->load_base});
  if (layout_.initrd) fc.reserved.push_back(*layout_.initrd);
  fc.reserved.push_back({layout_.fdt.address, align_up(layout_.fdt.size, k64K)});
  fc.reserved.push_back({layout_.rtas.address, kRtasSize});
  auto fdt = build_fdt(fc);
  if (!fdt) return Unexpected{fdt.error()};
  fdt_ = std::move(*fdt);
  layout_.fdt.size = fdt_.size();

  auto put = [this](uint64_t addr, std::span<const uint8_t> data,
                    const char* what) -> Expected<void, std::string> {
    auto w = guest_->write(addr, data);
    if (!w) return Unexpected{std::string("loading the ") + what + ": " + w.error().message()};
    return {};
  };
  for (const ElfSegment& s : layout_.image.segments) {
    NV2_TRY(put(s.address, s.contents, "image"));
    // Zero the rest (bss): fresh pages are zero, but a reboot reuses them.
    const uint64_t tail = s.memory_size - s.contents.size();
    if (tail != 0) {
      std::vector<uint8_t> zeros(static_cast<std::size_t>(std::min<uint64_t>(tail, 1ull << 20)));
      for (uint64_t off = 0; off < tail; off += zeros.size()) {
        const uint64_t n = std::min<uint64_t>(zeros.size(), tail - off);
        NV2_TRY(put(s.address + s.contents.size() + off,
                    std::span<const uint8_t>(zeros.data(), static_cast<std::size_t>(n)), "image"));
      }
    }
  }
  if (layout_.initrd) NV2_TRY(put(layout_.initrd->address, *cfg_.initrd, "initrd"));
  const std::vector<uint8_t> blob = rtas_blob(layout_.image.little_endian);
  NV2_TRY(put(layout_.rtas.address, blob, "RTAS blob"));
  NV2_TRY(put(layout_.fdt.address, fdt_, "device tree"));
  lpcr_mode_.store(layout_.image.little_endian ? l1::lpcr::kILE : 0);
  lpcr_generation_.fetch_add(1);
  return {};
}

l1::Result<void> Machine::set_entry_state(l1::Vcpu& v, uint64_t nia, uint64_t r3, uint64_t r4) {
  // l2-machine.md "Entry": r3 = FDT (or start-cpu's value), r4 = load address, r5 = 0 and
  // every other GPR 0; real mode; LE per the image (via LPCR[ILE] for secondaries, which
  // QEMU's start-cpu also follows).
  for (unsigned n = 0; n < 32; ++n) NV2_TRY(v.set_gpr(n, 0));
  NV2_TRY(v.set_gpr(3, r3));
  NV2_TRY(v.set_gpr(4, r4));
  const uint64_t mode = lpcr_mode_.load();
  uint64_t msr = l1::msr::kSF | l1::msr::kME | l1::msr::kRI;
  if (mode & l1::lpcr::kILE) msr |= l1::msr::kLE;
  NV2_TRY(v.set_msr(msr));
  NV2_TRY(v.set_nia(nia));
  NV2_TRY(v.set_lpcr(kLpcrBase | mode));
  NV2_TRY(v.set_dec_expiry(kDecNever));
  // Every storage key belongs to the L2 OS (AMOR all ones, as KVM gives its guests): with
  // AMOR = 0 its privileged writes of AMR/IAMR/UAMOR would be masked to nothing.
  NV2_TRY(v.set64(gsb::id::kAmor, ~uint64_t{0}));
  return {};
}

l1::Result<void> Machine::apply_mailbox(CpuSlot& slot) {
  const uint64_t gen = lpcr_generation_.load();
  if (gen != slot.lpcr_generation_seen) {
    auto lpcr = slot.vcpu->lpcr();
    if (!lpcr) return Unexpected{lpcr.error()};
    const uint64_t want = (*lpcr & ~(l1::lpcr::kILE | kLpcrAilMask)) | lpcr_mode_.load();
    if (want != *lpcr) NV2_TRY(slot.vcpu->set_lpcr(want));
    slot.lpcr_generation_seen = gen;
  }
  std::optional<uint64_t> vpa;
  if (slot.vpa_pending.load(std::memory_order_acquire)) {
    std::lock_guard lock(slot.mu);
    vpa.swap(slot.pending_vpa);
    slot.vpa_pending.store(false, std::memory_order_relaxed);
  }
  if (vpa) NV2_TRY(slot.vcpu->set_vpa(*vpa));
  return {};
}

void Machine::shutdown(int status, std::string reason) {
  {
    std::lock_guard lock(end_mu_);
    if (ended_.load()) return;
    result_.exit_status = status;
    result_.reason = std::move(reason);
    ended_.store(true);
  }
  for (auto& c : cpus_) {
    {
      std::lock_guard lock(c->mu);
    }
    c->cv.notify_all();
    c->vcpu->request_stop();
    c->vcpu->kick();
    if (cfg_.kick_running) cfg_.kick_running(c->index);
  }
}

void Machine::vcpu_thread(unsigned n) {
  CpuSlot& slot = *cpus_[n];
  tls_current_vcpu = n;
  l1::RunLoopHooks hooks;
  if (trace_) {
    hooks.on_exit = [this, n](l1::Vcpu& v, const l1::RunExit& e, uint64_t op,
                              std::chrono::nanoseconds d) {
      TraceRecord r{n, e, op, std::nullopt, d};
      if (v.valid().test(gsb::id::kNia)) {
        auto nia = v.nia();
        if (nia) r.nia = *nia;
      }
      trace_(r);
    };
  }
  l1::RunLoop loop(*slot.vcpu, hcalls_, hooks);
  for (;;) {
    uint64_t nia = 0, r3 = 0;
    {
      std::unique_lock lock(slot.mu);
      slot.cv.wait(lock, [&] { return ended_.load() || slot.state == CpuSlot::State::Starting; });
      if (ended_.load()) return;
      slot.state = CpuSlot::State::Running;
      nia = slot.start_nia;
      r3 = slot.start_r3;
    }
    slot.vcpu->clear_stop();
    auto st = n == 0 ? set_entry_state(*slot.vcpu, layout_.image.entry, layout_.fdt.address,
                                       layout_.image.load_base)
                     : set_entry_state(*slot.vcpu, nia, r3, 0);
    if (!st) {
      shutdown(1, "error: vCPU " + std::to_string(n) + " entry state: " + st.error().message());
      return;
    }
    slot.lpcr_generation_seen = lpcr_generation_.load();
    l1::StepResult step;  // reused: no StepResult copy per exit
    while (!ended_.load()) {
      // The mailbox only when something is in it (the check is two loads).
      if (lpcr_generation_.load() != slot.lpcr_generation_seen ||
          slot.vpa_pending.load(std::memory_order_acquire)) {
        auto mb = apply_mailbox(slot);
        if (!mb) {
          shutdown(1, "error: vCPU " + std::to_string(n) + ": " + mb.error().message());
          return;
        }
      }
      if (auto r = loop.step(step); !r) {
        shutdown(1, "error: vCPU " + std::to_string(n) + ": " + r.error().message());
        return;
      }
      if (step.stop) {
        if (ended_.load()) return;
        if (slot.stop_self) break;
        slot.vcpu->clear_stop();  // a kick, not an end: run again with the new state
      }
    }
    if (ended_.load()) return;
    slot.stop_self = false;
    std::lock_guard lock(slot.mu);
    slot.state = CpuSlot::State::Stopped;
  }
}

MachineResult Machine::run() {
  for (bool first = true;; first = false) {
    if (!first) {
      // system-reboot: the L2 restarts from its entry state with a fresh image.
      xics_.reset();
      auto l = load();
      if (!l) return MachineResult{1, "error: reboot: " + l.error()};
      std::lock_guard lock(end_mu_);
      ended_.store(false);
      reboot_ = false;
    }
    for (auto& c : cpus_) {
      std::lock_guard lock(c->mu);
      c->state = c->index == 0 ? CpuSlot::State::Starting : CpuSlot::State::Stopped;
      c->prodded.store(false);
      c->stop_self = false;
      c->pending_vpa.reset();
      c->vpa_pending.store(false);
    }
    for (auto& c : cpus_) c->thread = std::thread([this, n = c->index] { vcpu_thread(n); });
    for (auto& c : cpus_) c->thread.join();
    if (!reboot_) break;
  }
  return result_;
}

uint64_t Machine::l2_timebase() {
  auto off = guest_->tb_offset();
  return cfg_.host_timebase() + (off ? *off : 0);
}

l1::Result<l1::HcallOutcome> Machine::finish(l1::Vcpu& v, HStatus s) {
  NV2_TRY(v.set_gpr(3, papr::to_abi(s)));
  return l1::HcallOutcome::Resume;
}

}  // namespace nv2::vmm
