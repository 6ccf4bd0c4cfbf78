// PAPR hcall return codes (papr-nestedv2.md §3 "Return codes").
//
// Handlers return an HStatus; the one place it becomes the r3 value is to_abi().
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace nv2::papr {

enum class HStatus : int64_t {
  Success = 0,
  Busy = 1,
  LongBusyOrder1Msec = 9900,
  LongBusyOrder10Msec = 9901,
  LongBusyOrder100Msec = 9902,
  LongBusyOrder1Sec = 9903,
  LongBusyOrder10Sec = 9904,
  LongBusyOrder100Sec = 9905,
  Hardware = -1,
  Function = -2,
  Privilege = -3,
  Parameter = -4,
  NoMem = -9,
  NotEnoughResources = -44,
  P2 = -55,
  P3 = -56,
  P4 = -57,
  P5 = -58,
  P6 = -59,
  Noop = -63,
  Unsupported = -67,
  State = -75,
  InUse = -77,
  InvalidElementId = -79,
  InvalidElementSize = -80,
  InvalidElementValue = -81,
  InputBufferNotDefined = -82,
  InputBufferTooSmall = -83,
  OutputBufferNotDefined = -84,
  OutputBufferTooSmall = -85,
  PartitionPageTableNotDefined = -86,
  GuestVcpuStateNotHvOwned = -87,
  UnsupportedFlag = -256,  // first of the range -256 … -511
};

// The single conversion from a typed status to the value an hcall leaves in r3.
constexpr uint64_t to_abi(HStatus s) { return static_cast<uint64_t>(static_cast<int64_t>(s)); }

struct StatusInfo {
  HStatus status;
  std::string_view name;
};

// Spec names, in the order of the spec's table.
inline constexpr std::array kStatusTable = {
    StatusInfo{HStatus::Success, "H_SUCCESS"},
    StatusInfo{HStatus::Busy, "H_BUSY"},
    StatusInfo{HStatus::LongBusyOrder1Msec, "H_LONG_BUSY_ORDER_1_MSEC"},
    StatusInfo{HStatus::LongBusyOrder10Msec, "H_LONG_BUSY_ORDER_10_MSEC"},
    StatusInfo{HStatus::LongBusyOrder100Msec, "H_LONG_BUSY_ORDER_100_MSEC"},
    StatusInfo{HStatus::LongBusyOrder1Sec, "H_LONG_BUSY_ORDER_1_SEC"},
    StatusInfo{HStatus::LongBusyOrder10Sec, "H_LONG_BUSY_ORDER_10_SEC"},
    StatusInfo{HStatus::LongBusyOrder100Sec, "H_LONG_BUSY_ORDER_100_SEC"},
    StatusInfo{HStatus::Hardware, "H_HARDWARE"},
    StatusInfo{HStatus::Function, "H_FUNCTION"},
    StatusInfo{HStatus::Privilege, "H_PRIVILEGE"},
    StatusInfo{HStatus::Parameter, "H_PARAMETER"},
    StatusInfo{HStatus::NoMem, "H_NO_MEM"},
    StatusInfo{HStatus::NotEnoughResources, "H_NOT_ENOUGH_RESOURCES"},
    StatusInfo{HStatus::P2, "H_P2"},
    StatusInfo{HStatus::P3, "H_P3"},
    StatusInfo{HStatus::P4, "H_P4"},
    StatusInfo{HStatus::P5, "H_P5"},
    StatusInfo{HStatus::P6, "H_P6"},
    StatusInfo{HStatus::Noop, "H_NOOP"},
    StatusInfo{HStatus::Unsupported, "H_UNSUPPORTED"},
    StatusInfo{HStatus::State, "H_STATE"},
    StatusInfo{HStatus::InUse, "H_IN_USE"},
    StatusInfo{HStatus::InvalidElementId, "H_INVALID_ELEMENT_ID"},
    StatusInfo{HStatus::InvalidElementSize, "H_INVALID_ELEMENT_SIZE"},
    StatusInfo{HStatus::InvalidElementValue, "H_INVALID_ELEMENT_VALUE"},
    StatusInfo{HStatus::InputBufferNotDefined, "H_INPUT_BUFFER_NOT_DEFINED"},
    StatusInfo{HStatus::InputBufferTooSmall, "H_INPUT_BUFFER_TOO_SMALL"},
    StatusInfo{HStatus::OutputBufferNotDefined, "H_OUTPUT_BUFFER_NOT_DEFINED"},
    StatusInfo{HStatus::OutputBufferTooSmall, "H_OUTPUT_BUFFER_TOO_SMALL"},
    StatusInfo{HStatus::PartitionPageTableNotDefined, "H_PARTITION_PAGE_TABLE_NOT_DEFINED"},
    StatusInfo{HStatus::GuestVcpuStateNotHvOwned, "H_GUEST_VCPU_STATE_NOT_HV_OWNED"},
    StatusInfo{HStatus::UnsupportedFlag, "H_UNSUPPORTED_FLAG"},
};

constexpr std::string_view name(HStatus s) {
  for (const auto& e : kStatusTable)
    if (e.status == s) return e.name;
  return "H_UNKNOWN_STATUS";
}

// The status an ABI value stands for, when it is one the spec names.
constexpr std::optional<HStatus> from_abi(uint64_t r3) {
  for (const auto& e : kStatusTable)
    if (to_abi(e.status) == r3) return e.status;
  return std::nullopt;
}

constexpr bool is_busy(HStatus s) {
  return s == HStatus::Busy ||
         (static_cast<int64_t>(s) >= 9900 && static_cast<int64_t>(s) <= 9905);
}

}  // namespace nv2::papr
