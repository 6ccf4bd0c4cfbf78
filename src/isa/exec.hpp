// The execution context every instruction handler receives (no global CPU state:
// style-examples.md "Handlers take their context explicitly").
//
// Exec owns what one vCPU's interpreter needs besides the architected state: the run
// environment, the software TLB and the per-page host-pointer caches in front of it, the
// predecoded blocks, the larx/stcx reservation, and the pending exit.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "isa/exit.hpp"
#include "isa/insn.hpp"
#include "isa/interrupts.hpp"
#include "isa/mmu.hpp"
#include "isa/state.hpp"
#include "isa/timebase.hpp"
#include "papr/abi.hpp"

namespace nv2::isa {

inline constexpr unsigned kPageShift = 12;  // host-pointer cache granule: the smallest radix page
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
inline constexpr uint64_t kPageMask = kPageSize - 1;
inline constexpr unsigned kMaxBlockInsns = 64;

// Byte reversal (C++20 has no std::byteswap).
template <typename T>
constexpr T bswap(T v) {
  if constexpr (sizeof(T) == 1) return v;
  if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
  if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
  if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
}

// One cached translation of a 4 KiB effective page to host memory (L1 real memory).
struct HostPage {
  uint64_t tag = ~uint64_t{0};  // EA >> kPageShift; ~0 never matches
  uint8_t* host = nullptr;      // host address of the page's first byte
  uint64_t l1_page = 0;         // L1 real address of the page
};

// A chainable exit of translated code (jit.hpp): when the exit's target is `ea` in chain
// generation `gen` and nothing is due at the boundary, the host code jumps straight to
// `entry`, the translated successor's chained entry point.
struct JitChainSlot {
  uint64_t ea = ~uint64_t{0};
  uint64_t gen = 0;
  const void* entry = nullptr;
};

struct Block {
  uint64_t key = 0;  // L1 real address of the first instruction | MSR[LE]
  uint32_t count = 0;
  uint32_t epoch = 0;  // run epoch in which the words were last checked against memory
  std::vector<Decoded> insns;  // count instructions + the end-of-block sentinel
  // The words as they are in memory, in address order: fuse_block may move a compare down
  // past independent instructions, so insns[i] is not always the instruction at i.
  std::vector<uint32_t> words;
  // Chaining: the blocks that followed this one (taken / fall-through), by effective
  // address, valid while Exec::chain_gen has not moved since they were recorded.
  struct Link {
    uint64_t ea = ~uint64_t{0};
    uint64_t gen = 0;
    Block* to = nullptr;
  };
  std::array<Link, 2> next{};
  uint64_t linked_gen = 0;  // the chain generation in which it joined Exec::linked (or 0)
  // Translation (jit.hpp). `host` runs the whole block and returns its Flow (as uint32_t),
  // with Exec::retired already advanced; it lives in the vCPU's code arena, and dies with
  // this Block (a dropped block is never run again) or with an arena flush, which clears it.
  using HostCode = uint32_t (*)(Exec*);
  HostCode host = nullptr;
  uint32_t runs = 0;  // runs on the interpreter so far (Cpu::jit_threshold)
  // The fallback arrays the host code calls ({insn, [its fused branch,] "next" stub} each):
  // kept alive with the translation.
  std::unique_ptr<Decoded[]> fallback;
  std::unique_ptr<JitChainSlot[]> chain;  // one per chainable exit of the host code
  const void* chained = nullptr;          // entry for a jump from another block's host code
};

// Continue with the next predecoded instruction of the block: a tail call, so a block runs
// as a chain of jumps from handler to handler (threaded code). The chain ends at the first
// handler that returns another Flow (every block ends with a sentinel that does); those
// record the instruction in Exec::last so the run loop can count what retired.
#define NV2_NEXT(x, d) return (&(d) + 1)->fn((x), *(&(d) + 1))

struct Exec {
  static constexpr unsigned kTlbEntries = 256;
  static constexpr unsigned kBlockCacheEntries = 4096;

  VcpuState* s = nullptr;
  papr::RealMemory l1;
  const PartitionConfig* config = nullptr;
  const Timebase* timebase = nullptr;
  SoftTlb tlb;
  // tlbie broadcast domain of this run (RunEnv::tlb_domain), or own_domain when the L0 gave
  // none: never null, so the block-boundary check needs no branch on it.
  TlbDomain own_domain;
  TlbDomain* domain = &own_domain;

  // Host-pointer caches, filled by the slow path from translate(), flushed whenever a
  // translation may change (MSR[IR/DR/PR], PIDR, LPCR, tlbie/tlbiel/slbia, flush).
  std::array<HostPage, kTlbEntries> rtlb{};
  std::array<HostPage, kTlbEntries> wtlb{};
  std::array<HostPage, kTlbEntries> ftlb{};

