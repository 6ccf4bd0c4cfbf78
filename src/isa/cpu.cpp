// The run loop (issue 3 item 3): predecoded blocks, interrupts and timers at block
// boundaries, stop requests at the next boundary, exits as typed results.
#include "isa/cpu.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "isa/exec.hpp"
#include "isa/interrupts.hpp"

namespace nv2::isa {

struct Cpu::Engine : Exec {};

Cpu::Cpu() : engine_(std::make_unique<Engine>()) {}
Cpu::~Cpu() = default;

void Cpu::flush_translations() {
  Exec& x = *engine_;
  x.flush_all_translations();
  x.invalidate_all_code();
  x.res_valid = false;
}

namespace {

constexpr uint64_t kRealTimeCheckInterval = 4096;  // instructions between clock reads

// Retired-instruction count at which the L2 timebase reaches `event` (deterministic mode).
uint64_t retired_at(const Exec& x, uint64_t event) {
  const uint64_t offset = x.config != nullptr ? x.config->tb_offset : 0;
  const uint64_t tpi = std::max<uint64_t>(x.timebase->ticks_per_instruction(), 1);
  if (event <= offset) return 0;
  const uint64_t ticks = event - offset;
  const uint64_t insns = ticks / tpi + (ticks % tpi != 0 ? 1 : 0);
  return insns > x.idle_insns ? insns - x.idle_insns : 0;
}

}  // namespace

Exit Cpu::run(const RunEnv& env, InterruptRequests requests) {
  Exec& x = *engine_;
  VcpuState& s = state_;
  if (x.l1.base() != env.l1.base() || x.l1.size() != env.l1.size() || x.config != env.config) {
    x.flush_all_translations();
    x.invalidate_all_code();
    x.res_valid = false;
  }
  TlbDomain* const domain = env.tlb_domain != nullptr ? env.tlb_domain : &x.own_domain;
  if (x.domain != domain) {
    // Another guest's (or no) domain: its generation says nothing about this TLB's contents.
    x.flush_all_translations();
    x.domain = domain;
    x.tlb.sync(*domain);
  }
  x.s = &s;
  x.l1 = env.l1;
  x.config = env.config;
  x.timebase = env.timebase;
  x.retired = &retired_;
  x.requests = {requests.external, requests.privileged_doorbell, requests.system_reset};
  x.ctx_changed = true;
  x.idle_request = false;
  ++x.epoch;  // blocks are re-checked against memory once in this run
  const bool deterministic = x.timebase->mode() == Timebase::Mode::Deterministic;
  const uint64_t start = retired_;
  auto done = [&](ExitKind k) {
    x.retired_blocks.clear();
    return Exit{k, retired_ - start};
  };

  ++x.chain_gen;
  Block* b = nullptr;  // the block just executed (chaining source), or null
  for (;;) {
    // Block boundary. The common case (no pending event, no context change) follows the
    // chain link of the previous block; everything else takes the full path.
    const bool slow = x.ctx_changed || retired_ >= x.next_check ||
                      stop_requested_.load(std::memory_order_relaxed) || !x.tlb.in_sync(*x.domain);
    Block* nb = nullptr;
    if (!slow && b != nullptr) [[likely]] {
      const uint64_t nia = s.nia;
      for (const Block::Link& l : b->next)
        if (l.ea == nia && l.gen == x.chain_gen) nb = l.to;
    }
    if (nb == nullptr) {
      if (stop_requested_.load(std::memory_order_relaxed)) [[unlikely]] {
        stop_requested_.store(false, std::memory_order_relaxed);
        return done(ExitKind::Stopped);
      }
      // Another vCPU's tlbie (TlbDomain): drop this vCPU's translations and the host-page
      // caches and chain links built on them (flush_host_pages moves chain_gen). Decoded
      // blocks are keyed by L1 real address, so they stay valid.
      if (x.tlb.sync(*x.domain)) x.flush_host_pages();
      if (x.ctx_changed) {
        x.ctx_changed = false;
        x.check_mmu_key();
        x.next_check = 0;
        b = nullptr;
      }
      if (retired_ >= x.next_check) {
        // Timers and asynchronous interrupts (isa-system's pending_async_interrupt).
        const uint64_t tb = x.l2_tb();
        if (tb >= s.hdec_expiry_tb) return done(ExitKind::Hdec);
        if (const auto v = pending_async_interrupt(s, tb, x.requests)) {
          deliver_interrupt(s, *v, s.nia, 0);
          if (*v == Vector::SystemReset) x.requests.system_reset = false;
          if (*v == Vector::External) x.requests.external = false;
          if (*v == Vector::DirectedPrivilegedDoorbell) x.requests.doorbell = false;
          x.ctx_changed = true;
          b = nullptr;
          continue;
        }
        if (deterministic) {
          uint64_t next = retired_at(x, s.hdec_expiry_tb);
          if ((s.msr & msr::kEE) != 0) next = std::min(next, retired_at(x, s.dec_expiry_tb));
          x.next_check = std::max(next, retired_ + 1);
        } else {
          x.next_check = retired_ + kRealTimeCheckInterval;
        }
      }
      x.le = (s.msr & msr::kLE) != 0;
      nb = x.find_block(s.nia);
      if (nb == nullptr) {
        b = nullptr;
        if (x.fault_flow == Flow::Exit) return done(x.exit_kind);
        continue;  // ISI delivered
      }
      if (b != nullptr) {
        // Remember the successor: slot 0 for the first target seen, slot 1 for the other.
        Block::Link& l = (b->next[0].gen != x.chain_gen || b->next[0].ea == s.nia) ? b->next[0] : b->next[1];
        l = {s.nia, x.chain_gen, nb};
      }
    }
    b = nb;
    Flow f;
    for (;;) {
      x.block_begin = b->insns.data();
      x.block_ea = s.nia & ~uint64_t{3};
      // Threaded: the handlers chain to one another (NV2_NEXT) until one ends the block.
      f = x.block_begin->fn(x, *x.block_begin);
      retired_ += static_cast<uint64_t>(x.last - x.block_begin) + (f == Flow::Branch ? 1 : 0);
      // Stay in this loop while the next block is a valid chain link and nothing is due.
      if (f != Flow::Branch && f != Flow::EndBlock) break;
      if (x.ctx_changed || x.idle_request || !x.retired_blocks.empty() || retired_ >= x.next_check ||
          stop_requested_.load(std::memory_order_relaxed) || !x.tlb.in_sync(*x.domain))
        break;
      const uint64_t nia = s.nia;
      const Block::Link* l = &b->next[0];
      if (l->ea != nia || l->gen != x.chain_gen) {
        l = &b->next[1];
        if (l->ea != nia || l->gen != x.chain_gen) break;
      }
      b = l->to;
    }
    if (!x.retired_blocks.empty()) {
      x.retired_blocks.clear();
      b = nullptr;
    }
    if (f == Flow::Exit) return done(x.exit_kind);
    if (f == Flow::Interrupt) b = nullptr;

    if (x.idle_request) [[unlikely]] {
      // stop / wait (papr-nestedv2.md §9.4): idle until an interrupt is pending, advancing to
      // the next timer event; past the HDEC deadline the run returns Stopped.
      x.idle_request = false;
      for (;;) {
        const uint64_t tb = x.l2_tb();
        if (pending_async_interrupt(s, tb, x.requests)) break;
        if (tb >= s.hdec_expiry_tb) return done(ExitKind::Stopped);
        if (stop_requested_.load(std::memory_order_relaxed)) {
          stop_requested_.store(false, std::memory_order_relaxed);
          return done(ExitKind::Stopped);
        }
        uint64_t event = s.hdec_expiry_tb;
        if ((s.msr & msr::kEE) != 0 && s.dec_expiry_tb > tb) event = std::min(event, s.dec_expiry_tb);
        if (deterministic) {
          const uint64_t tpi = std::max<uint64_t>(x.timebase->ticks_per_instruction(), 1);
          const uint64_t gap = event - tb;
          x.idle_insns += gap / tpi + (gap % tpi != 0 ? 1 : 0);
        } else {
          const uint64_t gap = std::min<uint64_t>(event - tb, Timebase::kFrequency / 1000);
          std::this_thread::sleep_for(std::chrono::nanoseconds(gap * 1'000'000'000 / Timebase::kFrequency + 1));
        }
      }
      x.next_check = 0;
      b = nullptr;
    }
  }
}

}  // namespace nv2::isa
