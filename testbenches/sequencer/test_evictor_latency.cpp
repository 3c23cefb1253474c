// pe.evictor_latency: the systolic evictor (hidden) drops the eviction search's cycles from the
// layers' time and keeps its compares. Whole runs of kelle-sim on the hand shape.
//
// Machine: testbenches/system/tiny.ini (1 GHz, eviction_lanes = 1: one compare a nanosecond)
// with the K/V in the SRAM store (no refresh, so nothing else can shift when a phase moves).
// Model: testbenches/common/hand_shape.h, prompt 15, one decode step; H2O with a budget of 8
// (recent window 4): the prompt is cut to 8 tokens per head (without a timed prefill, so no
// search there), and the decode step's token enters each of the 2 layers x 2 KV heads while the
// head is full: the eviction unit scans the head's 8 importance values, 2 x 2 x 8 = 32 compares
// = 32 cycles = 32 ns, the only time the two runs differ by.
#include <catch2/catch.hpp>

#include "common/hand_shape.h"
#include "system/run_tool.h"

using namespace kelle_test;

namespace {
std::string hand_trace() { return write_hand_trace(tmp_path("evictor_hand.trace")); }

nlohmann::json run_latency(const std::string& latency, const std::string& evictor_mw = "0") {
    return run_stats("evictor_" + latency + "_" + evictor_mw,
                     "--config " + source_path("testbenches/system/tiny.ini") + " --trace " + hand_trace() +
                         " --set kv.store=sram --set kv.policy=h2o --set kv.budget_tokens=8 --set kv.recent_tokens=4"
                         " --set pe.evictor_latency=" + latency + " --set pe.evictor_mw=" + evictor_mw);
}
}  // namespace

TEST_CASE("a hidden evictor takes the search's cycles out of the step, not its compares", "[sequencer][evictor]") {
    const nlohmann::json search = run_latency("search");
    const nlohmann::json hidden = run_latency("hidden");
    CHECK(search["pe"]["compare_elements"] == 32);
    CHECK(hidden["pe"]["compare_elements"] == 32);
    CHECK((search["sim_time_s"].get<double>() - hidden["sim_time_s"].get<double>()) * 1e9 == Approx(32.0).epsilon(1e-6));
    // tiny.ini's compare costs 1 pJ: the same 32 pJ in both runs' compute energy.
    CHECK(search["energy_pj"]["compute"].get<double>() == Approx(hidden["energy_pj"]["compute"].get<double>()));
}

TEST_CASE("the systolic evictor's power is drawn over the whole run, the searching unit's is not", "[sequencer][evictor]") {
    const nlohmann::json hidden = run_latency("hidden");
    const nlohmann::json powered = run_latency("hidden", "1000");
    CHECK(powered["static_mw"]["evictor"] == 1000.0);
    CHECK(run_latency("search", "1000")["static_mw"]["evictor"] == 0.0);
    // Power does not move time; 1000 mW over the run's t ns is 1000 x t pJ (1 mW x 1 ns = 1 pJ).
    const double run_ns = hidden["sim_time_s"].get<double>() * 1e9;
    CHECK(powered["sim_time_s"].get<double>() == hidden["sim_time_s"].get<double>());
    CHECK(powered["energy_pj"]["static"].get<double>() - hidden["energy_pj"]["static"].get<double>() ==
          Approx(1000.0 * run_ns));
}