  // Current block.
  const Decoded* block_begin = nullptr;
  const Decoded* last = nullptr;  // the instruction that ended the chain (non-Next outcome)
  uint64_t block_ea = 0;
  bool le = false;          // MSR[LE] of the current block
  bool code_dirty = false;  // a store hit a page holding decoded code: leave the block

  // Decoded blocks, keyed by L1 real address | LE.
  std::unordered_map<uint64_t, std::unique_ptr<Block>> blocks;
  std::unordered_map<uint64_t, std::vector<uint64_t>> code_pages;  // L1 page -> block keys
  std::array<Block*, kBlockCacheEntries> block_cache{};
  std::vector<std::unique_ptr<Block>> retired_blocks;  // freed at the next block boundary
  uint32_t epoch = 1;
  // Bumped whenever a block or a fetch translation may have gone away (invalidations,
  // host-page flushes, a tlbie seen, an arena flush): chain links of an older generation
  // are ignored. A new run keeps the generation when begin_run() could re-check every
  // block a link of this generation can reach (docs/decisions/isa-core.md, "Links across
  // runs").
  uint64_t chain_gen = 1;
  // The blocks find_block returned since chain_gen last moved: every chain link and
  // translated-code chain slot of generation chain_gen targets one of them (links are
  // recorded only to a block find_block just returned, or that such a link reached).
  // `linked_full`: more than kLinkedMax of them, or more than kLinkedMaxWords instruction
  // words in all (the re-check's cost per run stays within ~1 KiB of compares, whether or
  // not the run enters them), so the next run moves chain_gen instead.
  static constexpr unsigned kLinkedMax = 16;
  static constexpr unsigned kLinkedMaxWords = 256;
  std::array<Block*, kLinkedMax> linked{};
  unsigned linked_count = 0;
  unsigned linked_words = 0;
  uint64_t linked_of_gen = 0;  // the generation `linked` describes; != chain_gen: empty
  bool linked_full = false;
  // The block that ended the last run (the chaining source of the next run's first block,
  // e.g. the block after an `sc 1`), valid while chain_gen is exit_gen and MSR[LE] is
  // exit_le (links are by EA; the block key holds the byte order).
  Block* exit_block = nullptr;
  uint64_t exit_gen = 0;
  bool exit_le = false;

  // larx/stcx reservation (Book II §4.4.2): L1 real address, length and the value loaded.
  bool res_valid = false;
  uint64_t res_addr = 0;
  unsigned res_len = 0;
  std::array<uint8_t, 16> res_value{};

  // Timing: instructions retired (owned by Cpu), idle ticks added by stop/wait.
  uint64_t* retired = nullptr;
  uint64_t idle_insns = 0;   // instruction-equivalents skipped while idle (deterministic TB)
  uint64_t next_check = 0;   // retired count at which timers/interrupts are checked again
  // Real-time mode: a cheap upper bound on the host timebase from the x86 TSC, so that a
  // block-boundary check (every run() entry) can prove that no timer is due without the
  // ~20 ns clock read. Calibrated per vCPU from the precise reads the engine makes anyway
  // (docs/decisions/isa-core.md, "TSC bound"); only ever used to skip a check, never to
  // produce a timebase value, so the TB the L2 sees and every timer decision stay exact.
  struct TscBound {
    uint64_t tsc0 = 0, tb0 = 0;  // first tight (TSC, host TB) pair; tsc0 == 0: none yet
    uint64_t tsc_a = 0, tb_a = 0;  // anchor: the last tight pair
    double ticks_per_tsc = 0;      // 2x the measured ratio (margin); 0: not calibrated
  } tsc_bound;
  AsyncRequests requests{};

  // The exit a handler recorded (Flow::Exit).
  ExitKind exit_kind = ExitKind::Stopped;
  // A handler changed MSR/PIDR/LPCR/AMR/IAMR/DPDES or delivered an interrupt: re-check
  // the host-page caches and pending interrupts at the block boundary.
  bool ctx_changed = true;
  // stop / wait executed: the run loop idles before the next block (spec §9.4).
  bool idle_request = false;
  // Translated-code chaining (jit.hpp, Cpu::run): the chainable exit the last host code
  // left by (patched by the run loop once it knows the successor; null when none or when
  // the slot's block may be gone), the translated block that returned, the stop request
  // flag, and the tlbie domain generation last seen in sync (the host code's boundary check
  // compares the domain's generation with it: equal implies SoftTlb::in_sync).
  JitChainSlot* jit_exit_slot = nullptr;
  Block* jit_block = nullptr;
  const std::atomic<bool>* stop = nullptr;
  uint64_t jit_tlb_gen = ~uint64_t{0};
  // darn's generator state (xorshift64*): deterministic per vCPU.
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  uint32_t vcpu_id = 0;  // what mfspr PIR returns

  // --- helpers for handlers -------------------------------------------------------------
  uint64_t cia(const Decoded& d) const {
    return block_ea + 4 * static_cast<uint64_t>(&d - block_begin);
  }
  // L2 timebase at the boundary before `d` (or at the block boundary when d is null).
  uint64_t l2_tb(const Decoded* d = nullptr) const;
  bool problem_state() const { return (s->msr & msr::kPR) != 0; }
  void force_check() { next_check = 0; }

