// RTAS for the L2 (l2-machine.md "/rtas", PAPR chapter 7): the token table, the blob the
// L2 calls, and the argument block the blob passes to H_RTAS.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "util/expected.hpp"

namespace nv2::vmm {

// Services with QEMU's token numbering (the reference tree's /rtas node).
enum class RtasService : uint32_t {
  DisplayCharacter = 0x2000,
  GetTimeOfDay = 0x2001,
  SetTimeOfDay = 0x2002,
  PowerOff = 0x2003,
  SystemReboot = 0x2004,
  QueryCpuStoppedState = 0x2005,
  StartCpu = 0x2006,
  StopSelf = 0x2007,
  OsTerm = 0x201F,
};

struct RtasServiceInfo {
  RtasService service;
  std::string_view name;  // the /rtas property name
  uint32_t nargs;         // arguments the service takes (PAPR 7.3)
  uint32_t nret;          // results it returns, the status included
};

// One table: the device tree's token properties and the dispatcher both come from it.
inline constexpr std::array kRtasServices = {
    RtasServiceInfo{RtasService::DisplayCharacter, "display-character", 1, 1},
    RtasServiceInfo{RtasService::GetTimeOfDay, "get-time-of-day", 0, 8},
    RtasServiceInfo{RtasService::SetTimeOfDay, "set-time-of-day", 7, 1},
    RtasServiceInfo{RtasService::PowerOff, "power-off", 2, 1},
    RtasServiceInfo{RtasService::SystemReboot, "system-reboot", 0, 1},
    RtasServiceInfo{RtasService::QueryCpuStoppedState, "query-cpu-stopped-state", 1, 2},
    RtasServiceInfo{RtasService::StartCpu, "start-cpu", 3, 1},
    RtasServiceInfo{RtasService::StopSelf, "stop-self", 0, 1},
    RtasServiceInfo{RtasService::OsTerm, "ibm,os-term", 1, 1},
};

constexpr std::optional<RtasServiceInfo> rtas_service(uint32_t token) {
  for (const auto& s : kRtasServices)
    if (static_cast<uint32_t>(s.service) == token) return s;
  return std::nullopt;
}

// RTAS status values (PAPR 7.2.8).
namespace rtas_status {
inline constexpr int32_t kSuccess = 0;
inline constexpr int32_t kHardwareError = -1;
inline constexpr int32_t kBusy = -2;
inline constexpr int32_t kParameterError = -3;
}  // namespace rtas_status

// The RTAS blob placed in L2 memory at linux,rtas-entry: the L2 calls it with r3 = the
// argument block's real address; it moves that to r4, loads H_RTAS into r3, hcalls and
// returns. Encoded in the image's byte order.
//   mr r4,r3 ; lis r3,0 ; ori r3,r3,0xf000 ; sc 1 ; blr
inline constexpr std::array<uint32_t, 5> kRtasBlobWords = {0x7c641b78, 0x3c600000, 0x6063f000,
                                                           0x44000022, 0x4e800020};
inline constexpr uint64_t kRtasSize = 0x1000;  // rtas-size: the blob plus room
std::vector<uint8_t> rtas_blob(bool little_endian);

// The argument block: token, nargs, nret, args[nargs], rets[nret], all big-endian 32-bit
// (PAPR 7.2.7). It lives in L2 memory and is untrusted: parsing checks every count.
inline constexpr uint32_t kRtasMaxCells = 16;  // args + rets, as Linux's struct rtas_args
inline constexpr uint64_t kRtasHeaderBytes = 12;
inline constexpr uint64_t kRtasMaxBlockBytes = kRtasHeaderBytes + 4 * kRtasMaxCells;

struct RtasCall {
  uint32_t token = 0;
  uint32_t nargs = 0;
  uint32_t nret = 0;
  std::array<uint32_t, kRtasMaxCells> args{};
  uint32_t arg(uint32_t i) const { return i < nargs ? args[i] : 0; }
  uint64_t block_bytes() const { return kRtasHeaderBytes + 4 * (uint64_t{nargs} + nret); }
};

enum class RtasParseError {
  Truncated,     // fewer bytes than the header or the cells it announces
  TooManyCells,  // nargs + nret above kRtasMaxCells
};

// `block` holds the bytes of L2 memory from the block's address (up to kRtasMaxBlockBytes).
Expected<RtasCall, RtasParseError> parse_rtas(std::span<const uint8_t> block);
// Writes rets[0..min(nret, rets.size())) after the arguments; the caller has parsed `call`
// from this block, so the cells are in range.
void store_rtas_rets(std::span<uint8_t> block, const RtasCall& call,
                     std::span<const uint32_t> rets);

}  // namespace nv2::vmm
