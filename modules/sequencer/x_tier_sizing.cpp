#include "sequencer/x_tier_sizing.h"

namespace kelle {

std::uint64_t idle_compute_x_tokens(const IdleComputeFacts& facts, const ModelShape& m, std::uint64_t batch) {
    const PeGeometry& pe = facts.pe;
    const auto d = static_cast<std::uint64_t>(m.hidden);
    const auto qkv_rows = d + 2 * static_cast<std::uint64_t>(m.kv_dim());
    const double ns_per_cycle = 1e3 / facts.clock_mhz;
    const double stream_ns = static_cast<double>(qkv_rows * d * static_cast<std::uint64_t>(m.dtype_bytes)) /
                                 facts.dram_bytes_per_ns + facts.dram_latency_ns;
    const double projection_ns = static_cast<double>(gemm_cycles(pe, qkv_rows, d, batch)) * ns_per_cycle;
    const double per_x_ns =
        static_cast<double>(gemm_cycles(pe, 2 * static_cast<std::uint64_t>(m.kv_dim()), d, batch)) * ns_per_cycle;
    return stream_ns > projection_ns ? static_cast<std::uint64_t>((stream_ns - projection_ns) / per_x_ns) : 0;
}

}  // namespace kelle
