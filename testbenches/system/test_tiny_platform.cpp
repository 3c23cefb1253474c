// The whole platform on a configuration small enough to compute on paper.
//
// Model `tiny`: 1 layer, 1 head, 1 KV head, head_dim 4, hidden d = 4, gated FFN 8, 2-byte
// values. Prompt 2 tokens, 3 decode steps, so the context n is 3, 4, 5. Config: tiny.ini
// (1 ns cycles everywhere; eDRAM 16 B/ns per bank + 2 ns; buffer SRAM 8 B/ns + 1 ns;
// DRAM 1 B/ns + 10 ns; PE 2x2 MACs, 1 SFU lane, pe.tile_model double_buffered: an 8 B tile
// loads in 1 cycle, so a matrix of T tiles and M vectors takes 1 + (T - 1) x M + M + 2 cycles,
// its fill/drain 2 + 2 - 2; pe_timing.h). Sizes:
//   KV slot = 2 (K, V) x 4 x 2 B = 16 B. Weights: W_QKV (4 + 2x4) x 4 x 2 B = 96 B,
//   W_O 4x4x2 = 32 B, FFN in (2x8) x 4 x 2 = 128 B, FFN out 4 x 8 x 2 = 64 B.
//
// Prompt load at t = 0: 2 slots = 32 B into eDRAM bank 0: 32/16 + 2 = 4 ns.
// One decode step with context n, starting at S (all phases back to back):
//   QKV GEMV   buffer read 8 B: 8/8+1 = 2;  max(DRAM 96+10 = 106,
//              compute 6x2 tiles: 1 + 11 + 1 + 2 = 15) = 106; buffer write 12x2 = 24 B: 3+1 = 4 -> 112
//   KV write   16 B: 1 + 2                                                          -> 3
//   KV read    16n B: n + 2                                                         -> n + 2
//   attention  buffer 2; array ceil(2 x n x 4 / 4) = 2n and SFU n cycles; buffer 2 -> 3n + 4
//   W_O        2 + max(32+10, 4 tiles: 7) + 2                                        -> 46
//   FFN in     2 + max(128+10, 16 tiles: 19) + (32 B: 4+1)                           -> 145
//   FFN out    (16 B: 2+1) + max(64+10, 8 tiles: 11) + 2                             -> 79
//   total = 112 + 3 + (n+2) + (3n+4) + 46 + 145 + 79 = 391 + 4n: 403, 407, 411 ns.
// Decode runs from 4 ns to 4 + 1221 = 1225 ns.
//
// Refresh, interval 200 ns, 2 banks: bank 0 due at 100, 300, ..., bank 1 at 200, 400, ...;
// due times below 1225: 100, 200, ..., 1200 = 12 bursts of 4 rows. The eDRAM is busy only
// in [0,4], [116,124], [519,527] and [926,936], so no burst collides with an access.
#include <catch2/catch.hpp>

#include <regex>

#include "edram/retention_model.h"
#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("tiny platform: latency per token matches the hand timeline", "[system]") {
    const nlohmann::json s = run_stats("tiny", tiny_arguments());
    CHECK(s["tokens"] == 3);
    CHECK(s["sim_time_s"].get<double>() == Approx(1225e-9).epsilon(1e-9));
    CHECK(s["ttft_ms"].get<double>() == Approx(4e-6).epsilon(1e-9));
    CHECK(s["latency_per_token_ms"]["mean"].get<double>() == Approx(407e-6).epsilon(1e-9));
    CHECK(s["latency_per_token_ms"]["p50"].get<double>() == Approx(407e-6).epsilon(1e-9));
    CHECK(s["latency_per_token_ms"]["p99"].get<double>() == Approx(411e-6).epsilon(1e-9));
    CHECK(s["refresh"]["stall_ns"].get<double>() == 0.0);
    // The first step, context 3: 391 + 4 x 3 = 403 ns.
    CHECK(s["latency_per_token_ms"]["first"].get<double>() == Approx(403e-6).epsilon(1e-9));
}

