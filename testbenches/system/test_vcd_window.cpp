// Bounded waveforms: --vcd-window (a span of decode steps or of simulated time) and
// --vcd-signals (glob patterns over dotted signal names), and the --progress line.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "system/run_tool.h"
#include "system/vcd_text.h"

using namespace kelle_test;

namespace {

std::set<std::uint64_t> values_of(const Vcd& vcd, const std::string& name) {
    std::set<std::uint64_t> values;
    const auto id = vcd.id_of.find(name);
    if (id == vcd.id_of.end()) return values;
    for (const auto& change : vcd.changes.at(id->second)) values.insert(change.second);
    return values;
}

// A LLaMA-3.2-1B shape, as the bundled trace, at a shorter prompt: 8 decode steps.
std::string small_trace() {
    return make_trace("vcd_small.trace", "--model llama-3.2-1b --prompt 128 --decode 8 --topk 16 --seed 1");
}

nlohmann::json without_host_measures(nlohmann::json stats) {
    for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "trace"}) stats.erase(key);
    return stats;
}

bool temporaries_left(const std::string& target) {
    const std::string stem = "." + std::filesystem::path(target).filename().string() + ".";
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(target).parent_path()))
        if (entry.path().filename().string().rfind(stem, 0) == 0) return true;
    return false;
}

}  // namespace

TEST_CASE("a VCD window of steps A-B writes only those decode steps, with a value dump at the start", "[system][vcd]") {
    const std::string trace = small_trace();
    const std::string full = tmp_path("window_full.vcd"), part = tmp_path("window_part.vcd");
    const nlohmann::json full_stats = run_stats("window_full", "--trace " + trace + " --vcd " + full);
    const nlohmann::json part_stats =
        run_stats("window_part", "--trace " + trace + " --vcd " + part + " --vcd-window steps:5-6");
    CHECK(without_host_measures(part_stats).dump() == without_host_measures(full_stats).dump());

    const Vcd vcd = parse_vcd(slurp(part));
    CHECK(vcd.dumpvars_after_time);
    // Steps 5 and 6 (1-based) are host.step 4 and 5. The window's edges are instants where one
    // step ends and the next begins: the dump at the start shows step 5 begun, the last time
    // step step 7 begun.
    REQUIRE(!vcd.times.empty());
    const auto& steps = vcd.changes.at(vcd.id_of.at("host.step"));
    REQUIRE(steps.size() == 3);
    CHECK(steps[0] == std::make_pair(vcd.times.front(), std::uint64_t{4}));
    CHECK(steps[1].second == 5);
    CHECK(steps[2] == std::make_pair(vcd.times.back(), std::uint64_t{6}));
    CHECK(vcd.times.front() > 0);
    CHECK(std::is_sorted(vcd.times.begin(), vcd.times.end()));
    CHECK(values_of(vcd, "pe.busy") == std::set<std::uint64_t>{0, 1});
    // Two of the eight steps, without the prefill: well under a quarter of the whole run's bytes.
    const auto full_bytes = std::filesystem::file_size(full), part_bytes = std::filesystem::file_size(part);
    INFO("full " << full_bytes << " B, window " << part_bytes << " B");
    CHECK(part_bytes * 4 < full_bytes);
    // Every signal of the whole run is in the window's file too.
    CHECK(parse_vcd(slurp(full)).id_of.size() == vcd.id_of.size());

    const RunResult convert = run("vcd2fst " + part + " " + tmp_path("window_part.fst"));
    INFO(convert.err);
    CHECK(convert.status == 0);
}

TEST_CASE("a two-step window of a 256-step LLaMA-2-7B run stays under 40 MB", "[system][vcd][7b]") {
    // The case (prompt 512, 256 decode steps, platforms/kelle.ini), with the whole
    // retained cache in the eDRAM (kv.onchip_capacity = retained) so that its 32 banks refresh
    // throughout: at the stated 4 MB the 7B's K/V spills to DRAM and the eDRAM is idle. About
    // 10 s of wall time; the whole run's VCD would be 80 MB (docs/performance.md).
    const std::string trace = make_trace("vcd_7b.trace", "--model llama-2-7b --prompt 512 --decode 256");
    const std::string vcd_path = tmp_path("window_7b.vcd");
    const RunResult r = sim("--trace " + trace + " --set kv.onchip_capacity=retained --vcd " + vcd_path +
                            " --vcd-window steps:100-101");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(std::filesystem::file_size(vcd_path) < 40u * 1000 * 1000);
    const Vcd vcd = parse_vcd(slurp(vcd_path));
    const auto& steps = vcd.changes.at(vcd.id_of.at("host.step"));
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].second == 99);
    CHECK(steps[2].second == 101);
    CHECK(values_of(vcd, "edram.refresh_bank31") == std::set<std::uint64_t>{0, 1});
    std::filesystem::remove(trace);
}

