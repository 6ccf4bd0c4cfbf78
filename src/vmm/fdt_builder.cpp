#include "vmm/fdt_builder.hpp"

#include <libfdt.h>

#include <array>
#include <cstdio>
#include <cstring>

#include "vmm/rtas.hpp"

namespace nv2::vmm {
namespace {

// Per-CPU properties whose values are facts of a POWER9 in ISA 3.00 mode, as QEMU presents
// them (reference tree /cpus/PowerPC,POWER9@N).
constexpr std::array<uint32_t, 17> kPaFeatures = {
    0x4200f63f, 0xc7c080f0, 0x80000000, 0x00000000, 0x00008000, 0x80008000,
    0x00008000, 0x80008000, 0x80008000, 0xc0008000, 0x80008000, 0x80008000,
    0x80008000, 0x80008000, 0x80008000, 0x80008000, 0x80000000};
// Radix page sizes: AP encoding << 29 | log2(size): 4K, 64K, 2M, 1G.
constexpr std::array<uint32_t, 4> kRadixApEncodings = {0x0000000c, 0xa0000010, 0x20000015,
                                                       0x4000001e};
constexpr uint32_t kDecBits = 56;
constexpr uint32_t kCacheSize = 0x8000;
constexpr uint32_t kCacheLine = 128;

// The hcall sets served (l2-machine.md "Hcalls the L1 serves"), as PAPR names them.
constexpr char kHypertas[] =
    "hcall-term\0hcall-dabr\0hcall-interrupt\0hcall-splpar\0hcall-set-mode\0hcall-sprg0";

// libfdt sequential-write calls return 0 or a negative FDT_ERR_*; collect the first error.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& buf) : buf_(buf) {}
  void* fdt() { return buf_.data(); }
  void check(int rc) {
    if (rc < 0 && err_ == 0) err_ = rc;
  }
  int error() const { return err_; }

  void begin(const char* name) { check(fdt_begin_node(fdt(), name)); }
  void end() { check(fdt_end_node(fdt())); }
  void u32(const char* name, uint32_t v) { check(fdt_property_u32(fdt(), name, v)); }
  void u64(const char* name, uint64_t v) { check(fdt_property_u64(fdt(), name, v)); }
  void str(const char* name, const char* v) {
    check(fdt_property(fdt(), name, v, static_cast<int>(std::strlen(v) + 1)));
  }
  void empty(const char* name) { check(fdt_property(fdt(), name, nullptr, 0)); }
  void bytes(const char* name, const void* v, std::size_t len) {
    check(fdt_property(fdt(), name, v, static_cast<int>(len)));
  }
  template <std::size_t N>
  void cells(const char* name, const std::array<uint32_t, N>& v) {
    std::array<fdt32_t, N> be{};
    for (std::size_t i = 0; i < N; ++i) be[i] = cpu_to_fdt32(v[i]);
    bytes(name, be.data(), sizeof(be));
  }
  // <hi lo hi lo> for #address-cells = #size-cells = 2.
  void reg64(const char* name, uint64_t addr, uint64_t size) {
    cells(name, std::array<uint32_t, 4>{static_cast<uint32_t>(addr >> 32),
                                        static_cast<uint32_t>(addr),
                                        static_cast<uint32_t>(size >> 32),
                                        static_cast<uint32_t>(size)});
  }

 private:
  std::vector<uint8_t>& buf_;
  int err_ = 0;
};

std::string hex_name(const char* base, uint64_t v) {
  std::array<char, 64> s{};
  std::snprintf(s.data(), s.size(), "%s@%llx", base, static_cast<unsigned long long>(v));
  return s.data();
}

}  // namespace

std::vector<uint8_t> architecture_vec5() {
  // Option vector 5 (LoPAPR table 244) as the platform reports it after negotiation: byte 0
  // is the vector length minus one, then byte n of the vector at index n. Byte 23 = 0x00
  // (interrupt controller: XICS, not XIVE); byte 24 = 0x40 (MMU: radix); byte 26 = 0x40
  // (radix GTSE: the OS may use tlbie).
  std::vector<uint8_t> v(27, 0);
  v[0] = static_cast<uint8_t>(v.size() - 2);
  v[23] = 0x00;
  v[24] = 0x40;
  v[26] = 0x40;
  return v;
}

