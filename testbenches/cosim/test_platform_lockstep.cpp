// cosim.lockstep inside kelle-sim on every shipped platform: with the shipped RTL both blocks
// agree with their TLM models (the mutation check, mutation_check.py, shows that they would be
// caught if they did not), and the run's stats are the TLM run's.
#include <algorithm>
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("cosim.lockstep=all runs every shipped platform clean, to the TLM stats", "[cosim][system]") {
    for (const char* platform : {"kelle", "aerp_edram", "original_edram", "original_sram", "aep_sram", "aerp_sram"}) {
        INFO(platform);
        const std::string config = "--config " + source_path(std::string("platforms/") + platform + ".ini");
        nlohmann::json tlm = run_stats(std::string("lockstep_off_") + platform, config);
        nlohmann::json both = run_stats(std::string("lockstep_all_") + platform, config + " --set cosim.lockstep=all");
        CHECK(both["cosim"]["evictor_coverage"]["searches"] == tlm["kv"]["evictions"]);
        for (nlohmann::json* stats : {&tlm, &both})
            for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "config", "cosim"}) stats->erase(key);
        CHECK(both == tlm);
    }
}

TEST_CASE("cosim.lockstep takes only off, refresh, evictor or all", "[cosim][system]") {
    const RunResult r = sim("--set cosim.lockstep=alu");
    CHECK(r.status == 2);
    CHECK(r.err.find("cosim.lockstep") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("cosim.lockstep=refresh raises no false alarm on intervals of fractional picoseconds a bank",
          "[cosim][system][sweep]") {
    // Issue 27's settings, each once a false alarm: the two sides rounded sub-picosecond due times
    // their own ways. Both now take refresh_due_ps (edram/refresh_manager.h); the unmodified RTL must run clean.
    const std::string original = "--config " + source_path("platforms/original_edram.ini");
    for (const std::string& settings :
         {original + " --set edram.refresh_interval_us=44.999997",
          original + " --set edram.refresh_interval_us=45.000004",
          original + " --set edram.refresh_interval_us=45.000001 --set edram.banks=12 --set edram.layout=interleaved"
                     " --set edram.capacity_mb=3",
          std::string("--set edram.2drp.important_msb_us=360.000001")}) {
        INFO(settings);
        const RunResult r = sim(settings + " --set cosim.lockstep=refresh");
        CHECK(r.status == 0);
        CHECK(r.err.empty());
    }
}
