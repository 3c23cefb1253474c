// How the on-chip KV store is cut into areas, each a set of whole rows that is refreshed as one
// group (shared by the KV cache, which places data, and the eDRAM controller, which
// refreshes it; the platform makes the plan and hands it to both).
//
// Plain plan: one area, every row (periodic and lifetime refresh; the SRAM store).
// Two-dimensional plan (2DRP, Kelle): KV values are split by bit significance, the high byte of
// every 16-bit value in an MSB plane and the low byte in an LSB plane, and tokens by importance
// class; each (class, plane) gets an area of its own so that each refresh group maps to whole
// rows. The important class gets `important_share` of the rows. Areas are whole multiples of
// `banks` rows, so every group has the same number of rows in every bank; rows left over form
// an `unused` area that never holds data.
//
// Inside a piece (a slot's bytes of one plane, or its whole values) K and V alternate element
// by element: K_0 V_0 K_1 V_1 ..., each value low byte first when whole. The KV cache moves only
// whole pieces and never reads their bytes apart, so this order changes none of its traffic; it
// is what lets the eDRAM's byte_plane layout (edram/bank_layout.h) send every piece's K bytes
// to its K bank group and its V bytes to its V group at one address, whatever the slot size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kelle {

struct KvArea {
    std::string name;         // "all", "important_msb", ..., "unused"
    int importance_class = 0; // 0 = important (or the only class), 1 = unimportant; -1 unused
    int plane = 0;            // 0 = MSB (or whole values), 1 = LSB
    std::uint64_t first_row = 0;
    std::uint64_t rows = 0;
};

struct KvAreaPlan {
    int classes = 1;  // 1 (plain) or 2 (2DRP)
    int planes = 1;   // 1 (whole values) or 2 (MSB and LSB planes)
    std::uint64_t row_bytes = 0;
    std::vector<KvArea> areas;  // data areas first (class-major), then `unused` if any

    const KvArea& area(int importance_class, int plane) const {
        return areas[static_cast<std::size_t>(importance_class * planes + plane)];
    }
    std::uint64_t base_address(const KvArea& a) const { return a.first_row * row_bytes; }
    std::uint64_t bytes(const KvArea& a) const { return a.rows * row_bytes; }
};

KvAreaPlan plain_area_plan(std::uint64_t capacity_bytes, std::uint64_t row_bytes);
KvAreaPlan two_dimensional_area_plan(std::uint64_t capacity_bytes, std::uint64_t row_bytes, int banks,
                                     double important_share);

}  // namespace kelle
