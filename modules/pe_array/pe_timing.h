// Cycle counts of the PE array, free of SystemC so they are unit-tested by hand formulas.
//
// The array is pe_rows x pe_cols MACs, weight-stationary. A GEMV y = W x with W of
// out_rows x in_cols is cut into ceil(out_rows / pe_rows) x ceil(in_cols / pe_cols) tiles and
// the array finishes one tile per cycle at full rate; partial tiles waste the idle MACs, which
// is the utilisation loss of small or odd shapes. A GEMM (n vectors against the same weights:
// prefill's prompt tokens, a batch's sequences) keeps each weight tile stationary while its n
// vectors pass, one per cycle: n cycles per tile, so the weights cross the array once. The
// pipeline fill (rows + cols cycles) is paid once per matrix and overlaps the next tile's
// load, so it is not counted. Weight loading into the array is hidden by double buffering
// behind the DRAM stream that delivers the tiles. Attention's score and
// value-mix MACs use the array at full rate (keys and values are read from the KV store into
// the array's buffers); softmax runs on the SFU at sfu_lanes elements per cycle, after the
// scores and before the value mix, so its cycles add. The eviction unit is a separate
// comparator tree (below).
#pragma once

#include <cstdint>

namespace kelle {

struct PeGeometry {
    std::uint64_t rows = 0;
    std::uint64_t cols = 0;
    std::uint64_t sfu_lanes = 0;
    std::uint64_t eviction_lanes = 0;
};

inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

inline std::uint64_t gemv_cycles(const PeGeometry& pe, std::uint64_t out_rows, std::uint64_t in_cols) {
    if (out_rows == 0 || in_cols == 0) return 0;
    return ceil_div(out_rows, pe.rows) * ceil_div(in_cols, pe.cols);
}

inline std::uint64_t gemm_cycles(const PeGeometry& pe, std::uint64_t out_rows, std::uint64_t in_cols,
                                 std::uint64_t vectors) {
    return gemv_cycles(pe, out_rows, in_cols) * vectors;
}

inline std::uint64_t attention_cycles(const PeGeometry& pe, std::uint64_t macs, std::uint64_t sfu_elements) {
    return ceil_div(macs, pe.rows * pe.cols) + ceil_div(sfu_elements, pe.sfu_lanes);
}

// The eviction unit finds each evicting head's least important token by a min search over its
// importance values, `eviction_lanes` comparisons a cycle.
inline std::uint64_t eviction_search_cycles(const PeGeometry& pe, std::uint64_t compare_elements) {
    return ceil_div(compare_elements, pe.eviction_lanes);
}

}  // namespace kelle
