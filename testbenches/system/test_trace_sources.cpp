// Traces that stay small (issue 13): kelle-sim on a gzip-compressed trace or on a recipe gives
// the stats of the plain trace kelle-tracegen writes from the same arguments, streams all three,
// and reports a broken one in one line naming the file.
#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {

// A LLaMA-3.2-1B shape cut to 2 layers (32 heads a layer, grouped 4 to a KV head): small enough
// to run in a second, with every part of a step in it.
const std::string kArguments = "--model llama-3.2-1b --layers 2 --prompt 64 --decode 24 --topk 16 --seed 5";

// The stats that describe the model's run: without the host's measures and the trace's path.
nlohmann::json model_stats(nlohmann::json stats) {
    for (const char* host_measure : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "trace"}) stats.erase(host_measure);
    return stats;
}

void expect_one_line_error(const std::string& arguments, const std::vector<std::string>& fragments) {
    const RunResult r = sim(arguments);
    INFO("args: " << arguments << "\nstderr: " << r.err);
    CHECK(r.status == 1);  // bad input file (README, exit statuses)
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    for (const std::string& fragment : fragments) CHECK(r.err.find(fragment) != std::string::npos);
}

}  // namespace

TEST_CASE("kelle-tracegen writes gzip for .gz, and kelle-sim gives the plain trace's stats", "[system][gzip]") {
    const std::string plain = make_trace("plain.trace", kArguments);
    const std::string gz = make_trace("plain.trace.gz", kArguments);
    const std::string bytes = slurp(gz);
    CHECK(bytes.substr(0, 2) == "\x1f\x8b");  // RFC 1952's magic
    // gzip(1), not our reader: the file is standard gzip of the very same text.
    const RunResult unpacked = run("gzip -dc " + gz);
    REQUIRE(unpacked.status == 0);
    CHECK(unpacked.out == slurp(plain));
    // Six-digit random scores compress about 2.8x at zlib's default level (measured on this
    // shape and on LLaMA-2-7B's); less than 2x would mean the writer is not compressing.
    CHECK(bytes.size() * 2 < slurp(plain).size());

    const nlohmann::json expected = model_stats(run_stats("plain", "--trace " + plain));
    CHECK(model_stats(run_stats("gz", "--trace " + gz)) == expected);
    // Recognised by its magic bytes, not its name.
    const std::string renamed = write_file("gzip_inside.trace", bytes);
    CHECK(model_stats(run_stats("renamed", "--trace " + renamed)) == expected);
    CHECK(expected["tokens"].get<int>() == 24);  // the decode steps asked for: the run did happen
}

TEST_CASE("a recipe gives the stats of the trace kelle-tracegen writes from its arguments", "[system][recipe]") {
    const std::string plain = make_trace("recipe_plain.trace", kArguments);
    const std::string recipe = write_file("same.recipe", kArguments + "\n");
    const nlohmann::json expected = model_stats(run_stats("recipe_plain", "--trace " + plain));
    CHECK(model_stats(run_stats("recipe", "--trace " + recipe)) == expected);
    CHECK(expected["tokens"].get<int>() == 24);
}

TEST_CASE("a recipe takes the paper's tasks", "[system][recipe]") {
    // lambada is prompt 128, decode 512 [paper §7] (kelle-tracegen --list-tasks).
    const std::string recipe = write_file("lambada.recipe", "--model tiny --task lambada --topk 2 --seed 7\n");
    const nlohmann::json s =
        run_stats("lambada", "--config " + source_path("testbenches/system/tiny.ini") + " --trace " + recipe);
    CHECK(s["prompt_tokens"].get<int>() == 128);
    CHECK(s["tokens"].get<int>() == 512);
}

TEST_CASE("a truncated or corrupt gzip trace is one line naming the file, exit 1", "[system][gzip][bad-input]") {
    const std::string bytes = slurp(make_trace("whole.trace.gz", kArguments));
    expect_one_line_error("--trace " + write_file("cut.trace.gz", bytes.substr(0, bytes.size() * 2 / 3)),
                          {"cut.trace.gz:", "gzip: truncated"});
    std::string corrupt = bytes;
    for (std::size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 64; ++i) corrupt[i] = static_cast<char>(~corrupt[i]);
    expect_one_line_error("--trace " + write_file("corrupt.trace.gz", corrupt), {"corrupt.trace.gz:"});
}

TEST_CASE("a bad recipe option is one line naming the recipe, line 1 and the option, exit 1", "[system][recipe][bad-input]") {
    expect_one_line_error("--trace " + write_file("typo.recipe", "--model tiny --prompt 2 --decode 3 --sed 7\n"),
                          {"typo.recipe:1: --sed: "});
    expect_one_line_error("--trace " + write_file("value.recipe", "--model tiny --prompt two --decode 3\n"),
                          {"value.recipe:1: --prompt: "});
}

TEST_CASE("gzip traces and recipes stream: memory does not grow with the decode steps", "[system][memory]") {
    // As for plain traces (test_default_run.cpp): 32x more steps may add the per-token latency
    // record (8 B a step) and allocator noise, not the trace.
    auto peak_rss_mb = [](const std::string& name, const std::string& trace) {
        return run_stats(name, "--trace " + trace)["peak_rss_mb"].get<double>();
    };
    auto arguments = [](int steps) {
        return "--model llama-3.2-1b --layers 2 --prompt 64 --decode " + std::to_string(steps) + " --topk 32 --seed 4";
    };
    const double gz_short = peak_rss_mb("gz16", make_trace("steps16.trace.gz", arguments(16)));
    const double gz_long = peak_rss_mb("gz512", make_trace("steps512.trace.gz", arguments(512)));
    CHECK(gz_long - gz_short < 2.0);
    const double recipe_short = peak_rss_mb("recipe16", write_file("steps16.recipe", arguments(16)));
    const double recipe_long = peak_rss_mb("recipe512", write_file("steps512.recipe", arguments(512)));
    CHECK(recipe_long - recipe_short < 2.0);
}