TEST_CASE("tiny platform: the energy at the end of the first decode step", "[system]") {
    const nlohmann::json s = run_stats("tiny", tiny_arguments());
    const auto& prefill = s["energy_pj_prefill"];
    const auto& first = s["energy_pj_first_step"];
    // One step's DRAM weights: 320 B x 8 pJ/B; its eDRAM bytes: write 16 + read 16 x 3, at 1 pJ/B.
    CHECK(first["dram"].get<double>() - prefill["dram"].get<double>() == Approx(2560));
    CHECK(first["edram_access"].get<double>() - prefill["edram_access"].get<double>() == Approx(64));
    // Refresh bursts due by the step's end at 4 + 403 = 407 ns: 100, 200, 300, 400 = 4 x 4 rows x 100 pJ.
    CHECK(first["edram_refresh"].get<double>() == Approx(1600));
    // Static: the PE array's 1 mW over the 407 ns.
    CHECK(first["static"].get<double>() == Approx(407));
}

TEST_CASE("tiny platform: energy by component matches the hand count", "[system]") {
    const nlohmann::json s = run_stats("tiny", tiny_arguments());
    const auto& e = s["energy_pj"];
    // Refresh: 12 bursts x 4 rows x 100 pJ.
    CHECK(s["refresh"]["bursts"] == 12);
    CHECK(s["refresh"]["rows_refreshed"] == 48);
    CHECK(e["edram_refresh"].get<double>() == Approx(4800));
    // eDRAM bytes: prompt 32 + writes 3 x 16 + reads 16 x (3 + 4 + 5) = 272, at 1 pJ/B.
    CHECK(e["edram_access"].get<double>() == Approx(272));
    // DRAM: weights 96 + 32 + 128 + 64 = 320 B per step x 3 steps x 8 pJ/B.
    CHECK(e["dram"].get<double>() == Approx(7680));
    // Buffer SRAM per step: 8+24 (QKV) + 8+8 (attention) + 8+8 (W_O) + 8+32 (FFN in) + 16+8 (FFN out)
    // = 128 B, x 3 steps, at 1 pJ/B.
    CHECK(e["sram"].get<double>() == Approx(384));
    // MACs: GEMVs 48 + 16 + 64 + 32 = 160 per step, attention 8n = 24 + 32 + 40;
    // (480 + 96) x 1 pJ + SFU (3 + 4 + 5) x 10 pJ.
    CHECK(e["compute"].get<double>() == Approx(696));
    // Static: only the PE array leaks, 1 mW x 1225 ns.
    CHECK(e["static"].get<double>() == Approx(1225));
    CHECK(e["total"].get<double>() == Approx(4800 + 272 + 7680 + 384 + 696 + 1225));
}

TEST_CASE("tiny platform: counts of transactions, tokens and expected flips", "[system]") {
    const nlohmann::json s = run_stats("tiny", tiny_arguments());
    // Per step: 1 layer command, 5 PE commands, 4 DRAM weight reads, 10 buffer accesses,
    // 2 eDRAM accesses and 1 liveness hint for the new slot = 23; prompt: 1 command,
    // 1 eDRAM write and 1 hint for its 2 adjacent slots (a run, kvcache/kv_store_port.h).
    CHECK(s["tlm_transactions"] == 3 * 23 + 3);
    CHECK(s["kv"]["evictions"] == 0);
    CHECK(s["kv"]["resident_tokens_max"] == 5);
    // Every bit written may be lost with p_fail(interval): 80 B written (prompt 32 + 3 x 16)
    // = 640 bits, at the default retention anchors and a 0.2 us interval.
    const kelle::RetentionModel retention(45, 1e-9, 700, 1e-5);
    CHECK(s["retention"]["expected_bit_flips"].get<double>() ==
          Approx(640 * retention.p_fail(0.2)).epsilon(1e-9));
}