  // Interrupt and exit helpers: set state, return the Flow the handler returns.
  Flow interrupt(const Decoded& d, Vector v, uint64_t srr1_cause);  // SRR0 = CIA
  Flow program(const Decoded& d, uint64_t reason) { return interrupt(d, Vector::Program, reason); }
  Flow hea(const Decoded& d);          // HEIR = word, NIA = CIA, exit Hea
  Flow deferred_facility(const Decoded& d);  // enabled FP/VMX/VSX: HEIR = word, exit Unimplemented
  Flow exit(const Decoded& d, ExitKind k);  // NIA = CIA
  Flow end_block_after(const Decoded& d) {  // completed; resume at CIA + 4 in a new block
    last = &d;
    s->nia = cia(d) + 4;
    return Flow::Branch;
  }

  // --- memory -----------------------------------------------------------------------------
  // Loads and stores of 1, 2, 4, 8 bytes in the current byte order. A false return means
  // the handler must return `fault_flow` (an interrupt was delivered or an exit recorded,
  // NIA = the instruction).
  Flow fault_flow = Flow::Interrupt;

  template <typename T>
  static T to_order(T v, bool le) {
    return le ? v : bswap(v);
  }

  template <typename T>
  bool load(const Decoded& d, uint64_t ea, T& out) {
    const HostPage& p = rtlb[(ea >> kPageShift) % kTlbEntries];
    const uint64_t off = ea & kPageMask;
    if (p.tag == (ea >> kPageShift) && off + sizeof(T) <= kPageSize) [[likely]] {
      T v;
      std::memcpy(&v, p.host + off, sizeof(T));
      out = to_order(v, le);
      return true;
    }
    T v;
    if (!access_slow(d, ea, &v, sizeof(T), AccessType::Load)) return false;
    out = to_order(v, le);
    return true;
  }

  template <typename T>
  bool store(const Decoded& d, uint64_t ea, T value) {
    const HostPage& p = wtlb[(ea >> kPageShift) % kTlbEntries];
    const uint64_t off = ea & kPageMask;
    const T v = to_order(value, le);
    if (p.tag == (ea >> kPageShift) && off + sizeof(T) <= kPageSize) [[likely]] {
      std::memcpy(p.host + off, &v, sizeof(T));
      return true;
    }
    T tmp = v;
    return access_slow(d, ea, &tmp, sizeof(T), AccessType::Store);
  }

  // After a store: leave the block when the store modified decoded code, else go on.
  Flow after_store(const Decoded& d) {
    if (code_dirty) [[unlikely]] {
      code_dirty = false;
      return end_block_after(d);
    }
    NV2_NEXT(*this, d);
  }

  // Byte-order-free access of `len` bytes at `ea` (splits at page boundaries), through
  // the MMU; faults delivered/recorded as for load/store.
  bool access_slow(const Decoded& d, uint64_t ea, void* buf, unsigned len, AccessType type);
  // Host pointer of the byte at `ea` for a `type` access that must not cross a page
  // (aligned atomics, dcbz); nullptr after a fault.
  uint8_t* host_of(const Decoded& d, uint64_t ea, AccessType type, uint64_t* l1_real = nullptr);

  // Translate one access; on success fill the host-pointer cache and return the page.
  const HostPage* translate_page(const Decoded* d, uint64_t ea, AccessType type);

  // --- caches -----------------------------------------------------------------------------
  void flush_host_pages();            // drop the three host-pointer caches
  void flush_all_translations();      // host pages + software TLB
  void invalidate_code_page(uint64_t l1_page);  // drop decoded blocks of one L1 page
  void invalidate_all_code();
  void note_code_store(uint64_t l1_page);  // a store reached a page that may hold code
  void check_mmu_key();  // flush host pages when MSR/PIDR/... changed since they were filled
  struct MmuKey {
    uint64_t msr = ~uint64_t{0}, lpcr = 0, amr = 0, iamr = 0;
    uint32_t pidr = 0;
    friend bool operator==(const MmuKey&, const MmuKey&) = default;
  };
  MmuKey key_filled{};
  MmuContext mmu_context() const {
    MmuContext c{l1, config, s->msr, s->lpcr, s->pidr};
    c.amr = s->amr;
    c.iamr = s->iamr;
    return c;
  }

  // The block starting at `ea` (decoded on a miss), or nullptr after a fetch fault.
  Block* find_block(uint64_t ea);
  // Start of a run (Cpu::run): a new epoch (each block is re-checked against memory before
  // it runs again, as the L1 may have rewritten L2 code). When every block chain links can
  // reach is known (`linked`), they are re-checked here, so the links stay valid; a block
  // whose words changed drops its page. Otherwise the links are dropped (chain_gen moves).
  void begin_run();
};

}  // namespace nv2::isa
