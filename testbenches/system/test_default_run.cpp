// The embedded default run (platforms/kelle.ini on the bundled trace), as the README shows it.
#include <catch2/catch.hpp>
#include <cstdio>
#include <regex>
#include <set>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
const char* const kEnergyParts[] = {"compute",       "sram",          "sram_weights", "edram_access",
                                    "edram_refresh", "act_edram_refresh", "dram",       "static"};
}  // namespace

TEST_CASE("default run writes every documented stats key, and energy parts sum to the total", "[system][default]") {
    const std::string vcd = tmp_path("default.vcd");
    const nlohmann::json s = run_stats("default", "--vcd " + vcd);
    for (const char* key : {"platform", "tokens", "sim_time_s", "wall_time_s", "tlm_transactions"})
        CHECK(s.contains(key));
    for (const char* key : {"mean", "p50", "p99"}) CHECK(s["latency_per_token_ms"].contains(key));
    for (const char* key : {"bursts", "rows_refreshed", "rows_skipped"}) CHECK(s["refresh"].contains(key));
    for (const char* key : {"evictions", "recomputes", "resident_tokens_max"}) CHECK(s["kv"].contains(key));
    CHECK(s["retention"].contains("expected_bit_flips"));
    double sum = 0;
    for (const char* part : kEnergyParts) sum += s["energy_pj"][part].get<double>();
    CHECK(s["energy_pj"]["total"].get<double>() == Approx(sum).epsilon(1e-12));
    CHECK(s["tokens"].get<int>() > 0);
    CHECK(s["refresh"]["bursts"].get<long long>() > 0);
}

TEST_CASE("default VCD converts with gtkwave's vcd2fst and shows refresh bursts on every bank", "[system][vcd]") {
    const std::string vcd = tmp_path("bursts.vcd");
    const nlohmann::json s = run_stats("bursts", "--vcd " + vcd);
    const std::string fst = tmp_path("bursts.fst");
    std::remove(fst.c_str());
    const RunResult convert = run("vcd2fst " + vcd + " " + fst);
    INFO(convert.err);
    CHECK(convert.status == 0);
    CHECK(!slurp(fst).empty());

    // Find each bank's refresh flag identifier in the header, then a rising edge of it.
    const std::string text = slurp(vcd);
    const int banks = s["config"]["edram.banks"].get<int>();
    const std::regex declaration(R"(\$var\s+wire\s+1\s+(\S+)\s+\S*refresh_bank(\d+)\s)");
    std::set<int> banks_with_bursts;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), declaration); it != std::sregex_iterator(); ++it) {
        const std::string id = (*it)[1];
        if (text.find("\n1" + id + "\n") != std::string::npos) banks_with_bursts.insert(std::stoi((*it)[2]));
    }
    CHECK(static_cast<int>(banks_with_bursts.size()) == banks);
    // The other signals the README promises in the waveform.
    for (const char* name : {"step", "layer", "resident_tokens", "busy", "read", "write", "refresh_stall",
                             "refresh_group_important_msb", "refresh_group_unimportant_lsb"}) {
        INFO(name);
        CHECK(std::regex_search(text, std::regex(std::string(R"(\$var\s+\w+\s+\d+\s+\S+\s+)") + name + R"(\s)")));
    }
}

TEST_CASE("doubling the refresh interval halves refresh energy", "[system][refresh]") {
    // Periodic refresh costs rows x E_row per (bank, interval): E = banks x rows x E_row x
    // floor-ish(sim_time / interval). Doubling the interval halves it, up to the burst that a
    // run's end cuts and the slightly shorter run (fewer refresh stalls).
    const nlohmann::json at45 = run_stats("refresh45", "--set edram.refresh_policy=periodic --set edram.refresh_interval_us=45");
    const nlohmann::json at90 = run_stats("refresh90", "--set edram.refresh_policy=periodic --set edram.refresh_interval_us=90");
    const double ratio = at45["energy_pj"]["edram_refresh"].get<double>() / at90["energy_pj"]["edram_refresh"].get<double>();
    CHECK(ratio == Approx(2.0).epsilon(0.05));
}

TEST_CASE("same config, trace and seed give identical stats", "[system][determinism]") {
    nlohmann::json a = run_stats("determinism_a", "");
    nlohmann::json b = run_stats("determinism_b", "");
    for (const char* host_measure : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb"}) {  // the host, not the model
        a.erase(host_measure);
        b.erase(host_measure);
    }
    CHECK(a.dump() == b.dump());
}

TEST_CASE("memory does not grow with the number of decode steps", "[system][memory]") {
    // The reader holds one step; the manager's state is bounded by the budget. 32x more steps
    // may add only the per-token latency record (8 B a step) and allocator noise.
    auto peak_rss_mb = [](const std::string& name, int steps) {
        const std::string trace = make_trace(name + ".trace", "--model llama-3.2-1b --layers 2 --prompt 64 --decode " +
                                                                  std::to_string(steps) + " --topk 32 --seed 4");
        const std::string stats = tmp_path(name + ".json");
        const RunResult r = sim("--trace " + trace + " --stats-json " + stats);
        REQUIRE(r.status == 0);
        return read_json(stats)["peak_rss_mb"].get<double>();
    };
    const double short_run = peak_rss_mb("steps16", 16);
    const double long_run = peak_rss_mb("steps512", 512);
    CHECK(long_run - short_run < 2.0);
}
