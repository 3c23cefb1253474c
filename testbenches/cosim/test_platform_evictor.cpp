// kelle-sim with the RTL systolic evictor deciding every victim (pe.evictor_impl = rtl).
#include <algorithm>
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("the default trace gives the same stats with the RTL evictor as with the TLM search", "[cosim][system]") {
    nlohmann::json tlm = run_stats("evictor_tlm", "");
    nlohmann::json rtl = run_stats("evictor_rtl", "--set pe.evictor_impl=rtl");
    CHECK(rtl["config"]["pe.evictor_impl"] == "rtl");
    REQUIRE(tlm["kv"]["evictions"].get<long long>() > 0);  // the RTL decided something
    // Every stat but the host's wall clock and memory, and the config echo of the one key set.
    for (nlohmann::json* stats : {&tlm, &rtl})
        for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "config"}) stats->erase(key);
    CHECK(rtl == tlm);
}

TEST_CASE("cosim.lockstep=evictor runs the default trace to the TLM stats without a mismatch", "[cosim][system]") {
    const RunResult r = sim("--set cosim.lockstep=evictor --stats-json " + tmp_path("lockstep_evictor.json"));
    CHECK(r.status == 0);
    CHECK(r.err.empty());
}

TEST_CASE("pe.score_bits=4: the paper's registers in the loop, clean under cosim.lockstep=all, and they change the policy", "[cosim][system]") {
    // The RTL evictor adds each step's increments itself and writes its registers back; the
    // lockstep compares victims and registers on every search of the default trace.
    const RunResult r = sim("--set pe.score_bits=4 --set cosim.lockstep=all --stats-json " + tmp_path("score4_lockstep.json"));
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    // 4-bit registers tie where exact importances do not, so the cache keeps other tokens: the
    // attention it holds differs (a bound on which way is not derivable; that it moves is).
    const nlohmann::json exact = run_stats("score64", "");
    const nlohmann::json four = run_stats("score4", "--set pe.score_bits=4");
    CHECK(four["kv"]["evictions"] == exact["kv"]["evictions"]);  // the budget, not the scores, sets how many
    CHECK(four["kv"]["attention_mass_retained"]["mean"] != exact["kv"]["attention_mass_retained"]["mean"]);
}

TEST_CASE("pe.score_bits the RTL evictor is not built for is one line naming the key", "[cosim][bad-input]") {
    const RunResult r = sim("--set pe.score_bits=8 --set pe.evictor_impl=rtl");
    CHECK(r.status == 2);
    CHECK(r.err.find("pe.score_bits") != std::string::npos);
    CHECK(r.err.find("64-bit (exact) or 4-bit") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(sim("--set pe.score_bits=8").status == 0);  // the TLM registers take any width to 16
    CHECK(sim("--set pe.score_bits=17").status == 2);
}