TEST_CASE("tiny platform: lifetime refresh skips the rows and the bank with no live data", "[system][lifetime]") {
    const std::string trace = make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    const std::string stats = tmp_path("tiny_lifetime.json");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace +
                            " --stats-json " + stats + " --set edram.refresh_policy=lifetime");
    REQUIRE(r.status == 0);
    const nlohmann::json s = read_json(stats);
    // All 5 slots (80 B) sit in row 0, bank 0. Bank 0's 6 due bursts refresh that one row;
    // bank 1 holds nothing and is never refreshed. Of the 12 due bursts x 4 rows, 48 - 6 are
    // skipped. The timeline is unchanged: the bursts never collided with an access.
    CHECK(s["refresh"]["rows_refreshed_per_bank"][0] == 6);
    CHECK(s["refresh"]["rows_refreshed_per_bank"][1] == 0);
    CHECK(s["refresh"]["bursts"] == 6);
    CHECK(s["refresh"]["rows_skipped"] == 42);
    CHECK(s["energy_pj"]["edram_refresh"].get<double>() == Approx(600));
    CHECK(s["sim_time_s"].get<double>() == Approx(1225e-9).epsilon(1e-9));
}

TEST_CASE("tiny platform: the VCD shows every busy period", "[system][vcd]") {
    // Per step the PE array runs 5 commands separated by buffer or KV traffic, so its flag
    // rises 5 times a step; the DRAM streams 4 weight matrices a step, each after a gap of
    // buffer traffic: 15 and 12 rising edges over the 3 steps. Bank 0 is refreshed at
    // 100, 300, ..., 1100 ns: 6 bursts.
    const std::string trace = make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    const std::string vcd = tmp_path("tiny.vcd");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace + " --vcd " + vcd);
    REQUIRE(r.status == 0);
    const std::string text = slurp(vcd);
    auto rises = [&](const std::string& scope, const std::string& name) {
        const std::size_t at = text.find("$scope module " + scope + " $end");
        REQUIRE(at != std::string::npos);
        const std::string block = text.substr(at, text.find("$upscope", at) - at);
        std::smatch m;
        REQUIRE(std::regex_search(block, m, std::regex(R"(\$var\s+\w+\s+1\s+(\S+)\s+)" + name + R"(\s)")));
        const std::string id = m[1];
        std::size_t count = 0;
        for (std::size_t p = text.find("\n1" + id + "\n"); p != std::string::npos; p = text.find("\n1" + id + "\n", p + 1)) ++count;
        return count;
    };
    CHECK(rises("pe", "busy") == 15);
    CHECK(rises("dram", "busy") == 12);
    CHECK(rises("edram", "refresh_bank0") == 6);
}

TEST_CASE("tiny platform: h2o pays the eviction unit's search when it evicts", "[system][kv]") {
    // Budget 3 (recent 1): step 0 (context 3) still fits, 403 ns as above. Steps 1 and 2 must
    // evict: the eviction unit scans the head's 3 importance values at 1 per cycle (3 ns)
    // after the QKV GEMV, the victim's slot takes the new token, and attention runs over n = 3:
    // 391 + 4 x 3 + 3 = 406 ns. Compute energy: GEMVs 480 + attention 3 x 24 MACs at 1 pJ,
    // SFU 9 x 10 pJ, compares 2 x 3 x 1 pJ = 648 pJ.
    const std::string trace = make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    const std::string stats = tmp_path("tiny_h2o.json");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace +
                            " --stats-json " + stats + " --set kv.policy=h2o --set kv.budget_tokens=3 --set kv.recent_tokens=1");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const nlohmann::json s = read_json(stats);
    CHECK(s["kv"]["evictions"] == 2);
    CHECK(s["pe"]["compare_elements"] == 6);
    CHECK(s["latency_per_token_ms"]["mean"].get<double>() == Approx(405e-6).epsilon(1e-9));
    CHECK(s["latency_per_token_ms"]["p99"].get<double>() == Approx(406e-6).epsilon(1e-9));
    CHECK(s["sim_time_s"].get<double>() == Approx(1219e-9).epsilon(1e-9));
    CHECK(s["energy_pj"]["compute"].get<double>() == Approx(648));
}

