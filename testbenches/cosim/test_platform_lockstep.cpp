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
        for (nlohmann::json* stats : {&tlm, &both})
            for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "config"}) stats->erase(key);
        CHECK(both == tlm);
    }
}

TEST_CASE("cosim.lockstep takes only off, refresh, evictor or all", "[cosim][system]") {
    const RunResult r = sim("--set cosim.lockstep=alu");
    CHECK(r.status == 2);
    CHECK(r.err.find("cosim.lockstep") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
