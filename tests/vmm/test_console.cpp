// The hvc console: register packing, output unchanged, non-blocking input, bad arguments.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <string>

#include "vmm/console.hpp"
#include "vmm/fdt_builder.hpp"

namespace nv2::vmm {
namespace {

using papr::HStatus;

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { EXPECT_EQ(::pipe(fd), 0); }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  std::string drain() {
    ::fcntl(fd[0], F_SETFL, O_NONBLOCK);
    std::string s;
    std::array<char, 256> b{};
    ssize_t n;
    while ((n = ::read(fd[0], b.data(), b.size())) > 0) s.append(b.data(), static_cast<std::size_t>(n));
    return s;
  }
};

TEST(Console, PacksFirstByteMostSignificant) {
  uint64_t hi = 0, lo = 0;
  const std::string s = "ABCDEFGHIJ";
  pack_term_bytes(s, hi, lo);
  EXPECT_EQ(hi, 0x4142434445464748u);
  EXPECT_EQ(lo, 0x494a000000000000u);
  std::array<char, 16> out{};
  unpack_term_bytes(hi, lo, 10, out);
  EXPECT_EQ(std::string(out.data(), 10), s);
}

TEST(Console, PutWritesTheBytesUnchanged) {
  Pipe p;
  Console c(p.fd[1], -1);
  c.set_capture(true);
  uint64_t hi = 0, lo = 0;
  const std::string s = "hi\n\x01\xff";
  pack_term_bytes(s, hi, lo);
  EXPECT_EQ(c.put(kVtyTerminal, s.size(), hi, lo), HStatus::Success);
  EXPECT_EQ(p.drain(), s);
  EXPECT_EQ(c.captured(), s);
}

TEST(Console, PutRejectsBadTerminalAndLength) {
  Pipe p;
  Console c(p.fd[1], -1);
  EXPECT_EQ(c.put(kVtyTerminal + 1, 1, 0x41ull << 56, 0), HStatus::Parameter);
  EXPECT_EQ(c.put(kVtyTerminal, 17, 0, 0), HStatus::Parameter);
  EXPECT_EQ(p.drain(), "");
}

TEST(Console, GetNeverBlocks) {
  Pipe p;
  Console c(-1, p.fd[0]);
  uint64_t len = 99, hi = 0, lo = 0;
  EXPECT_EQ(c.get(kVtyTerminal, len, hi, lo), HStatus::Success);
  EXPECT_EQ(len, 0u) << "no input yet";
  const std::string in = "0123456789abcdefXYZ";
  ASSERT_EQ(::write(p.fd[1], in.data(), in.size()), static_cast<ssize_t>(in.size()));
  ASSERT_EQ(c.get(kVtyTerminal, len, hi, lo), HStatus::Success);
  EXPECT_EQ(len, 16u);
  EXPECT_EQ(hi, 0x3031323334353637u);
  EXPECT_EQ(lo, 0x3839616263646566u);
  ASSERT_EQ(c.get(kVtyTerminal, len, hi, lo), HStatus::Success);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(hi, 0x58595a0000000000u);
  ::close(p.fd[1]);
  p.fd[1] = -1;
  ASSERT_EQ(c.get(kVtyTerminal, len, hi, lo), HStatus::Success);
  EXPECT_EQ(len, 0u) << "end of input";
}

TEST(Console, GetRejectsBadTerminal) {
  Console c(-1, -1);
  uint64_t len = 0, hi = 0, lo = 0;
  EXPECT_EQ(c.get(1, len, hi, lo), HStatus::Parameter);
}

}  // namespace
}  // namespace nv2::vmm