TEST_CASE("tiny platform: AERP keeps part of the budget as x and recomputes K and V", "[system][aerp]") {
    // Budget 4, recompute share 0.5: 2 tokens per head as K/V (16 B each), up to 2 as x
    // (hidden 4 x 2 B = 8 B each, in the x store right after the K/V entries, row 0).
    // Prompt: positions 0, 1 as K/V, 32 B written (4 ns). Two decode steps, no eviction:
    //  step 0, n = 3: the new token goes to x, and nothing older is x: no x read, no recompute.
    //    QKV 112; x write 8 B: 8/16 + 2 = 2.5; K/V read 32 B: 2 + 2 = 4; attention 3n + 4 = 13;
    //    W_O + FFN 46 + 145 + 79 = 270: 401.5 ns.
    //  step 1, n = 4: position 2 is x: read it first, 8 B: 2.5; the QKV projection also
    //    recomputes its K and V against W_K, W_V, one more vector through their 8 tiles:
    //    15 + 8 = 23 cycles, still under the 106 ns weight stream, so QKV stays 112; x write
    //    2.5; K/V read 4; attention 16; 270: 407 ns.
    // Footprint: 2 x 16 + 2 x 8 = 48 B against h2o's 4 x 16 = 64 B. Recomputed: 1 token,
    // (2 x kv_dim 4) x hidden 4 = 32 MACs; no weight traffic beyond the QKV stream's.
    const std::string trace = make_trace("tiny_aerp.trace", "--model tiny --prompt 2 --decode 2 --topk 2 --seed 7");
    const std::string stats = tmp_path("tiny_aerp.json");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace +
                            " --stats-json " + stats +
                            " --set kv.policy=aerp --set kv.budget_tokens=4 --set kv.recent_tokens=1 --set kv.recompute_share=0.5");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const nlohmann::json s = read_json(stats);
    CHECK(s["latency_per_token_ms"]["mean"].get<double>() == Approx((401.5 + 407) / 2 * 1e-6).epsilon(1e-9));
    CHECK(s["sim_time_s"].get<double>() == Approx(812.5e-9).epsilon(1e-9));
    CHECK(s["kv"]["onchip_bytes_max"] == 48);
    CHECK(s["kv"]["recomputes"] == 1);
    // MACs: GEMVs 160 per step x 2 + attention 8n (24 + 32) + recompute 32.
    CHECK(s["pe"]["macs"] == 320 + 56 + 32);
    // DRAM: only the layer weights, 320 B a step.
    CHECK(s["traffic_bytes"]["dram_read"] == 2 * 320);
}

