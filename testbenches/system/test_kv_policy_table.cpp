// scripts/kv-policy-table: a row per (policy, budget), with the simulator's numbers.
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("kv-policy-table writes one row per policy and budget", "[kv][table]") {
    const std::string trace = make_trace("table_tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    const std::string out = tmp_path("kv-policies.md");
    const RunResult r = run("/usr/bin/python3 " + source_path("scripts/kv-policy-table") + " --sim " + KELLE_SIM +
                            " --config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace +
                            " --policies full,window --budgets 2,4 --jobs 1 --out " + out);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string table = slurp(out);
    // full once, window at 2 and at 4. The contexts are 3, 4 and 5 tokens: budget 4 evicts
    // once, at the last step; budget 2 holds the prompt's 2 and evicts at each of the 3 steps.
    CHECK(table.find("| full | all |") != std::string::npos);
    CHECK(table.find("| window | 2 |") != std::string::npos);
    CHECK(table.find("| window | 4 |") != std::string::npos);
    CHECK(table.find(" | 3 |\n") != std::string::npos);
    CHECK(table.find(" | 1 |\n") != std::string::npos);
    CHECK(table.find("| 1.000 | 1.000 | 0 |") != std::string::npos);  // full keeps all the mass
}
