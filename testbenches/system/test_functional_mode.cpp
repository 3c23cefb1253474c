// Functional mode: real bytes in the eDRAM, real bit flips, values checked on every read.
#include <catch2/catch.hpp>
#include <cmath>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
nlohmann::json run_tiny(const std::string& name, const std::string& extra) {
    return run_stats(name, tiny_arguments() + " --set edram.functional=true " + extra);
}
}  // namespace

TEST_CASE("functional mode reads every resident value back, intact at a safe interval", "[functional]") {
    // Each step reads all resident tokens: 3 + 4 + 5 tokens x (2 x head_dim = 8) values = 96.
    // At 0.2 us, p_fail is ~1e-21 per bit: no flip in 640 written bits.
    const nlohmann::json s = run_tiny("functional_safe", "");
    CHECK(s["kv"]["values_checked"] == 96);
    CHECK(s["retention"]["actual_bit_flips"] == 0);
    CHECK(s["kv"]["corrupted_values"] == 0);
    CHECK(s["kv"]["value_rel_error"].get<double>() == 0.0);
}

TEST_CASE("functional flips follow the expected count and corrupt what is read", "[functional]") {
    // At 1 s, p_fail = Phi((ln 1e6 - mu) / sigma) ~ 0.63 per written bit: of the 640 bits
    // written, the actual flips are binomial around the expected count (sd ~ 12); 6 sd is a
    // bound that a broken generator (no flips, or flips on every bit) fails.
    const nlohmann::json s = run_tiny("functional_leaky", "--set edram.refresh_interval_us=1000000");
    const double expected = s["retention"]["expected_bit_flips"].get<double>();
    const double actual = s["retention"]["actual_bit_flips"].get<double>();
    const double sd = std::sqrt(expected * (1 - expected / 640));
    CHECK(expected == Approx(640 * 0.626).epsilon(0.02));
    CHECK(std::abs(actual - expected) < 6 * sd);
    CHECK(s["kv"]["corrupted_values"].get<int>() > 0);
    CHECK(s["kv"]["value_rel_error"].get<double>() > 0.0);
}

TEST_CASE("functional flips are fixed by the seed", "[functional]") {
    const auto flips = [](const std::string& name, const std::string& seed) {
        return run_tiny(name, "--set edram.refresh_interval_us=1000000 --seed " + seed)["retention"]["actual_bit_flips"];
    };
    CHECK(flips("seed_a", "11") == flips("seed_b", "11"));
    CHECK(flips("seed_c", "11") != flips("seed_d", "12"));
}

TEST_CASE("functional mode needs an eDRAM KV store", "[functional][bad-input]") {
    // Both from --set: the command line's error (exit 2), blaming the key set last.
    const RunResult r = sim("--set kv.store=sram --set edram.functional=true");
    CHECK(r.status == 2);
    CHECK(r.err.find("edram.functional") != std::string::npos);
}

TEST_CASE("functional mode stores a grouped-query trace's K/V at the model's own width", "[functional][bad-input]") {
    // tiny with 2 query heads of 4 dims sharing 1 KV head: per_head_c stores K and V per query head,
    // 2 x 4 x 2 = 16 values a token, twice the trace's 1 x 4 x 2; functional mode refuses it, model runs.
    const std::string gqa = make_trace("gqa.trace", "--model tiny --heads 2 --kv-heads 1 --hidden 8 --prompt 2 --decode 2 --topk 2 --seed 3");
    const std::string run = "--config " + source_path("testbenches/system/tiny.ini") + " --trace " + gqa +
                            " --set edram.functional=true --set kv.size_rule=";
    const RunResult refused = sim(run + "per_head_c");
    CHECK(refused.status == 2);
    CHECK(refused.err.find("needs kv.size_rule = model") != std::string::npos);
    CHECK(sim(run + "model").status == 0);
}

TEST_CASE("attention output error: zero for an intact full cache, larger with eviction or flips", "[functional][kv]") {
    // full + safe interval: the cache holds every token, intact, and the scores of a head sum
    // to 1, so its output equals the reference up to float rounding.
    const nlohmann::json intact = run_tiny("output_full", "");
    CHECK(intact["kv"]["output_rel_error"]["p99"].get<double>() < 1e-5);
    // A window of 2 drops tokens that carry attention: the output moves away from the reference.
    const nlohmann::json evicting = run_tiny("output_window", "--set kv.policy=window --set kv.budget_tokens=2");
    CHECK(evicting["kv"]["output_rel_error"]["mean"].get<double>() > 1e-3);
    // Keep every token but let 63% of the bits flip: the values read are wrong.
    const nlohmann::json leaky = run_tiny("output_leaky", "--set edram.refresh_interval_us=1000000");
    CHECK(leaky["kv"]["output_rel_error"]["mean"].get<double>() > 1e-3);
}
