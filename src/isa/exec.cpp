// Exec: the slow paths behind the per-page host-pointer caches, fault delivery, and the
// predecoded block cache with its invalidation rule (docs/decisions/isa-core.md):
//   blocks are keyed by L1 real address | MSR[LE]; a store that reaches a page holding
//   decoded code drops that page's blocks (and ends the current block); icbi drops the
//   page; every run() re-checks a block's words against memory the first time it runs.
#include <algorithm>
#include <bit>
#include <cstring>

#include "isa/decode.hpp"
#include "isa/exec.hpp"
#include "isa/fuse.hpp"
#include "isa/handlers.hpp"
#include "isa/interrupts.hpp"

namespace nv2::isa {

uint64_t Exec::l2_tb(const Decoded* d) const {
  uint64_t n = *retired + idle_insns;
  if (d != nullptr) n += static_cast<uint64_t>(d - block_begin);
  const uint64_t offset = config != nullptr ? config->tb_offset : 0;
  return timebase->now(n) + offset;
}

Flow Exec::interrupt(const Decoded& d, Vector v, uint64_t srr1_cause) {
  last = &d;
  deliver_interrupt(*s, v, cia(d), srr1_cause);
  ctx_changed = true;
  return Flow::Interrupt;
}

Flow Exec::hea(const Decoded& d) {
  s->heir = d.word;  // HEIR: the instruction image, low word (nv2 decision; no prefix in 3.0B)
  return exit(d, ExitKind::Hea);
}

Flow Exec::deferred_facility(const Decoded& d) {
  s->heir = d.word;
  return exit(d, ExitKind::Unimplemented);
}

Flow Exec::exit(const Decoded& d, ExitKind k) {
  last = &d;
  s->nia = cia(d);
  exit_kind = k;
  return Flow::Exit;
}

const HostPage* Exec::translate_page(const Decoded* d, uint64_t ea, AccessType type) {
  const Translation t = translate(mmu_context(), tlb, ea, type);
  const uint64_t here = d != nullptr ? cia(*d) : ea;
  if (d != nullptr) last = d;  // meaningful only when this returns a fault
  switch (t.kind) {
    case Translation::Kind::Ok: {
      const uint64_t page = t.l1_real & ~kPageMask;
      if (!l1.contains(page, kPageSize)) {
        // A page that ends beyond L1 memory (a region whose size is not a page multiple):
        // a partition-scoped fault, never a host access out of bounds.
        Translation f = t;
        f.kind = Translation::Kind::PartitionFault;
        f.cause = dsisr::kNoTranslation | (type == AccessType::Store ? dsisr::kStore : 0);
        exit_kind = record_partition_fault(*s, f, ea, type);
        s->nia = here;
        fault_flow = Flow::Exit;
        return nullptr;
      }
      auto& cache = type == AccessType::Load ? rtlb : type == AccessType::Store ? wtlb : ftlb;
      HostPage& e = cache[(ea >> kPageShift) % kTlbEntries];
      if (type == AccessType::Store) note_code_store(page);
      e.tag = ea >> kPageShift;
      e.host = l1.base() + page;
      e.l1_page = page;
      return &e;
    }
    case Translation::Kind::ProcessFault:
    case Translation::Kind::SegmentFault:
      deliver_storage_interrupt(*s, t, ea, type, here);
      ctx_changed = true;
      fault_flow = Flow::Interrupt;
      return nullptr;
    case Translation::Kind::PartitionFault:
      exit_kind = record_partition_fault(*s, t, ea, type);
      // HEIR also holds the faulting instruction on HDSI, so the L1 can emulate MMIO from
      // it (issue 5 item 4) without reading L2 memory.
      if (d != nullptr) s->heir = d->word;
      s->nia = here;
      fault_flow = Flow::Exit;
      return nullptr;
  }
  return nullptr;
}

bool Exec::access_slow(const Decoded& d, uint64_t ea, void* buf, unsigned len, AccessType type) {
  auto* p = static_cast<uint8_t*>(buf);
  while (len != 0) {
    const uint64_t off = ea & kPageMask;
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(len, kPageSize - off));
    const HostPage* hp = translate_page(&d, ea, type);
    if (hp == nullptr) return false;
    if (type == AccessType::Store) {
      std::memcpy(hp->host + off, p, chunk);
    } else {
      std::memcpy(p, hp->host + off, chunk);
    }
    p += chunk;
    ea += chunk;
    len -= chunk;
  }
  return true;
}

