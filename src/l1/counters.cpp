#include "l1/counters.hpp"

#include <cstdio>

namespace nv2::l1 {

namespace {
// Every §5 reason is a multiple of 0x20 below 0x1000: reason / 0x20 → slot, built from
// kExitReasons (a search of the table was ≈ 32 instructions, twice per exit).
constexpr auto kSlotByReason = [] {
  std::array<uint8_t, 0x1000 / 0x20> a{};
  a.fill(static_cast<uint8_t>(kExitReasons.size()));
  for (std::size_t i = 0; i < kExitReasons.size(); ++i) {
    const auto r = static_cast<uint64_t>(kExitReasons[i]);
    if (r % 0x20 != 0 || r / 0x20 >= a.size()) throw "exit reason outside the slot table";
    a[r / 0x20] = static_cast<uint8_t>(i);
  }
  return a;
}();
}  // namespace

std::size_t exit_slot(uint64_t reason) {
  if (reason % 0x20 != 0 || reason / 0x20 >= kSlotByReason.size()) return kExitReasons.size();
  return kSlotByReason[reason / 0x20];
}

namespace {
// opcode/4 → row of papr::kHcallTable (the table's size for opcodes it does not list):
// counting an hcall is one load on the RUN path.
constexpr auto kSlotByOpcode = [] {
  std::array<uint8_t, papr::kHcallSlots> a{};
  a.fill(static_cast<uint8_t>(papr::kHcallTable.size()));
  for (std::size_t i = 0; i < papr::kHcallTable.size(); ++i)
    a[papr::opcode(papr::kHcallTable[i].hcall) / 4] = static_cast<uint8_t>(i);
  return a;
}();
static_assert(papr::kHcallTable.size() < 255);
}  // namespace

std::size_t hcall_slot(uint64_t opcode) {
  if (opcode % 4 != 0 || opcode > papr::kMaxHcall) return papr::kHcallTable.size();
  return kSlotByOpcode[opcode / 4];
}

std::string_view exit_name(std::size_t slot) {
  static constexpr std::array<std::string_view, kExitSlots> kNames = {
      "stopped", "hdec", "hcall", "hdsi", "hisi", "hea", "hv_facility_unavailable", "other"};
  return slot < kNames.size() ? kNames[slot] : "other";
}

namespace {
std::string_view hcall_slot_name(std::size_t i) {
  return i < papr::kHcallTable.size() ? papr::kHcallTable[i].name : std::string_view("other");
}

// Every scalar counter with its name, in one table for both output formats.
template <typename F>
void for_each_scalar(const CountersSnapshot& s, F&& f) {
  f("hcalls_total", s.hcalls_total);
  f("runs", s.runs);
  f("get_state_calls", s.get_state_calls);
  f("set_state_calls", s.set_state_calls);
  f("elements_fetched", s.elements_fetched);
  f("elements_sent", s.elements_sent);
  f("elements_received", s.elements_received);
  f("gsb_bytes_out", s.gsb_bytes_out);
  f("gsb_bytes_in", s.gsb_bytes_in);
  f("l2_hcalls", s.l2_hcalls);
  f("l2_hcalls_unknown", s.l2_hcalls_unknown);
  f("mmio_emulated", s.mmio_emulated);
  f("pages_mapped", s.pages_mapped);
  f("program_interrupts", s.program_interrupts);
  f("dec_cancelled", s.dec_cancelled);
}
}  // namespace

std::string CountersSnapshot::to_text() const {
  std::string out;
  char line[96];
  for_each_scalar(*this, [&](std::string_view name, uint64_t v) {
    std::snprintf(line, sizeof line, "%-28.*s %llu\n", static_cast<int>(name.size()), name.data(),
                  static_cast<unsigned long long>(v));
    out += line;
  });
  for (std::size_t i = 0; i < hcalls.size(); ++i) {
    if (hcalls[i] == 0) continue;
    const auto n = hcall_slot_name(i);
    std::snprintf(line, sizeof line, "hcall %-22.*s %llu\n", static_cast<int>(n.size()), n.data(),
                  static_cast<unsigned long long>(hcalls[i]));
    out += line;
  }
  for (std::size_t i = 0; i < exits.size(); ++i) {
    if (exits[i] == 0) continue;
    const auto n = exit_name(i);
    std::snprintf(line, sizeof line, "exit %-23.*s %llu\n", static_cast<int>(n.size()), n.data(),
                  static_cast<unsigned long long>(exits[i]));
    out += line;
  }
  return out;
}

std::string CountersSnapshot::to_json() const {
  std::string out = "{";
  bool first = true;
  auto field = [&](std::string_view name, uint64_t v) {
    if (!first) out += ",";
    first = false;
    out += "\"";
    out += name;
    out += "\":";
    out += std::to_string(v);
  };
  for_each_scalar(*this, field);
  out += ",\"hcalls\":{";
  first = true;
  for (std::size_t i = 0; i < hcalls.size(); ++i) field(hcall_slot_name(i), hcalls[i]);
  out += "},\"exits\":{";
  first = true;
  for (std::size_t i = 0; i < exits.size(); ++i) field(exit_name(i), exits[i]);
  out += "}}";
  return out;
}

namespace {
// Every scalar counter of a block, paired with its snapshot field: one list for add_to,
// add_from and reset.
template <typename Block, typename F>
void for_each_field(Block& b, CountersSnapshot* s, F&& f) {
  CountersSnapshot dummy;
  CountersSnapshot& t = s != nullptr ? *s : dummy;
  f(b.runs, t.runs);
  f(b.get_state_calls, t.get_state_calls);
  f(b.set_state_calls, t.set_state_calls);
  f(b.elements_fetched, t.elements_fetched);
  f(b.elements_sent, t.elements_sent);
  f(b.elements_received, t.elements_received);
  f(b.gsb_bytes_out, t.gsb_bytes_out);
  f(b.gsb_bytes_in, t.gsb_bytes_in);
  f(b.l2_hcalls, t.l2_hcalls);
  f(b.l2_hcalls_unknown, t.l2_hcalls_unknown);
  f(b.mmio_emulated, t.mmio_emulated);
  f(b.pages_mapped, t.pages_mapped);
  f(b.program_interrupts, t.program_interrupts);
  f(b.dec_cancelled, t.dec_cancelled);
}
uint64_t ld(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }
}  // namespace

void CounterBlock::add_to(CountersSnapshot& s) const {
  for (std::size_t i = 0; i < hcalls_.size(); ++i) s.hcalls[i] += ld(hcalls_[i]);
  for (std::size_t i = 0; i < exits_.size(); ++i) s.exits[i] += ld(exits_[i]);
  s.hcalls_total += ld(hcalls_total_);
  for_each_field(*this, &s, [](const std::atomic<uint64_t>& a, uint64_t& v) { v += ld(a); });
}

void CounterBlock::add_from(const CounterBlock& o) {
  for (std::size_t i = 0; i < hcalls_.size(); ++i) add(hcalls_[i], ld(o.hcalls_[i]));
  for (std::size_t i = 0; i < exits_.size(); ++i) add(exits_[i], ld(o.exits_[i]));
  add(hcalls_total_, ld(o.hcalls_total_));
  CountersSnapshot tmp;
  o.add_to(tmp);
  for_each_field(*this, &tmp, [](std::atomic<uint64_t>& a, uint64_t& v) { add(a, v); });
}

void CounterBlock::reset() {
  auto z = [](std::atomic<uint64_t>& a) { a.store(0, std::memory_order_relaxed); };
  for (auto& a : hcalls_) z(a);
  for (auto& a : exits_) z(a);
  z(hcalls_total_);
  for_each_field(*this, nullptr, [&z](std::atomic<uint64_t>& a, uint64_t&) { z(a); });
}

void Counters::attach(CounterBlock* b) {
  std::lock_guard lock(mu_);
  attached_.push_back(b);
}

void Counters::detach(CounterBlock* b) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < attached_.size(); ++i) {
    if (attached_[i] != b) continue;
    add_from(*b);
    attached_[i] = attached_.back();
    attached_.pop_back();
    return;
  }
}

CountersSnapshot Counters::snapshot() const {
  CountersSnapshot s;
  std::lock_guard lock(mu_);
  add_to(s);
  for (const CounterBlock* b : attached_) b->add_to(s);
  return s;
}

void Counters::reset() {
  std::lock_guard lock(mu_);
  CounterBlock::reset();
  // The attached blocks are written by their vCPU threads; reset them only while those
  // threads are quiet (tests and benchmarks reset between phases).
  for (CounterBlock* b : attached_) b->reset();
}

}  // namespace nv2::l1
