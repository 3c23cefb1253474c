// Cycle counts of the PE array, free of SystemC so they are unit-tested by hand formulas.
//
// The array is rows x cols MACs, weight-stationary. A matrix product Y = W X, with W of
// out_rows x in_cols weights (N x K) and X of in_cols x M (M vectors: 1 for a batch-1 decode
// GEMV, the batch, or prefill's prompt tokens), is cut into tiles of rows x cols weights: the
// reduction K runs down the rows, the outputs N across the columns, so there are
// ceil(K / rows) x ceil(N / cols) tiles (SCALE-Sim's mapping). A partial tile wastes its idle
// MACs and loads whole: its unused rows hold zeros, since the partial sums pass through them.
// While a tile's weights stay put its M vectors pass, one a cycle.
//
// What else a tile costs is the tile model (pe.tile_model), three readings of a design the
// paper does not describe (it gives the RSA, weight-stationary, fed by a 128 GB/s weight SRAM):
// - double_buffered (the default): each PE holds a second weight, so tile t+1's weights load
//   while tile t's vectors pass; a tile takes max(M, load) cycles, where the load is
//   ceil(rows x cols x weight bytes / pe.weight_load_bytes_per_cycle). Only the first tile's
//   load and the pipeline's fill and drain (rows + cols - 2 cycles) show, once per matrix:
//       load + sum over tiles but the last of max(M_t, load) + M_last + rows + cols - 2.
// - scalesim_ws: SCALE-Sim v2's weight-stationary count. A tile's weights load one array row
//   a cycle (rows cycles), nothing overlaps, and each tile fills and drains the array:
//       sum over tiles of (2 rows + cols + M_t - 2), less 1
//   (SCALE-Sim reports its last cycle's index, counted from 0).
// - ideal: M cycles a tile; loading, fill and drain free (the model before issue 29).
// Attention's score and value-mix MACs use the array at full rate in every reading (keys and
// values stream through its buffers); softmax runs on the SFU at sfu_lanes elements per cycle,
// after the scores and before the value mix, so its cycles add. The eviction unit is a separate
// comparator tree (below).
#pragma once

#include <algorithm>
#include <cstdint>

namespace kelle {

enum class TileModel { double_buffered, scalesim_ws, ideal };

struct PeGeometry {
    std::uint64_t rows = 0;
    std::uint64_t cols = 0;
    std::uint64_t sfu_lanes = 0;
    std::uint64_t eviction_lanes = 0;
    TileModel tile_model = TileModel::ideal;       // the config's default is PeConfig::bind's
    std::uint64_t weight_load_bytes_per_cycle = 0;  // double_buffered: weight bytes into the array a cycle
};

// A matrix product on the array: W (out_rows x in_cols, weight_bytes each) times `vectors`
// vectors, and the last reuse_rows rows of W times reuse_vectors more (AERP recomputes K and V
// of x-stored tokens against W_K, W_V while those tiles are loaded; their tiles are counted as
// tiles of their own, exact when the rows before them fill whole tiles).
struct MatrixProduct {
    std::uint64_t out_rows = 0;
    std::uint64_t in_cols = 0;
    std::uint64_t vectors = 1;
    std::uint64_t weight_bytes = 1;
    std::uint64_t reuse_rows = 0;
    std::uint64_t reuse_vectors = 0;
};

inline std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

inline std::uint64_t tile_count(const PeGeometry& pe, std::uint64_t out_rows, std::uint64_t in_cols) {
    if (out_rows == 0 || in_cols == 0) return 0;
    return ceil_div(in_cols, pe.rows) * ceil_div(out_rows, pe.cols);
}

// Cycles to load one tile's weights into the array under the tile model (0 for ideal).
inline std::uint64_t tile_load_cycles(const PeGeometry& pe, std::uint64_t weight_bytes) {
    switch (pe.tile_model) {
        case TileModel::double_buffered:
            return ceil_div(pe.rows * pe.cols * weight_bytes, pe.weight_load_bytes_per_cycle);
        case TileModel::scalesim_ws: return pe.rows;
        case TileModel::ideal: break;
    }
    return 0;
}

inline std::uint64_t matrix_cycles(const PeGeometry& pe, const MatrixProduct& p) {
    const std::uint64_t tiles = tile_count(pe, p.out_rows, p.in_cols);
    if (tiles == 0 || p.vectors + p.reuse_vectors == 0) return 0;
    const std::uint64_t reuse_tiles = p.reuse_vectors > 0 ? tile_count(pe, p.reuse_rows, p.in_cols) : 0;
    const std::uint64_t plain_tiles = tiles - reuse_tiles;
    const std::uint64_t reuse_m = p.vectors + p.reuse_vectors;  // vectors through each reuse tile
    const std::uint64_t fill_drain = pe.rows + pe.cols - 2;
    const std::uint64_t load = tile_load_cycles(pe, p.weight_bytes);
    switch (pe.tile_model) {
        case TileModel::double_buffered: {
            // The reuse tiles come last (the last rows); the last tile has no next load to hide.
            const std::uint64_t last_m = reuse_tiles > 0 ? reuse_m : p.vectors;
            const std::uint64_t streamed =
                plain_tiles * std::max(p.vectors, load) + reuse_tiles * std::max(reuse_m, load);
            return load + streamed - std::max(last_m, load) + last_m + fill_drain;
        }
        case TileModel::scalesim_ws:
            return tiles * (load + fill_drain + p.vectors) + reuse_tiles * p.reuse_vectors - 1;
        case TileModel::ideal: break;
    }
    return tiles * p.vectors + reuse_tiles * p.reuse_vectors;
}

// The most reuse vectors the product takes within `budget_ns` (AERP's idle-compute sizing):
// the largest R with matrix_cycles(reuse_vectors = R) x ns_per_cycle <= budget_ns, 0 if none fit.
inline std::uint64_t reuse_vectors_within(const PeGeometry& pe, MatrixProduct p, double ns_per_cycle,
                                          double budget_ns) {
    const auto fits = [&](std::uint64_t r) {
        p.reuse_vectors = r;
        return static_cast<double>(matrix_cycles(pe, p)) * ns_per_cycle <= budget_ns;
    };
    if (tile_count(pe, p.reuse_rows, p.in_cols) == 0 || !fits(0)) return 0;  // nothing to reuse, or no time
    std::uint64_t low = 0, high = 1;  // fits(low), and high does not once the doubling ends
    while (fits(high)) low = high, high *= 2;
    while (high - low > 1) {
        const std::uint64_t mid = low + (high - low) / 2;
        (fits(mid) ? low : high) = mid;
    }
    return low;
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
