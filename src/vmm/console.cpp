#include "vmm/console.hpp"

#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "vmm/fdt_builder.hpp"

namespace nv2::vmm {

using papr::HStatus;

void unpack_term_bytes(uint64_t hi, uint64_t lo, uint64_t len, std::span<char> out) {
  for (uint64_t i = 0; i < len && i < kTermMaxBytes && i < out.size(); ++i) {
    const uint64_t word = i < 8 ? hi : lo;
    out[i] = static_cast<char>((word >> (56 - 8 * (i % 8))) & 0xFF);
  }
}

void pack_term_bytes(std::span<const char> in, uint64_t& hi, uint64_t& lo) {
  hi = lo = 0;
  for (std::size_t i = 0; i < in.size() && i < kTermMaxBytes; ++i) {
    const uint64_t b = static_cast<uint8_t>(in[i]);
    (i < 8 ? hi : lo) |= b << (56 - 8 * (i % 8));
  }
}

HStatus Console::put(uint64_t term, uint64_t len, uint64_t hi, uint64_t lo) {
  if (term != kVtyTerminal) return HStatus::Parameter;
  if (len > kTermMaxBytes) return HStatus::Parameter;
  std::array<char, kTermMaxBytes> bytes{};
  unpack_term_bytes(hi, lo, len, bytes);
  std::lock_guard lock(mu_);
  if (capture_) captured_.append(bytes.data(), len);
  std::size_t done = 0;
  while (out_fd_ >= 0 && done < len) {
    const ssize_t n = ::write(out_fd_, bytes.data() + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // output closed: the characters are dropped, as a real console would
    done += static_cast<std::size_t>(n);
  }
  return HStatus::Success;
}

HStatus Console::get(uint64_t term, uint64_t& len, uint64_t& hi, uint64_t& lo) {
  len = hi = lo = 0;
  if (term != kVtyTerminal) return HStatus::Parameter;
  std::lock_guard lock(mu_);
  if (in_fd_ < 0 || in_eof_) return HStatus::Success;
  pollfd p{in_fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) return HStatus::Success;
  std::array<char, kTermMaxBytes> bytes{};
  const ssize_t n = ::read(in_fd_, bytes.data(), bytes.size());
  if (n <= 0) {
    if (n == 0) in_eof_ = true;
    return HStatus::Success;
  }
  len = static_cast<uint64_t>(n);
  pack_term_bytes(std::span<const char>(bytes.data(), static_cast<std::size_t>(n)), hi, lo);
  return HStatus::Success;
}

std::string Console::captured() const {
  std::lock_guard lock(mu_);
  return captured_;
}

}  // namespace nv2::vmm
