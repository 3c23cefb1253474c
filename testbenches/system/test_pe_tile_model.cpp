// The array's tile model (pe.tile_model, pe_timing.h) as a user sees it: the cycles the PE
// array's debug log prints for one matrix, against SCALE-Sim v2's closed form and the default
// model's formula worked by hand; and the weight load's bound by the weight SRAM's port.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
// The cycles of the first `label` line of a --log kelle/pe=debug run (pe_array.cpp's format:
// "kelle/pe: out_proj: <MACs> MACs, <cycles> cycles, ...").
std::uint64_t logged_cycles(const std::string& log, const std::string& label) {
    std::smatch match;
    const std::regex line("kelle/pe: " + label + ": [0-9]+ MACs, ([0-9]+) cycles,");
    if (!std::regex_search(log, match, line)) throw std::runtime_error("no " + label + " line in: " + log);
    return std::stoull(match[1]);
}

// One decode step of a one-layer LLaMA-2-7B (d = 4096: W_O is 4096 x 4096), prompt loaded
// without prefill compute, so out_proj's line is the step's only one.
std::string out_proj_log(std::uint64_t array, std::uint64_t batch, const std::string& tile_model) {
    const std::string trace = make_trace("pe_tiles.trace", "--model llama-2-7b --layers 1 --prompt 16 --decode 1 "
                                                           "--topk 8 --seed 1");
    const std::string n = std::to_string(array);
    const RunResult r = sim("--trace " + trace + " --log kelle/pe=debug --set workload.prefill_compute=false" +
                            " --set pe.rows=" + n + " --set pe.cols=" + n + " --set workload.batch=" +
                            std::to_string(batch) + " --set pe.tile_model=" + tile_model);
    if (r.status != 0) throw std::runtime_error("kelle-sim exited " + std::to_string(r.status) + ": " + r.err);
    return r.err;
}

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
}  // namespace

TEST_CASE("scalesim_ws: out_proj takes SCALE-Sim's tiles x (2R + C + M - 2) - 1 cycles", "[system][pe]") {
    // W_O: K = N = 4096, so ceil(4096 / R) x ceil(4096 / C) tiles; M = the batch.
    for (std::uint64_t array : {32u, 24u}) {
        for (std::uint64_t batch : {1u, 16u}) {
            INFO(array << " x " << array << ", batch " << batch);
            const std::uint64_t tiles = ceil_div(4096, array) * ceil_div(4096, array);
            const std::uint64_t expected = tiles * (2 * array + array + batch - 2) - 1;
            CHECK(logged_cycles(out_proj_log(array, batch, "scalesim_ws"), "out_proj") == expected);
        }
    }
    // The closed form at 32 x 32, batch 1, by hand: 16384 x 95 - 1 (issue 29's table).
    CHECK(logged_cycles(out_proj_log(32, 1, "scalesim_ws"), "out_proj") == 1556479);
}

TEST_CASE("double_buffered: out_proj takes the first load, max(M, load) a tile and one fill/drain", "[system][pe]") {
    // The default 128 B a cycle: a 32 x 32 INT8 tile loads in 8 cycles. Batch 1:
    // 8 + 16383 x 8 + 1 + 62 = 131,135; batch 16: 8 + 16383 x 16 + 16 + 62 = 262,214.
    CHECK(logged_cycles(out_proj_log(32, 1, "double_buffered"), "out_proj") == 131135);
    CHECK(logged_cycles(out_proj_log(32, 16, "double_buffered"), "out_proj") == 262214);
    // ideal: 16384 tiles x M.
    CHECK(logged_cycles(out_proj_log(32, 16, "ideal"), "out_proj") == 16384 * 16);
}

TEST_CASE("the array cannot load weights faster than the weight SRAM's port gives them", "[system][pe][bad-input]") {
    // The shipped weight SRAM moves 128 GB/s at 1 GHz: 128 B a cycle (platforms/base.ini).
    const RunResult r = sim("--set pe.weight_load_bytes_per_cycle=129");
    CHECK(r.status == 2);  // the value came from the command line
    CHECK(r.err.find("pe.weight_load_bytes_per_cycle") != std::string::npos);
    CHECK(r.err.find("128 B/cycle") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    // The port's own rate is accepted, and the other readings do not use the parameter.
    CHECK(sim("--set pe.weight_load_bytes_per_cycle=128").status == 0);
    CHECK(sim("--set pe.weight_load_bytes_per_cycle=129 --set pe.tile_model=ideal").status == 0);
}
