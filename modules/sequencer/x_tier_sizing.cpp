#include "sequencer/x_tier_sizing.h"

#include <algorithm>

namespace kelle {

namespace {
// W_QKV's stream: DRAM alone, or DRAM, weight SRAM write and weight SRAM read side by side.
double qkv_stream_ns(const IdleComputeFacts& facts, double bytes) {
    const double dram_ns = bytes / facts.dram_bytes_per_ns + facts.dram_latency_ns;
    if (facts.weight_sram_bytes_per_ns <= 0) return dram_ns;
    return std::max(dram_ns, bytes / facts.weight_sram_bytes_per_ns + facts.weight_sram_latency_ns);
}
}  // namespace

std::uint64_t idle_compute_x_tokens(const IdleComputeFacts& facts, const ModelShape& m, std::uint64_t weight_bytes,
                                    std::uint64_t batch) {
    const PeGeometry& pe = facts.pe;
    const auto d = static_cast<std::uint64_t>(m.hidden);
    const auto qkv_rows = d + 2 * static_cast<std::uint64_t>(m.kv_dim());
    const double ns_per_cycle = 1e3 / facts.clock_mhz;
    const double stream_ns = qkv_stream_ns(facts, static_cast<double>(qkv_rows * d * weight_bytes));
    const double projection_ns = static_cast<double>(gemm_cycles(pe, qkv_rows, d, batch)) * ns_per_cycle;
    const double per_x_ns =
        static_cast<double>(gemm_cycles(pe, 2 * static_cast<std::uint64_t>(m.kv_dim()), d, batch)) * ns_per_cycle;
    return stream_ns > projection_ns ? static_cast<std::uint64_t>((stream_ns - projection_ns) / per_x_ns) : 0;
}

}  // namespace kelle