Expected<std::vector<uint8_t>, std::string> build_fdt(const FdtConfig& c) {
  std::vector<uint8_t> buf(64 * 1024 + 1024 * c.cpus);
  Writer w(buf);
  w.check(fdt_create(w.fdt(), static_cast<int>(buf.size())));
  for (const AddressRange& r : c.reserved) w.check(fdt_add_reservemap_entry(w.fdt(), r.address, r.size));
  w.check(fdt_finish_reservemap(w.fdt()));

  w.begin("");
  w.str("compatible", "qemu,pseries");
  w.str("model", "IBM pSeries (emulated by nv2)");
  w.str("device_type", "chrp");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);

  w.begin("chosen");
  w.str("bootargs", c.bootargs.c_str());
  w.str("stdout-path", kStdoutPath);
  w.str("linux,stdout-path", kStdoutPath);
  if (c.initrd) {
    w.u64("linux,initrd-start", c.initrd->address);
    w.u64("linux,initrd-end", c.initrd->end());
  }
  const std::vector<uint8_t> vec5 = architecture_vec5();
  w.bytes("ibm,architecture-vec-5", vec5.data(), vec5.size());
  w.end();

  w.begin("memory@0");
  w.str("device_type", "memory");
  w.reg64("reg", 0, c.memory_size);
  w.end();

  w.begin("cpus");
  w.u32("#address-cells", 1);
  w.u32("#size-cells", 0);
  for (unsigned n = 0; n < c.cpus; ++n) {
    w.begin(hex_name("PowerPC,POWER9", n).c_str());
    w.str("device_type", "cpu");
    w.u32("reg", n);
    w.u32("ibm,ppc-interrupt-server#s", n);
    w.u32("cpu-version", c.cpu_version);
    w.u32("timebase-frequency", kTimebaseFrequency);
    w.u32("clock-frequency", kClockFrequency);
    w.u32("d-cache-size", kCacheSize);
    w.u32("i-cache-size", kCacheSize);
    w.u32("d-cache-line-size", kCacheLine);
    w.u32("i-cache-line-size", kCacheLine);
    w.u32("d-cache-block-size", kCacheLine);
    w.u32("i-cache-block-size", kCacheLine);
    w.cells("ibm,pa-features", kPaFeatures);
    w.cells("ibm,processor-radix-AP-encodings", kRadixApEncodings);
    w.u32("ibm,dec-bits", kDecBits);
    w.empty("64-bit");
    w.str("status", "okay");
    w.end();
  }
  w.end();

  w.begin("rtas");
  for (const RtasServiceInfo& s : kRtasServices)
    w.u32(std::string(s.name).c_str(), static_cast<uint32_t>(s.service));
  w.u32("rtas-size", static_cast<uint32_t>(c.rtas.size));
  w.u32("linux,rtas-base", static_cast<uint32_t>(c.rtas.address));
  w.u32("linux,rtas-entry", static_cast<uint32_t>(c.rtas.address));
  w.empty("ibm,extended-os-term");
  w.bytes("ibm,hypertas-functions", kHypertas, sizeof(kHypertas));
  w.end();

  w.begin("vdevice");
  w.str("compatible", "IBM,vdevice");
  w.str("device_type", "vdevice");
  w.u32("#address-cells", 1);
  w.u32("#size-cells", 0);
  w.empty("interrupt-controller");
  w.u32("#interrupt-cells", 2);
  w.begin(hex_name("vty", kVtyTerminal).c_str());
  w.str("compatible", "hvterm1");
  w.str("device_type", "serial");
  w.u32("reg", kVtyTerminal);
  w.end();
  w.end();

  w.begin("interrupt-controller");
  w.str("compatible", "IBM,ppc-xicp");
  w.str("device_type", "PowerPC-External-Interrupt-Presentation");
  w.cells("ibm,interrupt-server-ranges", std::array<uint32_t, 2>{0, c.cpus});
  w.empty("interrupt-controller");
  w.u32("#interrupt-cells", 2);
  w.u32("phandle", kXicsPhandle);
  w.u32("linux,phandle", kXicsPhandle);
  w.end();

  if (c.testdev.size != 0) {
    w.begin(hex_name("testdev", c.testdev.address).c_str());
    w.str("compatible", "nv2,testdev");
    w.reg64("reg", c.testdev.address, c.testdev.size);
    w.end();
  }

  w.end();
  w.check(fdt_finish(w.fdt()));
  if (w.error() != 0) return Unexpected{std::string("libfdt: ") + fdt_strerror(w.error())};
  buf.resize(fdt_totalsize(w.fdt()));
  return buf;
}

}  // namespace nv2::vmm