uint8_t* Exec::host_of(const Decoded& d, uint64_t ea, AccessType type, uint64_t* l1_real) {
  const HostPage* hp = translate_page(&d, ea, type);
  if (hp == nullptr) return nullptr;
  if (l1_real != nullptr) *l1_real = hp->l1_page | (ea & kPageMask);
  return hp->host + (ea & kPageMask);
}

void Exec::flush_host_pages() {
  ++chain_gen;
  for (auto* cache : {&rtlb, &wtlb, &ftlb})
    for (HostPage& e : *cache) e.tag = ~uint64_t{0};
}

void Exec::flush_all_translations() {
  flush_host_pages();
  tlb.flush_all();
}

void Exec::check_mmu_key() {
  const MmuKey now{s->msr & (msr::kIR | msr::kDR | msr::kPR | msr::kHV), s->lpcr, s->amr, s->iamr,
                   s->pidr};
  if (!(now == key_filled)) {
    flush_host_pages();
    key_filled = now;
  }
}

void Exec::invalidate_code_page(uint64_t l1_page) {
  auto it = code_pages.find(l1_page);
  if (it == code_pages.end()) return;
  ++chain_gen;
  for (uint64_t key : it->second) {
    auto b = blocks.find(key);
    if (b == blocks.end()) continue;
    Block*& slot = block_cache[(key >> 2) % kBlockCacheEntries];
    if (slot == b->second.get()) slot = nullptr;
    // The block may be the one executing: keep it alive until the block boundary.
    retired_blocks.push_back(std::move(b->second));
    blocks.erase(b);
  }
  code_pages.erase(it);
}

void Exec::invalidate_all_code() {
  ++chain_gen;
  for (auto& [key, b] : blocks) retired_blocks.push_back(std::move(b));
  blocks.clear();
  code_pages.clear();
  block_cache.fill(nullptr);
}

void Exec::note_code_store(uint64_t l1_page) {
  if (code_pages.find(l1_page) == code_pages.end()) return;
  invalidate_code_page(l1_page);
  code_dirty = true;
}

namespace {
uint32_t fetch_word(const uint8_t* p, bool le) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return le ? w : bswap(w);
}
// Does memory at `p` still hold the block's words? This runs for every block on its first
// use in each run (an hcall round trip re-enters often), so the common case — the block's
// byte order is the host's — is one memcmp of the image: `words` then holds the bytes as
// they are in memory.
inline bool same_words(const uint8_t* p, const Block& b, bool le) {
  if (le == (std::endian::native == std::endian::little)) {
    // In the host's byte order the block's image is its words: one memcmp (vectorised by
    // libc) for long blocks, 8 bytes at a time inline for short ones (the call and its PLT
    // stub would cost more than the compare).
    const auto* q = reinterpret_cast<const uint8_t*>(b.words.data());
    const size_t n = 4 * size_t{b.count};
    if (n > 32) return std::memcmp(p, q, n) == 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t u;
      uint64_t v;
      std::memcpy(&u, p + i, 8);
      std::memcpy(&v, q + i, 8);
      if (u != v) return false;
    }
    if (i < n) {
      uint32_t u;
      uint32_t v;
      std::memcpy(&u, p + i, 4);
      std::memcpy(&v, q + i, 4);
      if (u != v) return false;
    }
    return true;
  }
  for (uint32_t i = 0; i < b.count; ++i)
    if (fetch_word(p + 4 * i, le) != b.words[i]) return false;
  return true;
}
}  // namespace

