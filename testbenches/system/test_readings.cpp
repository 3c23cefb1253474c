// The paper's readings (docs/config.md, "The paper's readings"): each switch changes only what its
// sentence of the paper says, shown on the tiny platform (tiny.ini, test_tiny_platform.cpp's
// hand timeline) and on toy shapes whose bytes are counted by hand.
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
// One layer of hidden 8 in 4 query heads of head_dim 2, 2-byte values, with `kv_heads` KV heads.
std::string toy_trace(const std::string& name, int kv_heads) {
    return make_trace(name, "--model tiny --layers 1 --heads 4 --kv-heads " + std::to_string(kv_heads) +
                                " --head-dim 2 --hidden 8 --ffn 8 --prompt 2 --decode 2 --topk 2 --seed 7");
}

nlohmann::json toy_stats(const std::string& name, int kv_heads, const std::string& rule) {
    return run_stats(name, "--config " + source_path("testbenches/system/tiny.ini") + " --trace " +
                               toy_trace(name + ".trace", kv_heads) + " --set kv.size_rule=" + rule);
}

// The tiny platform's AERP run (test_tiny_platform.cpp: one token recomputed, 32 MACs, 8 cycles of
// the 2 x 2 array) or the same eviction without recomputation (aep), under an array energy rule.
nlohmann::json recompute_run(const std::string& name, const std::string& policy, const std::string& rule,
                             const std::string& extra) {
    const std::string trace = make_trace("readings_aerp.trace", "--model tiny --prompt 2 --decode 2 --topk 2 --seed 7");
    return run_stats(name, "--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace +
                               " --set kv.policy=" + policy + " --set kv.budget_tokens=4 --set kv.recent_tokens=1"
                               " --set kv.recompute_share=0.5 --set pe.recompute_energy=" + rule + " " + extra);
}

double compute_pj(const nlohmann::json& s) { return s["energy_pj"]["compute"].get<double>(); }
}  // namespace

TEST_CASE("kv.size_rule = per_head_c: a grouped-query layer stores what the multi-head one does", "[system][readings]") {
    // The full cache holds the context's 4 tokens (prompt 2 + decode 2). Per token and layer:
    // model rule, 1 KV head: 2 (K, V) x 1 x 2 x 2 B = 8 B; 4 KV heads: 2 x 4 x 2 x 2 B = 32 B.
    // per_head_c: 2 x hidden 8 x 2 B = 32 B on both (the one KV head is 8 wide).
    const nlohmann::json gqa = toy_stats("size_gqa_model", 1, "model");
    const nlohmann::json gqa_c = toy_stats("size_gqa_c", 1, "per_head_c");
    const nlohmann::json mha = toy_stats("size_mha_model", 4, "model");
    const nlohmann::json mha_c = toy_stats("size_mha_c", 4, "per_head_c");
    CHECK(gqa["kv"]["onchip_bytes_max"] == 4 * 8);
    CHECK(mha["kv"]["onchip_bytes_max"] == 4 * 32);
    CHECK(gqa_c["kv"]["onchip_bytes_max"] == mha["kv"]["onchip_bytes_max"]);
    CHECK(mha_c["kv"]["onchip_bytes_max"] == mha["kv"]["onchip_bytes_max"]);
    CHECK(gqa_c["config_derived"]["kv.stored_head_dim"] == 8);
    // Only the stored bytes: the weights (W_K, W_V of 1 KV head) and the MACs stay the model's.
    CHECK(gqa_c["traffic_bytes"]["dram_read"] == gqa["traffic_bytes"]["dram_read"]);
    CHECK(gqa_c["pe"]["macs"] == gqa["pe"]["macs"]);
}

TEST_CASE("pe.recompute_energy = array_always_on: recomputing in idle cycles costs no array energy", "[system][readings]") {
    // On tiny.ini the QKV weight stream takes 106 ns against 12 + 8 compute cycles: the recompute
    // fits in the idle cycles. per_mac charges its 32 MACs at 1 pJ; array_always_on charges the 4
    // PEs for the stream's 106 ns either way, so AERP's array energy equals AEP's.
    const nlohmann::json aep = recompute_run("idle_aep_mac", "aep", "per_mac", "");
    const nlohmann::json aerp = recompute_run("idle_aerp_mac", "aerp", "per_mac", "");
    const nlohmann::json aep_on = recompute_run("idle_aep_on", "aep", "array_always_on", "");
    const nlohmann::json aerp_on = recompute_run("idle_aerp_on", "aerp", "array_always_on", "");
    REQUIRE(aerp["kv"]["recomputes"] == 1);
    CHECK(compute_pj(aerp) - compute_pj(aep) == Approx(32));
    CHECK(compute_pj(aerp_on) == Approx(compute_pj(aep_on)));
    CHECK(aerp_on["pe"]["recompute"]["compute_bound_gemvs"] == 0);
}

TEST_CASE("pe.recompute_energy = array_always_on: recomputing on a busy array costs its time", "[system][readings]") {
    // At 1000 B/ns the QKV stream takes 96 / 1000 + 10 = 10.1 ns, under its 12 compute cycles: the
    // array is busy and the recompute's 8 cycles lengthen the QKV from 12 to 20 ns. The 4 PEs draw
    // 1 pJ a cycle over those 8 ns: 32 pJ more than AEP, and the GEMV is compute bound by it.
    const std::string fast = "--set dram.bandwidth_gbps=1000";
    const nlohmann::json aep_on = recompute_run("busy_aep_on", "aep", "array_always_on", fast);
    const nlohmann::json aerp_on = recompute_run("busy_aerp_on", "aerp", "array_always_on", fast);
    CHECK(aerp_on["pe"]["bound_by_matrix"]["qkv"]["memory"] == 0);  // the array, not the stream, sets the QKV
    CHECK(aerp_on["pe"]["recompute"]["array_s"].get<double>() == Approx(8e-9));
    CHECK(compute_pj(aerp_on) - compute_pj(aep_on) == Approx(4 * 8));
}

TEST_CASE("sram.capacity_scope = total: the KV store gets what the buffer and weight SRAM leave", "[system][readings]") {
    // tiny.ini's SRAM: 3.2 MB, buffer 1 KB, no weight SRAM. Total: the KV store is 3.2 MB - 1 KB;
    // at 10 mW/MB its leakage is 10 x (3.2 - 1/1024) mW, against 32 mW for the store alone.
    const std::string base = tiny_arguments() + " --set kv.store=sram --set sram.static_mw_per_mb=10";
    const nlohmann::json kv = run_stats("scope_kv", base);
    const nlohmann::json total = run_stats("scope_total", base + " --set sram.capacity_scope=total");
    CHECK(total["config_derived"]["sram.kv_capacity_mb"].get<double>() == Approx(3.2 - 1.0 / 1024));
    CHECK(total["static_mw"]["sram_kv"].get<double>() == Approx(10 * (3.2 - 1.0 / 1024)));
    CHECK(kv["static_mw"]["sram_kv"].get<double>() == Approx(32));
    // The baseline's whole SRAM cannot be smaller than its buffer: a one-line error naming the key.
    const RunResult r = sim(base + " --set sram.capacity_scope=total --set sram.kv_capacity_mb=0.0005");
    CHECK(r.status == 1);
    CHECK(r.err.find("sram.kv_capacity_mb") != std::string::npos);
}
