// kelle-sim with the RTL refresh scheduler in place of the TLM one (edram.refresh_impl = rtl).
#include <algorithm>
#include <catch2/catch.hpp>

#include "system/run_tool.h"
#include "system/vcd_text.h"

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

TEST_CASE("one waveform holds both RTL blocks' registers on the platform's time base, and nothing else", "[cosim][system][vcd]") {
    // Decode step 1 of the default trace (kelle.ini: 2DRP, two refresh controllers) with both
    // blocks in lockstep, the selection naming only the two blocks.
    const std::string vcd_path = tmp_path("rtl_blocks.vcd");
    const RunResult r = sim("--set cosim.lockstep=all --vcd " + vcd_path +
                            " --vcd-signals 'edram.refresh_scheduler*,pe.evictor*' --vcd-window steps:1-1");
    REQUIRE(r.status == 0);
    const Vcd vcd = parse_vcd(slurp(vcd_path));
    for (const auto& [name, id] : vcd.id_of) {
        INFO(name);
        CHECK((name.rfind("edram.refresh_scheduler", 0) == 0 || name.rfind("pe.evictor.", 0) == 0));
    }
    for (const char* reg : {"edram.refresh_scheduler_high.group0.due", "edram.refresh_scheduler_low.group0.acc",
                            "pe.evictor.row0.min_q", "pe.evictor.row31.idx_q", "pe.evictor.sinks", "pe.evictor.clk"})
        CHECK(vcd.id_of.count(reg) == 1);
    CHECK(std::is_sorted(vcd.times.begin(), vcd.times.end()));
    // The refresh block's group 0 (the important high bytes, 360 us over 16 banks) steps its due
    // register by 360 us / 16 = 22.5 us = 22 500 000 ps a slot, one tick before each slot.
    const auto& due = vcd.changes.at(vcd.id_of.at("edram.refresh_scheduler_high.group0.due"));
    REQUIRE(due.size() >= 3);
    CHECK(due[2].second - due[1].second == 22500000);
    CHECK(due[2].first == due[1].second - 1);
    // The evictor's clock: a falling and a rising edge per 1 ns PE cycle (pe.clock_mhz = 1000), so
    // consecutive changes of clk are 500 ps apart within a search.
    const auto& clk = vcd.changes.at(vcd.id_of.at("pe.evictor.clk"));
    REQUIRE(clk.size() >= 4);
    CHECK(clk[2].first - clk[1].first == 500);
    CHECK(clk[3].first - clk[2].first == 500);
}