Block* Exec::find_block(uint64_t ea) {
  ea &= ~uint64_t{3};
  const HostPage* hp = &ftlb[(ea >> kPageShift) % kTlbEntries];
  if (hp->tag != (ea >> kPageShift)) {
    hp = translate_page(nullptr, ea, AccessType::Fetch);
    if (hp == nullptr) return nullptr;
  }
  const uint64_t off = ea & kPageMask;
  const uint64_t key = (hp->l1_page | off) | (le ? 1 : 0);
  Block*& slot = block_cache[(key >> 2) % kBlockCacheEntries];
  Block* b = slot;
  if (b == nullptr || b->key != key) {
    auto it = blocks.find(key);
    b = it != blocks.end() ? it->second.get() : nullptr;
  }
  if (b != nullptr && b->epoch != epoch) {
    // First use in this run: the L1 (or anything outside this engine) may have rewritten
    // the code between runs.
    const uint8_t* p = hp->host + off;
    if (!same_words(p, *b, le)) {
      invalidate_code_page(hp->l1_page);
      b = nullptr;
    }
    if (b != nullptr) b->epoch = epoch;
  }
  if (b == nullptr) {
    auto nb = std::make_unique<Block>();
    nb->key = key;
    nb->epoch = epoch;
    const uint8_t* p = hp->host + off;
    const uint64_t room = (kPageSize - off) / 4;
    const uint64_t max = std::min<uint64_t>(room, kMaxBlockInsns);
    nb->insns.reserve(max + 1);
    nb->words.reserve(max);
    for (uint64_t i = 0; i < max; ++i) {
      const uint32_t w = fetch_word(p + 4 * i, le);
      const Decoded d = predecode(w);
      nb->insns.push_back(d);
      nb->words.push_back(w);
      if (d.fn == &op_illegal) break;
      // Blocks end at branches, except at a conditional bc: a side exit (fuse.hpp).
      if (d.desc != 0xFFFF && (insn(d.desc).flags & flag::kBranch) != 0 && !is_side_exit(d)) break;
    }
    nb->count = static_cast<uint32_t>(nb->insns.size());
    fuse_block(nb->insns.data(), nb->count);
    Decoded sentinel;
    sentinel.fn = &op_end_of_block;
    nb->insns.push_back(sentinel);
    b = nb.get();
    code_pages[hp->l1_page].push_back(key);
    blocks[key] = std::move(nb);
    // Stores to this page must now take the slow path, which sees the code.
    for (HostPage& e : wtlb)
      if (e.tag != ~uint64_t{0} && e.l1_page == hp->l1_page) e.tag = ~uint64_t{0};
  }
  slot = b;
  if (b->linked_gen != chain_gen) {
    // A block a chain link of this generation may reach from now on (begin_run).
    if (linked_of_gen != chain_gen) {
      linked_of_gen = chain_gen;
      linked_count = 0;
      linked_words = 0;
      linked_full = false;
    }
    linked_words += b->count;
    if (linked_count < kLinkedMax && linked_words <= kLinkedMaxWords) {
      linked[linked_count++] = b;
    } else {
      linked_full = true;
    }
    b->linked_gen = chain_gen;
  }
  return b;
}

void Exec::begin_run() {
  const uint32_t e = ++epoch;
  if (linked_of_gen != chain_gen || linked_full) {
    ++chain_gen;  // the links' targets are not all known: drop every link
    return;
  }
  // Blocks are keyed by L1 real address (| LE) and l1 is the one they were decoded from
  // (Cpu::run flushes everything when it changes), so each image is at base + key. Locals:
  // the stores of the epoch stamps may alias Exec's own fields.
  const uint8_t* const base = l1.base();
  const unsigned n = linked_count;
  for (unsigned i = 0; i < n; ++i) {
    Block& b = *linked[i];
    const uint64_t real = b.key & ~uint64_t{3};
    if (!same_words(base + real, b, (b.key & 1) != 0)) [[unlikely]] {
      // Moves chain_gen: the remaining blocks are checked by find_block on their next use.
      invalidate_code_page(real & ~kPageMask);
      return;
    }
    b.epoch = e;
  }
}

}  // namespace nv2::isa
