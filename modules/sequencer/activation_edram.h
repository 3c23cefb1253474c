// The activation eDRAM [paper sec. 2: 256 KB] and the lifetime of what it holds, analytic.
//
// The paper's scheduler argument [paper sec. 5, Eq. 7/8]: a decode layer's activations and new
// k, v live from production to last use, and the eDRAM refreshes them over that lifetime. Its
// orders give the lifetime per layer in two unit times:
//   serial (load W_Q, MM_Q, load W_K, MM_K, load W_V, MM_V, read K, QK^T, softmax, read V, AV,
//           MM_O):                          6 T_SRAM + 4 T_eDRAM
//   overlap (the Kelle scheduler: weight and KV reads side by side): 4 T_SRAM + T_eDRAM
// Our reading [inferred], from the layer's simulated times: T_SRAM is one weight-matrix load,
// a third of the fused QKV projection's time (its W_Q, W_K and W_V; exact when the three are the
// same size, as without grouped-query attention); T_eDRAM is one KV-read phase, half of the
// resident K/V read's time (the paper reads K, then V).
//
// Live bytes: the QKV projection's input x and its output q, k, v, for every sequence of the
// batch, at most the eDRAM's capacity. Refresh energy of a layer:
//   ceil(live bytes / row bytes) x floor(lifetime / refresh interval) x pJ per row refresh,
// with the KV eDRAM's technology (edram.row_bytes, refresh_interval_us, refresh_pj_per_row);
// leakage: capacity x edram.static_mw_per_mb. Decode layers only: the prefill's activations are
// taken to live in the buffer (sequencer.h). No cells, banks or timing: it never delays a layer.
#pragma once

#include <cstdint>

namespace kelle {

// The eDRAM technology the activation eDRAM shares with the KV eDRAM (the platform fills it from
// edram.*), and its size (act.edram_kb; 0 = none).
struct ActivationEdramConfig {
    std::uint64_t capacity_bytes = 0;
    std::uint64_t row_bytes = 0;
    double refresh_interval_us = 0;
    double refresh_pj_per_row = 0;
    double static_mw_per_mb = 0;
};

class ActivationEdram {
public:
    explicit ActivationEdram(const ActivationEdramConfig& config) : config_(config) {}

    // One decode layer: its QKV projection's time, its resident K/V read's time, whether the
    // two overlapped, and the activation bytes it produced.
    void add_layer(double qkv_ns, double kv_read_ns, bool overlapped, std::uint64_t live_bytes);

    bool present() const { return config_.capacity_bytes > 0; }
    double lifetime_ns() const { return lifetime_ns_; }       // summed over decode layers
    std::uint64_t rows_refreshed() const { return rows_refreshed_; }
    double refresh_energy_pj() const { return static_cast<double>(rows_refreshed_) * config_.refresh_pj_per_row; }
    double static_mw() const;

private:
    ActivationEdramConfig config_;
    double lifetime_ns_ = 0;
    std::uint64_t rows_refreshed_ = 0;
};

}  // namespace kelle
