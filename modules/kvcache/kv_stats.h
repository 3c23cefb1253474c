// KvStats: the KV cache's counters, filled by its units (admission, the 2DRP classes, popularity,
// the functional value checks) and reported by KvCache::report_stats.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace kelle {

struct KvStats {
    std::uint64_t evictions = 0;
    std::uint64_t recomputes = 0;  // AERP: tokens whose K and V were recomputed from x, per layer and step
    std::uint64_t class_moves = 0; // 2DRP: token copies moved between importance-class areas
    std::uint64_t resident_tokens_max = 0;  // most tokens one (layer, KV head) held
    std::uint64_t onchip_kv_bytes_max = 0;  // largest on-chip KV footprint
    // AERP, popularity: prompt tokens found popular (summed over layers), and those of them left
    // as K/V because their x is not smaller than the K/V it would replace (grouped-query models).
    std::uint64_t popular_tokens = 0;
    std::uint64_t x_saves_nothing_tokens = 0;
    double attention_mass_sum = 0;
    std::uint64_t attention_mass_samples = 0;
    double attention_mass_min = std::numeric_limits<double>::infinity();
    // Functional mode: K/V values read back and compared with what was written.
    std::uint64_t values_checked = 0;
    std::uint64_t corrupted_values = 0;
    double value_error_sq = 0;
    double value_reference_sq = 0;
    // Per (step, layer, query head): relative L2 error of the attention output of the retained
    // values as read, against the full, error-free cache (one double a sample).
    std::vector<double> output_rel_errors;
    // RMS error of the values read relative to their RMS: 0 = every value intact.
    double value_rel_error() const { return value_reference_sq > 0 ? std::sqrt(value_error_sq / value_reference_sq) : 0.0; }
};

}  // namespace kelle
