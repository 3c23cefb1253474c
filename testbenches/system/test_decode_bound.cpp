// The decode-step bound docs/energy-model.md rests on, checked on a two-layer LLaMA-2-7B shape:
// at batch 1 a step streams every weight from DRAM, so its time is at least weight bytes /
// bandwidth, and no KV policy can speed it up by more than (weights + KV) / weights.
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
// LLaMA-2-7B per layer (d = 4096, MHA, gated FFN 11008), INT8 weights (pe.weight_bytes = 1):
//   W_QKV (d + 2d) x d = 50,331,648; W_O d x d = 16,777,216; FFN in 2 x 11008 x d = 90,177,536;
//   FFN out d x 11008 = 45,088,768 -> 202,375,168 parameters x 1 B.
constexpr double kWeightBytesPerStep = 2 * 202375168.0;  // two layers
// K/V of one token in one layer: 32 heads x 2 x 128 x 2 B.
constexpr double kKvBytesPerTokenLayer = 16384.0;
constexpr double kDramBytesPerNs = 64;  // dram.bandwidth_gbps
constexpr int kPrompt = 1024, kSteps = 4;

nlohmann::json run_platform(const std::string& platform, const std::string& trace) {
    return run_stats("bound_" + platform, "--config " + source_path("platforms/" + platform + ".ini") + " --trace " +
                                               trace + " --set workload.prefill_compute=false");
}
}  // namespace

TEST_CASE("a batch-1 decode step is bounded by its weight stream, whatever the KV policy", "[system][paper]") {
    const std::string trace = make_trace("bound.trace", "--model llama-2-7b --layers 2 --prompt " + std::to_string(kPrompt) +
                                                            " --decode " + std::to_string(kSteps) + " --topk 32 --seed 1");
    const nlohmann::json full = run_platform("original_sram", trace);
    const nlohmann::json aep = run_platform("aep_sram", trace);

    // Every step streams both layers' weights once.
    CHECK(full["pe"]["weight_bytes"].get<double>() == kSteps * kWeightBytesPerStep);
    // The full cache's K/V of steps at contexts 1025..1028: read every step, less what the
    // 4 MB SRAM holds on chip; the writes of the new tokens go to DRAM too.
    double kv_read = 0;
    for (int step = 1; step <= kSteps; ++step) kv_read += (kPrompt + step) * 2 * kKvBytesPerTokenLayer;
    const double onchip_max = kSteps * 4.0 * 1024 * 1024;
    const double kv_dram = full["traffic_bytes"]["dram_read"].get<double>() - full["pe"]["weight_bytes"].get<double>();
    CHECK(kv_dram <= kv_read);
    CHECK(kv_dram >= kv_read - onchip_max);

    // Memory bound: a step takes its DRAM reads / bandwidth (the writes are the prompt's, before
    // decode, and one new token a step), plus at most 2% of on-chip phases and latencies.
    const double step_ns = full["latency_per_token_ms"]["mean"].get<double>() * 1e6;
    const double dram_ns = full["traffic_bytes"]["dram_read"].get<double>() / kSteps / kDramBytesPerNs;
    CHECK(step_ns >= dram_ns);
    CHECK(step_ns <= 1.02 * dram_ns);

    // Eviction cannot beat the weight stream: speedup <= (weights + full KV) / weights per step.
    const double bound = (kWeightBytesPerStep + kv_read / kSteps) / kWeightBytesPerStep;
    const double speedup = step_ns / (aep["latency_per_token_ms"]["mean"].get<double>() * 1e6);
    CHECK(speedup > 1.0);
    CHECK(speedup <= bound);
}
