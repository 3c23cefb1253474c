// A decode step's behaviour must not depend on steps that come after it: the hardware does not
// know how long the trace is. Two traces with the same seed share their prompt and first steps
// (kelle-tracegen draws steps in order; only the header's decode_steps differs), so the first
// steps must take the same simulated time. Before the fix, AERP's x tier was a share of
// min(budget, prompt + decode steps), so a longer trace changed every step's recomputation.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
// The host's per-step debug lines ("decode step N ends at T us after D us"), first `steps` of them.
std::vector<std::string> step_lines(const std::string& log, int steps) {
    std::vector<std::string> lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line) && static_cast<int>(lines.size()) < steps;)
        if (line.find("kelle/host: decode step ") != std::string::npos) lines.push_back(line);
    return lines;
}

std::vector<std::string> first_steps(const std::string& trace, const std::string& policy, int steps) {
    // A budget larger than either trace's context, so min(budget, context) differed between them.
    const RunResult r = sim("--trace " + trace + " --set kv.budget_tokens=128 --set kv.recent_tokens=32 --set kv.policy=" +
                            policy + " --log kelle/host=debug");
    REQUIRE(r.status == 0);
    return step_lines(r.err, steps);
}
}  // namespace

TEST_CASE("the first steps of a trace take the same time whatever follows them", "[platforms][kv]") {
    const std::string recipe = "--model llama-3.2-1b --prompt 64 --topk 8 --seed 5";
    const std::string shorter = make_trace("causal_8.trace", recipe + " --decode 8");
    const std::string longer = make_trace("causal_24.trace", recipe + " --decode 24");
    for (const char* policy : {"aerp", "h2o", "window"}) {
        INFO(policy);
        const auto a = first_steps(shorter, policy, 8);
        const auto b = first_steps(longer, policy, 8);
        REQUIRE(a.size() == 8);
        CHECK(a == b);
    }
}