TEST_CASE("tiny platform: the prefill's GEMMs and causal attention give the hand TTFT", "[system][prefill]") {
    // Prefill of P = 2 prompt tokens through the one layer, from t = 0, as GEMMs of 2 vectors:
    //   QKV GEMM   buffer read 2 x 8 B = 16 B: 16/8+1 = 3; max(DRAM 96+10 = 106, 12 tiles x
    //              2 vectors: 1 + 11 x 2 + 2 + 2 = 27 cycles) = 106; buffer write 2 x 24 B: 6+1 = 7 -> 116
    //   K/V write  2 slots = 32 B into eDRAM: 32/16 + 2 = 4                                   -> 4
    //   attention  causal keys 1 + 2 = 3: array ceil(2 x 3 x 4 / 4) = 6, SFU 3;
    //              buffer 16 B in and out: 3 + 3                                             -> 15
    //   W_O        3 + max(32+10, 4 tiles x 2: 11) + 3                                       -> 48
    //   FFN in     3 + max(128+10, 16 tiles x 2: 35) + (64 B: 8+1)                           -> 150
    //   FFN out    (32 B: 4+1) + max(64+10, 8 tiles x 2: 19) + 3                             -> 82
    //   TTFT = 116 + 4 + 15 + 48 + 150 + 82 = 415 ns.
    // Decode then runs as in the decode-only timeline (403, 407, 411 ns): the refresh bursts
    // (bank 0 at 500, 900, 1300 ns) miss the eDRAM accesses at 527-535, 930-939, 1337-1347 ns.
    const nlohmann::json s = run_stats("tiny_prefill", tiny_arguments() + " --set workload.prefill_compute=true");
    CHECK(s["ttft_ms"].get<double>() == Approx(415e-6).epsilon(1e-9));
    CHECK(s["sim_time_s"].get<double>() == Approx((415 + 1221) * 1e-9).epsilon(1e-9));
    CHECK(s["refresh"]["stall_ns"].get<double>() == 0.0);
    // Prefill MACs: QKV 48 x 2 + attention 24 + W_O 16 x 2 + FFN in 64 x 2 + FFN out 32 x 2 = 344
    // on top of decode's 576; SFU 3 more elements.
    CHECK(s["pe"]["macs"].get<double>() == 576 + 344);
    CHECK(s["pe"]["sfu_elements"].get<double>() == 12 + 3);
    // Prefill GEMMs stream 320 B of weights once, like one decode step: 4 steps' worth.
    CHECK(s["traffic_bytes"]["dram_read"].get<double>() == 4 * 320);
    // On the tiny platform every product is memory bound (weights at 1 B/ns against a 2 x 2
    // array): the prefill's four matrices once, decode's four in each of 3 steps.
    const auto& bounds = s["pe"]["bound_by_matrix"];
    CHECK(bounds["prefill_qkv"]["memory"] == 1);
    CHECK(bounds["prefill_ffn_out"]["memory"] == 1);
    CHECK(bounds["qkv"]["memory"] == 3);
    CHECK(bounds["ffn_in"]["compute"] == 0);
    // Energy until the prefill ends (415 ns): weights 320 B x 8 pJ; MACs 344 + SFU 3 x 10;
    // static 1 mW x 415 ns; periodic refresh bursts at 100, 200, 300, 400 ns: 4 x 4 rows x 100;
    // eDRAM 32 B; buffer 16+48 + 16+16 + 16+16 + 16+64 + 32+16 = 256 B, all at 1 pJ/B.
    const auto& prefill = s["energy_pj_prefill"];
    CHECK(prefill["dram"].get<double>() == Approx(2560));
    CHECK(prefill["compute"].get<double>() == Approx(374));
    CHECK(prefill["static"].get<double>() == Approx(415));
    CHECK(prefill["edram_refresh"].get<double>() == Approx(1600));
    CHECK(prefill["edram_access"].get<double>() == Approx(32));
    CHECK(prefill["sram"].get<double>() == Approx(256));
    CHECK(prefill["total"].get<double>() == Approx(2560 + 374 + 415 + 1600 + 32 + 256));
}

TEST_CASE("tiny platform: a batch of 2 doubles KV traffic and MACs, not weight traffic", "[system][batch]") {
    // Two sequences replay the trace: K/V slots carry both (32 B), every GEMV is a GEMM of 2
    // vectors, attention and softmax work double. Hand counts from the decode-only case:
    const nlohmann::json one = run_stats("tiny_batch1", tiny_arguments());
    const nlohmann::json two = run_stats("tiny_batch2", tiny_arguments() + " --set workload.batch=2");
    CHECK(two["batch"] == 2);
    // eDRAM bytes 272 -> 544; DRAM weights stay 3 x 320 B.
    CHECK(two["traffic_bytes"]["edram_read"].get<double>() + two["traffic_bytes"]["edram_write"].get<double>() == 544);
    CHECK(two["traffic_bytes"]["dram_read"].get<double>() == one["traffic_bytes"]["dram_read"].get<double>());
    CHECK(two["traffic_bytes"]["dram_read"].get<double>() == 960);
    CHECK(two["pe"]["weight_bytes"].get<double>() == 960);  // all of it weights: nothing spills
    // MACs 576 -> 1152, SFU 12 -> 24: compute energy (576 + 12 x 10) x 2 = 1392 pJ.
    CHECK(two["pe"]["macs"].get<double>() == 1152);
    CHECK(two["energy_pj"]["compute"].get<double>() == Approx(1392));
    // Every decode GEMV is still memory bound (2 vectors), so the per-step latency grows only by
    // the doubled KV and buffer bytes, never by a second weight stream: less than 2x.
    CHECK(two["latency_per_token_ms"]["mean"].get<double>() < 1.2 * one["latency_per_token_ms"]["mean"].get<double>());
}

