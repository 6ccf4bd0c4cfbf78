#include <gtest/gtest.h>

#include "scripted_l0.hpp"

namespace nv2::l1::test {

using papr::Hcall;
using papr::HStatus;

gsb::Value zero_of(gsb::ElementId id) {
  switch (gsb::find(id)->type) {
    case gsb::Type::Be32: return uint32_t{0};
    case gsb::Type::Be64: return uint64_t{0};
    case gsb::Type::Vec128: return gsb::Vec128{};
    case gsb::Type::PartitionTable: return gsb::PartitionTableInfo{};
    case gsb::Type::ProcessTable: return gsb::ProcessTableInfo{};
    case gsb::Type::BufferInfo: return gsb::BufferInfo{};
  }
  return uint64_t{0};
}

uint64_t as64(const gsb::Value& v) {
  if (const auto* p = std::get_if<uint64_t>(&v)) return *p;
  if (const auto* p = std::get_if<uint32_t>(&v)) return *p;
  ADD_FAILURE() << "value is not a scalar";
  return 0;
}

ScriptedExit ScriptedExit::hcall(uint64_t opcode, std::initializer_list<uint64_t> args) {
  ScriptedExit e;
  e.reason = 0xC00;
  e.l2_writes[gsb::id::gpr(3)] = opcode;
  unsigned r = 4;
  for (uint64_t a : args) e.l2_writes[gsb::id::gpr(r++)] = a;
  for (unsigned i = 3; i <= 12; ++i) e.output.set(gsb::id::gpr(i));
  e.output.set(gsb::id::kDecExpiry);
  return e;
}

ScriptedExit ScriptedExit::hdsi(uint64_t asdr, uint64_t hdar, uint64_t nia, uint64_t msr) {
  ScriptedExit e;
  e.reason = 0xE00;
  e.l2_writes[gsb::id::kAsdr] = asdr;
  e.l2_writes[gsb::id::kHdar] = hdar;
  e.l2_writes[gsb::id::kHdsisr] = uint32_t{0x40000000};
  e.l2_writes[gsb::id::kNia] = nia;
  e.l2_writes[gsb::id::kMsr] = msr;
  e.output = {gsb::id::kHdar, gsb::id::kHdsisr, gsb::id::kAsdr, gsb::id::kNia, gsb::id::kMsr,
              gsb::id::kDecExpiry};
  return e;
}

ScriptedExit ScriptedExit::hea(uint64_t nia, uint64_t msr, uint64_t heir) {
  ScriptedExit e;
  e.reason = 0xE40;
  e.l2_writes[gsb::id::kNia] = nia;
  e.l2_writes[gsb::id::kMsr] = msr;
  e.l2_writes[gsb::id::kHeir] = heir;
  e.output = {gsb::id::kHeir, gsb::id::kNia, gsb::id::kMsr, gsb::id::kDecExpiry};
  return e;
}

ScriptedExit ScriptedExit::simple(uint64_t reason) {
  ScriptedExit e;
  e.reason = reason;
  e.output = {gsb::id::kDecExpiry};
  return e;
}

ScriptedL0::ScriptedL0(std::size_t mem_bytes) : mem_(mem_bytes) {}

void ScriptedL0::hcall(papr::HcallRegs& regs) {
  std::lock_guard lock(mu_);
  Recorded rec;
  rec.opcode = regs.opcode();
  for (unsigned i = 0; i < 6; ++i) rec.args[i] = regs.arg(i);
  if (intercept && intercept(regs)) {
    rec.status = regs.r[3];
    rec.r4 = regs.r[4];
    log.push_back(rec);
    return;
  }
  auto answer = [&regs](HStatus s, uint64_t r4 = 0) {
    regs.r[3] = papr::to_abi(s);
    regs.r[4] = r4;
  };
  const uint64_t op = regs.opcode();
  auto is = [op](Hcall h) { return op == papr::opcode(h); };
  if (is(Hcall::H_GUEST_GET_CAPABILITIES)) {
    answer(get_capabilities_status, get_capabilities_status == HStatus::Success ? capabilities : 0);
  } else if (is(Hcall::H_GUEST_SET_CAPABILITIES)) {
    if (set_capabilities_status != HStatus::Success) answer(set_capabilities_status, 1);
    else if ((regs.arg(1) & ~capabilities) != 0) answer(HStatus::P2, 1);
    else answer(HStatus::Success);
  } else if (is(Hcall::H_GUEST_CREATE)) {
    if (!create_busy.empty()) {
      const HStatus s = create_busy.front();
      create_busy.pop_front();
      answer(s, 0x7000 + create_busy.size());
    } else {
      answer(HStatus::Success, next_guest_id++);
    }
  } else if (is(Hcall::H_GUEST_CREATE_VCPU) || is(Hcall::H_GUEST_DELETE)) {
    answer(HStatus::Success);
  } else if (is(Hcall::H_GUEST_GET_STATE)) {
    get_state(regs, rec);
  } else if (is(Hcall::H_GUEST_SET_STATE)) {
    set_state(regs, rec);
  } else if (is(Hcall::H_GUEST_RUN_VCPU)) {
    run(regs, rec);
  } else {
    answer(HStatus::Function);
  }
  rec.status = regs.r[3];
  rec.r4 = regs.r[4];
  log.push_back(rec);
}

namespace {
gsb::Scope scope_of(uint64_t flags) {
  if (flags & papr::state_flag::kHostWide) return gsb::Scope::Host;
  if (flags & papr::state_flag::kGuestWide) return gsb::Scope::Guest;
  return gsb::Scope::Thread;
}
}  // namespace

void ScriptedL0::get_state(papr::HcallRegs& regs, Recorded& rec) {
  const gsb::Scope scope = scope_of(regs.arg(0));
  auto buf = memory().span(regs.arg(3), regs.arg(4));
  gsb::Reader r;
  auto ok = r.parse(buf, gsb::Policy::get(scope));
  if (!ok) {
    regs.r[3] = papr::to_abi(ok.error().code);
    regs.r[4] = ok.error().index;
    return;
  }
  rec.ids = r.ids();
  rec.gsb_count = r.count();
  State& truth = scope == gsb::Scope::Host    ? host_state
                 : scope == gsb::Scope::Guest ? guest_
                                              : vcpus_[regs.arg(2)];
  for (const gsb::Element& e : r) {
    auto it = truth.find(e.id);
    const gsb::Value v = it != truth.end() ? it->second : zero_of(e.id);
    EXPECT_TRUE(gsb::store_value(buf, e, v).has_value());
  }
  regs.r[3] = papr::to_abi(HStatus::Success);
  regs.r[4] = 0;
}

void ScriptedL0::set_state(papr::HcallRegs& regs, Recorded& rec) {
  const gsb::Scope scope = scope_of(regs.arg(0));
  auto buf = memory().span(regs.arg(3), regs.arg(4));
  gsb::Reader r;
  auto ok = r.parse(buf, gsb::Policy::set(scope));
  if (!ok) {
    regs.r[3] = papr::to_abi(ok.error().code);
    regs.r[4] = ok.error().index;
    return;
  }
  rec.ids = r.ids();
  rec.gsb_count = r.count();
  State& truth = scope == gsb::Scope::Guest ? guest_ : vcpus_[regs.arg(2)];
  for (const gsb::Element& e : r) {
    rec.values[e.id] = e.value();
    truth[e.id] = e.value();
  }
  regs.r[3] = papr::to_abi(HStatus::Success);
  regs.r[4] = 0;
}

void ScriptedL0::run(papr::HcallRegs& regs, Recorded& rec) {
  State& truth = vcpus_[regs.arg(2)];
  auto in_it = truth.find(gsb::id::kRunInput);
  auto out_it = truth.find(gsb::id::kRunOutput);
  if (in_it == truth.end()) {
    regs.r[3] = papr::to_abi(HStatus::InputBufferNotDefined);
    return;
  }
  if (out_it == truth.end()) {
    regs.r[3] = papr::to_abi(HStatus::OutputBufferNotDefined);
    return;
  }
  const auto in = std::get<gsb::BufferInfo>(in_it->second);
  const auto out = std::get<gsb::BufferInfo>(out_it->second);
  gsb::Reader r;
  auto ok = r.parse(memory().span(in.address, in.size), gsb::Policy::run_input());
  if (!ok) {
    regs.r[3] = papr::to_abi(ok.error().code);
    regs.r[4] = ok.error().index;
    return;
  }
  rec.ids = r.ids();
  rec.gsb_count = r.count();
  for (const gsb::Element& e : r) {
    rec.values[e.id] = e.value();
    truth[e.id] = e.value();
  }
  auto own = vcpu_exits.find(regs.arg(2));
  std::deque<ScriptedExit>& script = own != vcpu_exits.end() && !own->second.empty() ? own->second : exits;
  if (script.empty()) {
    ADD_FAILURE() << "RUN_VCPU with no scripted exit left";
    regs.r[3] = papr::to_abi(HStatus::Hardware);
    return;
  }
  ScriptedExit x = script.front();
  script.pop_front();
  if (x.status != HStatus::Success) {
    regs.r[3] = papr::to_abi(x.status);
    regs.r[4] = x.fail_r4;
    return;
  }
  for (const auto& [id, v] : x.l2_writes) truth[id] = v;
  gsb::Writer w(memory().span(out.address, out.size));
  for (gsb::ElementId id : x.output) {
    auto it = truth.find(id);
    EXPECT_TRUE(w.put(id, it != truth.end() ? it->second : zero_of(id)).has_value());
  }
  regs.r[3] = papr::to_abi(HStatus::Success);
  regs.r[4] = x.reason;
}

std::size_t ScriptedL0::count(Hcall h) const {
  std::size_t n = 0;
  for (const auto& r : log)
    if (r.opcode == papr::opcode(h)) ++n;
  return n;
}

std::vector<Recorded> ScriptedL0::calls(Hcall h) const {
  std::vector<Recorded> out;
  for (const auto& r : log)
    if (r.opcode == papr::opcode(h)) out.push_back(r);
  return out;
}

const Recorded& ScriptedL0::last(Hcall h) const {
  for (auto it = log.rbegin(); it != log.rend(); ++it)
    if (it->opcode == papr::opcode(h)) return *it;
  static const Recorded kNone{};
  ADD_FAILURE() << "no " << papr::hcall_name(papr::opcode(h)) << " recorded";
  return kNone;
}

}  // namespace nv2::l1::test