TEST_CASE("a VCD window of us T0-T1 starts at T0 exactly and writes nothing after T1", "[system][vcd]") {
    const std::string trace = small_trace();
    const std::string vcd_path = tmp_path("window_us.vcd");
    const RunResult r = sim("--trace " + trace + " --vcd " + vcd_path + " --vcd-window us:40-45.5");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const Vcd vcd = parse_vcd(slurp(vcd_path));
    REQUIRE(!vcd.times.empty());
    CHECK(vcd.dumpvars_after_time);
    CHECK(vcd.times.front() == 40000000);  // ps
    CHECK(vcd.times.back() == 45500000);
    CHECK(values_of(vcd, "edram.refresh_bank0").size() >= 1);
}

TEST_CASE("VCD signal patterns declare only the matching signals, and the stats do not change", "[system][vcd]") {
    const std::string trace = small_trace();
    const std::string all_path = tmp_path("signals_all.vcd"), some_path = tmp_path("signals_some.vcd");
    const nlohmann::json all_stats = run_stats("signals_all", "--trace " + trace + " --vcd " + all_path);
    const nlohmann::json some_stats = run_stats(
        "signals_some", "--trace " + trace + " --vcd " + some_path + " --vcd-signals 'edram.refresh_*'");
    CHECK(without_host_measures(some_stats).dump() == without_host_measures(all_stats).dump());

    const Vcd all = parse_vcd(slurp(all_path)), some = parse_vcd(slurp(some_path));
    std::set<std::string> expected, kept;
    for (const auto& entry : all.id_of)
        if (entry.first.rfind("edram.refresh_", 0) == 0) expected.insert(entry.first);
    for (const auto& entry : some.id_of) kept.insert(entry.first);
    CHECK(kept == expected);
    CHECK(kept.count("edram.refresh_bank0") == 1);
    CHECK(kept.count("edram.refresh_stall") == 1);

    // Comma-separated and repeated patterns add up.
    const std::string two_path = tmp_path("signals_two.vcd");
    const RunResult r = sim("--trace " + trace + " --vcd " + two_path + " --vcd-signals pe.busy,host.step --vcd-signals 'dram.*'");
    REQUIRE(r.status == 0);
    std::set<std::string> two;
    for (const auto& entry : parse_vcd(slurp(two_path)).id_of) two.insert(entry.first);
    CHECK(two == std::set<std::string>{"pe.busy", "host.step", "dram.busy"});
}

TEST_CASE("bad VCD window and signal pattern values: one line naming the option, no output file", "[system][vcd][bad-input]") {
    const std::string trace = small_trace();
    const std::string vcd = tmp_path("bad_window.vcd");
    const struct {
        std::string arguments, option, fragment;
    } cases[] = {
        {"--vcd " + vcd + " --vcd-window steps:5-2", "--vcd-window", "end comes before the start"},
        {"--vcd " + vcd + " --vcd-window ms:1-2", "--vcd-window", "steps:A-B or us:T0-T1"},
        {"--vcd " + vcd + " --vcd-window steps:0-2", "--vcd-window", "from 1"},
        {"--vcd " + vcd + " --vcd-window steps:7-9", "--vcd-window", "past the trace's 8 decode steps"},
        {"--vcd " + vcd + " --vcd-window us:1e9-2e9", "--vcd-window", "before the window starts"},
        {"--vcd " + vcd + " --vcd-window us:x-2", "--vcd-window", "'x' is not a number"},
        {"--vcd-window steps:1-2", "--vcd-window", "needs --vcd"},
        {"--vcd-signals pe.busy", "--vcd-signals", "needs --vcd"},
        {"--vcd " + vcd + " --vcd-signals 'pe.busy,edram.nothing*'", "--vcd-signals", "'edram.nothing*' matches no signal"},
        {"--vcd " + vcd + " --vcd-signals 'pe.busy,'", "--vcd-signals", "empty pattern"},
    };
    for (const auto& c : cases) {
        std::filesystem::remove(vcd);
        const RunResult r = sim("--trace " + trace + " " + c.arguments);
        INFO(c.arguments << "\nstderr: " << r.err);
        CHECK(r.status == 2);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(r.err.find(c.option + ": ") != std::string::npos);
        CHECK(r.err.find(c.fragment) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(vcd));
        CHECK_FALSE(temporaries_left(vcd));
    }
}

TEST_CASE("the progress line shows the prefill's layers, then decode tokens per second and an ETA", "[system][progress]") {
    const std::string trace = small_trace();
    const RunResult r = sim("--trace " + trace + " --set workload.batch=4 --progress");
    INFO(r.err);
    REQUIRE(r.status == 0);
    // Not a terminal: plain lines, the last of each phase always there.
    CHECK(r.err.find("prefill layer 16/16") != std::string::npos);
    CHECK(r.err.find("decode step 8/8") != std::string::npos);
    CHECK(r.err.find("tokens/s wall (batch 4)") != std::string::npos);
    CHECK(r.err.find("ETA 0s") != std::string::npos);
    CHECK(r.err.find('\r') == std::string::npos);
    CHECK(r.err.find('\033') == std::string::npos);
    CHECK(r.err.find("prefill layer 16/16") < r.err.find("decode step 8/8"));
    CHECK(r.out.find("decode step 8/8") == std::string::npos);
}