TEST_CASE("tiny platform: 8-byte transactions cut every transfer, and change no time or energy", "[system][granularity]") {
    // sim.transaction_bytes = 8 issues a transfer of B bytes as ceil(B / 8) transactions at once,
    // ceil(B / 8) - 1 more than whole transfers. Per the timeline at the top of this file:
    //   DRAM weights: 3 steps x (96 + 32 + 128 + 64 B) = 120 pieces for 12 transfers    -> +108
    //   eDRAM: prompt 32 B (+3); per step a 16 B write (+1) and a 16n B read (+2n - 1),
    //          n = 3, 4, 5: 3 + 3 x 1 + (5 + 7 + 9)                                         -> +27
    //   buffer SRAM per step: QKV out 24 B (+2), FFN in out 32 B (+3), FFN out in 16 B (+1);
    //          the 8 B vectors stay whole: 3 x 6                                           -> +18
    // Each target is bandwidth-bound per bank, so the last piece ends when the whole would.
    const nlohmann::json whole = run_stats("tiny_whole", tiny_arguments());
    const nlohmann::json cut = run_stats("tiny_cut", tiny_arguments() + " --set sim.transaction_bytes=8");
    CHECK(cut["tlm_transactions"].get<int>() - whole["tlm_transactions"].get<int>() == 108 + 27 + 18);
    CHECK(cut["sim_time_s"] == whole["sim_time_s"]);
    CHECK(cut["latency_per_token_ms"] == whole["latency_per_token_ms"]);
    CHECK(cut["energy_pj"] == whole["energy_pj"]);
    CHECK(cut["traffic_bytes"] == whole["traffic_bytes"]);
}

TEST_CASE("tiny platform: transfers beyond a TLM payload's 32-bit length arrive whole", "[system][batch]") {
    // A batch of 300 million makes a K/V slot 16 B x 3e8 = 4.8 GB, beyond the 4 GB a payload
    // can state: the initiators cut such transfers, and no byte may be lost. The 8 KB eDRAM
    // holds no slot, so all K/V goes to DRAM: writes 5 slots (prompt 2, one a step) = 24e9 B;
    // reads 3 + 4 + 5 slots = 57.6e9 B, plus the weights, 3 x 320 B. (A large buffer and a long
    // refresh interval keep the run short; neither changes these bytes.)
    const nlohmann::json s = run_stats("tiny_huge_batch", tiny_arguments() +
                                                               " --set workload.batch=300000000 --set sram.buffer_kb=8388608"
                                                               " --set edram.refresh_interval_us=1000000");
    CHECK(s["traffic_bytes"]["dram_write"].get<double>() == 24e9);
    CHECK(s["traffic_bytes"]["dram_read"].get<double>() == 57.6e9 + 960);
    CHECK(s["traffic_bytes"]["edram_write"].get<double>() == 0);
}

TEST_CASE("tiny platform: an AERP x tier sized to the idle compute keeps QKV memory bound", "[system][aerp]") {
    // With DRAM at 4 B/ns, W_QKV (12 x 4, 96 B) streams in 96 / 4 + 10 = 34 ns; the 2 x 2 array
    // needs 1 + 11 + 1 + 2 = 15 cycles for it (12 tiles, header) and one more cycle in each of
    // the 4 x 2 = 8 tiles of W_K, W_V per x token: it idles 19 ns, so floor(19 / 8) = 2 tokens
    // per head are kept as x; the QKV GEMV of each of the 3
    // steps stays memory bound. Half-and-half of a 4-token budget would also give 2; keeping the
    // whole budget as x (4 tokens, 15 + 32 = 47 > 34 ns) makes the later steps compute bound.
    const std::string aerp = tiny_arguments() + " --set kv.policy=aerp --set kv.budget_tokens=4 --set kv.recent_tokens=2"
                                                " --set dram.bandwidth_gbps=4";
    const nlohmann::json fitted = run_stats("tiny_x_idle", aerp + " --set kv.recompute_sizing=idle_compute");
    CHECK(fitted["kv"]["x_tier_tokens"] == 2);
    CHECK(fitted["pe"]["bound_by_matrix"]["qkv"]["memory"] == 3);
    const nlohmann::json all_x = run_stats("tiny_x_all", aerp + " --set kv.recompute_share=1");
    CHECK(all_x["kv"]["x_tier_tokens"] == 4);
    CHECK(all_x["pe"]["bound_by_matrix"]["qkv"]["compute"].get<int>() > 0);
}
