// scripts/sweep-refresh: one CSV row per (policy, interval) holding what kelle-sim reports for
// that point, and a PNG plot.
#include <catch2/catch.hpp>
#include <sstream>

#include "system/run_tool.h"

using namespace kelle_test;

TEST_CASE("sweep-refresh writes a row per point with the simulator's numbers, and a plot", "[sweep]") {
    const std::string trace = make_trace("sweep_tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    const std::string config = source_path("testbenches/system/tiny.ini");
    const std::string stem = tmp_path("sweep");
    const RunResult sweep = run("/usr/bin/python3 " + source_path("scripts/sweep-refresh") + " --sim " + KELLE_SIM +
                                " --config " + config + " --trace " + trace +
                                " --intervals 0.1,0.2 --policies periodic,lifetime --jobs 1 --out " + stem);
    INFO(sweep.err);
    REQUIRE(sweep.status == 0);

    std::istringstream csv(slurp(stem + ".csv"));
    std::string header, line;
    std::getline(csv, header);
    CHECK(header.rfind("policy,interval_us,edram_refresh_uj,", 0) == 0);
    std::vector<std::string> rows;
    while (std::getline(csv, line)) rows.push_back(line);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].rfind("periodic,0.1,", 0) == 0);
    CHECK(rows[3].rfind("lifetime,0.2,", 0) == 0);

    // The periodic 0.2 us point is tiny_platform's hand case: 12 bursts x 4 rows x 100 pJ.
    std::istringstream fields(rows[1]);
    std::string policy, interval, refresh_uj;
    std::getline(fields, policy, ',');
    std::getline(fields, interval, ',');
    std::getline(fields, refresh_uj, ',');
    CHECK(std::stod(refresh_uj) == Approx(4800e-6));

    const std::string png = slurp(stem + ".png");
    REQUIRE(png.size() > 8);
    CHECK(png.compare(1, 3, "PNG") == 0);
}

TEST_CASE("sweep-refresh refuses bad intervals with one line", "[sweep]") {
    const RunResult r = run("/usr/bin/python3 " + source_path("scripts/sweep-refresh") + " --sim " + KELLE_SIM +
                            " --intervals 45,fast --out " + tmp_path("bad_sweep"));
    CHECK(r.status == 1);
    CHECK(r.err.find("--intervals") != std::string::npos);
}
