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
