// The run loop (issue 3 item 3): predecoded blocks, interrupts and timers at block
// boundaries, stop requests at the next boundary, exits as typed results.
#include "isa/cpu.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "isa/exec.hpp"
#include "isa/interrupts.hpp"
#include "isa/jit.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define NV2_ISA_HAVE_TSC 1
#endif

namespace nv2::isa {

// The interpreter's context plus this vCPU's block translator (its code arena).
struct Cpu::Engine : Exec {
  Jit jit;
};

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

#if defined(NV2_ISA_HAVE_TSC)
// The TSC bound (Exec::TscBound). A pair is tight when the two TSC reads around the clock
// read are this close: the thread was not preempted in between (~1 us at 2-4 GHz).
constexpr uint64_t kTightPairCycles = 4096;
// Calibration needs at least 1 ms of host TB between the first pair and a later one, so
// the pairs' own width (< kTightPairCycles) is < 0.5 % of the span; the ratio is then
// doubled as a margin.
constexpr uint64_t kCalibrationTicks = Timebase::kFrequency / 1000;
// Added to every bound: covers TSC skew between host cores after a migration (8 us).
constexpr uint64_t kSlackTicks = 4096;
// Beyond this many cycles since the anchor (~1 s at 4 GHz) the bound is not used.
constexpr uint64_t kMaxSpanCycles = uint64_t{1} << 32;

// True when the L2 timebase provably has not reached any deadline that the check at this
// block boundary acts on: HDEC expiry and the asynchronous interrupts. pending_async_interrupt
// reads the timebase only as `tb >= dec_expiry`, so "nothing pending at an upper bound"
// implies "nothing pending now".
bool provably_nothing_due(const Exec& x, const VcpuState& s) {
  const Exec::TscBound& c = x.tsc_bound;
  if (c.ticks_per_tsc == 0) return false;
  const uint64_t tsc = __rdtsc();
  if (tsc < c.tsc_a || tsc - c.tsc_a >= kMaxSpanCycles) return false;  // migrated back / stale
  const uint64_t offset = x.config != nullptr ? x.config->tb_offset : 0;
  const uint64_t lo = c.tb_a + offset;  // what l2_tb returned at the anchor (same wrap)
  const uint64_t hi = lo + static_cast<uint64_t>(static_cast<double>(tsc - c.tsc_a) * c.ticks_per_tsc) +
                      kSlackTicks;
  if (hi < lo) return false;  // the bound wraps: decide on the real clock
  return hi < s.hdec_expiry_tb && !pending_async_interrupt(s, hi, x.requests);
}

// The precise L2 timebase at a block boundary (real-time mode), recording a tight pair
// for the TSC bound.
uint64_t l2_tb_with_anchor(Exec& x) {
  const uint64_t t1 = __rdtsc();
  const uint64_t host = x.timebase->now(0);  // real-time mode: the argument is unused
  const uint64_t t2 = __rdtsc();
  Exec::TscBound& c = x.tsc_bound;
  if (t2 >= t1 && t2 - t1 < kTightPairCycles) {
    // The clock was read after t1: elapsed TB since then is at most the TSC since t1.
    c.tsc_a = t1;
    c.tb_a = host;
    if (c.tsc0 == 0) {
      c.tsc0 = t1;
      c.tb0 = host;
    } else if (c.ticks_per_tsc == 0 && t1 > c.tsc0 && host >= c.tb0 + kCalibrationTicks) {
      c.ticks_per_tsc = 2.0 * static_cast<double>(host - c.tb0) / static_cast<double>(t1 - c.tsc0);
    }
  }
  const uint64_t offset = x.config != nullptr ? x.config->tb_offset : 0;
  return host + offset;
}
#endif

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
  x.stop = &stop_requested_;
  x.jit_exit_slot = nullptr;
  x.requests = {requests.external, requests.privileged_doorbell, requests.system_reset};
  x.ctx_changed = true;
  x.idle_request = false;
  // Blocks are re-checked against memory before they run in this run; chain links (and the
  // translated code's chain slots) survive when their targets could be re-checked here.
  x.begin_run();
  const bool deterministic = x.timebase->mode() == Timebase::Mode::Deterministic;
  const uint64_t start = retired_;
  Block* b = nullptr;  // the block just executed (chaining source), or null
  auto done = [&](ExitKind k) {
    x.retired_blocks.clear();
    x.jit_exit_slot = nullptr;
    // The next run starts where this one stopped (after an `sc 1`, at the hcall's return):
    // its first block is looked up through this block's links (Exec::exit_block).
    x.exit_block = b;
    x.exit_gen = x.chain_gen;
    x.exit_le = x.le;
    return Exit{k, retired_ - start};
  };
  // The previous run's last block, while its links are valid: the first boundary of this
  // run follows its link instead of find_block.
  Block* resume = x.exit_gen == x.chain_gen ? x.exit_block : nullptr;
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
        x.jit_exit_slot = nullptr;  // no link across a context change (MSR[LE] is not in the key)
      }
