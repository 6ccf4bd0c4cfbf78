// The hvc console (l2-machine.md "/vdevice/vty"): H_PUT_TERM_CHAR writes to an output file
// descriptor unchanged, H_GET_TERM_CHAR reads what input is ready without blocking.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "papr/status.hpp"

namespace nv2::vmm {

inline constexpr uint64_t kTermMaxBytes = 16;  // PAPR: up to 16 bytes in two registers

class Console {
 public:
  // fds the console uses; -1 input = none (reads return no characters).
  Console(int out_fd, int in_fd) : out_fd_(out_fd), in_fd_(in_fd) {}

  // H_PUT_TERM_CHAR(term, len, hi, lo): bytes packed first-byte-most-significant.
  papr::HStatus put(uint64_t term, uint64_t len, uint64_t hi, uint64_t lo);
  // H_GET_TERM_CHAR(term) -> len, hi, lo.
  papr::HStatus get(uint64_t term, uint64_t& len, uint64_t& hi, uint64_t& lo);

  // Everything written, kept when capture is on (tests, the "console" of --stats).
  void set_capture(bool on) { capture_ = on; }
  std::string captured() const;

 private:
  int out_fd_;
  int in_fd_;
  bool capture_ = false;
  bool in_eof_ = false;
  mutable std::mutex mu_;
  std::string captured_;
};

// Packs/unpacks the register form (exposed for tests and the guest-side mirror).
void unpack_term_bytes(uint64_t hi, uint64_t lo, uint64_t len, std::span<char> out);
void pack_term_bytes(std::span<const char> in, uint64_t& hi, uint64_t& lo);

}  // namespace nv2::vmm
