// One L2 partition as the L1 sees it (issue 5 item 2): H_GUEST_CREATE, its guest-wide
// elements through the cache, its vCPUs, its memory (lazily mapped RAM + MMIO regions)
// and the partition-scoped radix table in L1 memory. Destruction deletes it in the L0.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "gsb/bitmap.hpp"
#include "gsb/elements.hpp"
#include "gsb/wire.hpp"
#include "l1/error.hpp"
#include "l1/hypervisor.hpp"
#include "l1/mmio.hpp"
#include "l1/partition_table.hpp"

namespace nv2::l1 {

class Vcpu;

struct GuestConfig {
  uint64_t ram_size = 0;                        // L2 real memory is [0, ram_size)
  RadixPageSize page = RadixPageSize::k64K;     // partition-scoped leaf size
  uint32_t logical_pvr = 0;                     // 0 = the negotiated mode's PVR
  uint64_t tb_offset = 0;
};

class Guest {
 public:
  // H_GUEST_CREATE (retrying H_BUSY / long busy with the continue token), the partition
  // table allocated and set, logical PVR and TB offset set (one guest-wide SET_STATE).
  static Result<std::unique_ptr<Guest>> create(Hypervisor& hv, GuestConfig cfg);
  // Deletes the vCPUs and the guest (H_GUEST_DELETE, retrying busy).
  ~Guest();
  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  uint64_t id() const { return id_; }
  Hypervisor& hypervisor() { return *hv_; }
  const GuestConfig& config() const { return cfg_; }

  // ---- Guest-wide elements (0x0001–0x0006) through the cache --------------------------
  // Setters mark dirty; flush() sends every dirty one in one SET_STATE (guest-wide flag),
  // which Vcpu::run() calls before each entry. Getters GET_STATE only when invalid.
  Result<gsb::Value> get(gsb::ElementId id);
  Result<void> set(gsb::ElementId id, const gsb::Value& v);
  Result<void> fetch(std::span<const gsb::ElementId> ids);
  Result<void> flush();
  // Whether flush() has anything to send (an acquire load; run() calls flush() only then).
  bool needs_flush() const { return wide_dirty_.load(std::memory_order_acquire); }

  Result<uint32_t> logical_pvr();
  Result<void> set_logical_pvr(uint32_t pvr);  // 0 → InvalidValue, never sent (§6)
  Result<uint64_t> tb_offset();
  Result<void> set_tb_offset(uint64_t off);
  Result<gsb::ProcessTableInfo> process_table();
  Result<void> set_process_table(uint64_t address, uint64_t size);

  // ---- vCPUs ------------------------------------------------------------------------------
  Result<Vcpu*> create_vcpu(uint32_t vcpu_id);
  Vcpu* vcpu(uint32_t vcpu_id);
  std::size_t vcpu_count() const;

  // ---- L2 memory ---------------------------------------------------------------------------
  PartitionScopedTable& partition_table() { return table_; }
  uint64_t ram_size() const { return cfg_.ram_size; }
  bool is_ram(uint64_t l2_real) const { return l2_real < cfg_.ram_size; }
  Result<void> add_mmio(uint64_t base, uint64_t size, MmioDevice& dev);
  const MmioRegion* find_mmio(uint64_t l2_real) const;
  // Back the L2 page holding `l2_real` with a fresh zeroed L1 page if it is not mapped
  // yet; returns the L1 real address of `l2_real`. BadAddress outside RAM.
  Result<uint64_t> map_page(uint64_t l2_real);
  // Copy into / out of L2 real memory (mapping pages on write; unmapped pages read as 0).
  Result<void> write(uint64_t l2_real, std::span<const uint8_t> data);
  Result<void> read(uint64_t l2_real, std::span<uint8_t> out);
  // Tell the L0 to drop cached partition-scoped translations: re-SET 0x0005 now (§8).
  Result<void> invalidate_translations();
  uint64_t pages_mapped() const;

 private:
  friend class Vcpu;
  Guest(Hypervisor& hv, GuestConfig cfg, uint64_t id, PartitionScopedTable table,
        uint64_t scratch);
  // SET/GET_STATE with a GSB built in L1 memory (scratch_ for guest-wide, or a vCPU's).
  Result<void> set_state_locked(const gsb::IdBitmap& ids);
  Result<void> fetch_locked(const gsb::IdBitmap& ids);
  Result<gsb::Value> get_host_wide(gsb::ElementId id);

  Hypervisor* hv_;
  GuestConfig cfg_;
  uint64_t id_;
  PartitionScopedTable table_;
  uint64_t scratch_;  // L1 real address of the guest-wide GSB scratch page

  mutable std::mutex mu_;  // guest-wide cache, vCPU list, MMIO list
  std::array<gsb::Value, gsb::kElementCount> values_{};
  gsb::IdBitmap valid_, dirty_;
  std::vector<std::unique_ptr<Vcpu>> vcpus_;
  std::vector<MmioRegion> mmio_;
  std::atomic<bool> wide_dirty_{false};  // dirty_ non-empty: lets run() skip the lock
  mutable std::mutex map_mu_;  // serializes lazy mapping of the same page by two vCPUs
  std::vector<uint64_t> backing_;  // L1 pages backing L2 RAM, freed on destruction
};

}  // namespace nv2::l1
