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
    const auto d = static_cast<std::uint64_t>(m.hidden);
    const auto kv_rows = 2 * static_cast<std::uint64_t>(m.kv_dim());
    MatrixProduct qkv{d + kv_rows, d, batch, weight_bytes, kv_rows, 0};
    const double stream_ns = qkv_stream_ns(facts, static_cast<double>(qkv.out_rows * d * weight_bytes));
    return reuse_vectors_within(facts.pe, qkv, 1e3 / facts.clock_mhz, stream_ns) / batch;
}

}  // namespace kelle