#if defined(NV2_ISA_HAVE_TSC)
      if (retired_ >= x.next_check && !deterministic && provably_nothing_due(x, s))
        x.next_check = retired_ + kRealTimeCheckInterval;  // what the full check would set
#endif
      if (retired_ >= x.next_check) {
        // Timers and asynchronous interrupts (isa-system's pending_async_interrupt).
#if defined(NV2_ISA_HAVE_TSC)
        const uint64_t tb = deterministic ? x.l2_tb() : l2_tb_with_anchor(x);
#else
        const uint64_t tb = x.l2_tb();
#endif
        if (tb >= s.hdec_expiry_tb) return done(ExitKind::Hdec);
        if (const auto v = pending_async_interrupt(s, tb, x.requests)) {
          deliver_interrupt(s, *v, s.nia, 0);
          if (*v == Vector::SystemReset) x.requests.system_reset = false;
          if (*v == Vector::External) x.requests.external = false;
          if (*v == Vector::DirectedPrivilegedDoorbell) x.requests.doorbell = false;
          x.ctx_changed = true;
          b = nullptr;
          resume = nullptr;
          // The pending exit slot names the interrupted block's successor; the vector's
          // block is not it (and may be decoded in the other byte order: MSR[LE] <- ILE
          // moves no chain generation).
          x.jit_exit_slot = nullptr;
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
      if (resume != nullptr) {
        // First block of the run (no interrupt was delivered in between, nothing moved the
        // chain generation, same byte order): the last run's exit block is the chaining
        // source, as if the run had not stopped.
        if (b == nullptr && x.exit_gen == x.chain_gen && x.exit_le == x.le) {
          b = resume;
          for (const Block::Link& l : b->next)
            if (l.ea == s.nia && l.gen == x.chain_gen) nb = l.to;
        }
        resume = nullptr;
      }
      if (nb == nullptr) {
        nb = x.find_block(s.nia);
        if (nb == nullptr) {
          b = nullptr;
          x.jit_exit_slot = nullptr;  // the ISI vector's block is no successor of the exit
          if (x.fault_flow == Flow::Exit) return done(x.exit_kind);
          continue;  // ISI delivered
        }
        if (b != nullptr) {
          // Remember the successor: slot 0 for the first target seen, slot 1 for the other.
          Block::Link& l = (b->next[0].gen != x.chain_gen || b->next[0].ea == s.nia) ? b->next[0] : b->next[1];
          l = {s.nia, x.chain_gen, nb};
        }
      }
    }
    b = nb;
    Flow f;
    for (;;) {
      // A block that has run jit_threshold_ times on the interpreter is translated; its
      // host code keeps retired_ itself (jit.hpp).
      if (b->host == nullptr && jit_) [[unlikely]] {
        if (b->runs >= jit_threshold_) {
          engine_->jit.translate(x, *b);
        } else {
          ++b->runs;
        }
      }
      if (b->host != nullptr && jit_) {
        // The previous block's host code left by a chainable exit to this block: record it,
        // so that next time it jumps here directly (jit.cpp chain_exit).
        if (x.jit_exit_slot != nullptr) *x.jit_exit_slot = {s.nia, x.chain_gen, b->chained};
        x.jit_exit_slot = nullptr;
        // The generation the TLB synced to, not a second read of the domain's: a broadcast
        // landing between an in_sync test and that read would be taken as seen, and a
        // chained loop would run on stale host pages until its next full check.
        x.jit_tlb_gen = x.tlb.seen_generation();
        f = static_cast<Flow>(b->host(&x));
        b = x.jit_block;  // the last block of the chain
      } else {
        x.jit_exit_slot = nullptr;
        x.block_begin = b->insns.data();
        x.block_ea = s.nia & ~uint64_t{3};
        // Threaded: the handlers chain to one another (NV2_NEXT) until one ends the block.
        f = x.block_begin->fn(x, *x.block_begin);
        retired_ += static_cast<uint64_t>(x.last - x.block_begin) + (f == Flow::Branch ? 1 : 0);
      }
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
      x.jit_exit_slot = nullptr;  // it may have been in a freed block
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
