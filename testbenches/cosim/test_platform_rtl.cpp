// kelle-sim with the RTL refresh scheduler in place of the TLM one (edram.refresh_impl = rtl).
#include <algorithm>
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("the default trace gives the same refresh stats with the RTL scheduler as with the TLM one", "[cosim][system]") {
    const nlohmann::json tlm = run_stats("impl_tlm", "");
    const nlohmann::json rtl = run_stats("impl_rtl", "--set edram.refresh_impl=rtl");
    CHECK(rtl["config"]["edram.refresh_impl"] == "rtl");
    CHECK(tlm["refresh"]["bursts"].get<long long>() > 0);
    // Every field: bursts, rows refreshed and skipped per group and bank, and the refresh stalls,
    // which only agree if the RTL's bursts reach the controller in the same delta cycle as the TLM's.
    CHECK(rtl["refresh"] == tlm["refresh"]);
    CHECK(rtl["energy_pj"] == tlm["energy_pj"]);
}

TEST_CASE("more banks than the RTL scheduler has is a one-line error naming the key", "[cosim][system]") {
    // byte_plane (base.ini) gives each of the two refresh controllers half the banks: 256 banks
    // put 128 under one RTL scheduler.
    const RunResult r = sim("--set edram.refresh_impl=rtl --set edram.banks=256");
    CHECK(r.status == 1);
    CHECK(r.err.find("edram.banks") != std::string::npos);
    CHECK(r.err.find("at most 64 banks") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
