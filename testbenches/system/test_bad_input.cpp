// Bad input never crashes, hangs or writes stats: one line on stderr naming the file (and the
// line or key), exit status 1 for bad files and unwritable outputs, 2 for the command line.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
std::vector<std::string> lines_of(const std::string& path) {
    std::istringstream in(slurp(path));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string tiny_trace() { return make_trace("bad_base.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 3"); }

// The 1-based number of the first line that starts with `prefix`.
int line_starting(const std::vector<std::string>& lines, const std::string& prefix) {
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (lines[i].rfind(prefix, 0) == 0) return static_cast<int>(i) + 1;
    return 0;
}

std::string tiny_config() { return " --config " + source_path("testbenches/system/tiny.ini"); }

// Runs kelle-sim expecting failure; checks status, a single line, the fragments, and that no
// stats file was left behind.
void expect_error(const std::string& arguments, int status, const std::vector<std::string>& fragments) {
    const std::string stats = tmp_path("bad_input_stats.json");
    std::remove(stats.c_str());
    const RunResult r = sim(arguments + " --stats-json " + stats);
    INFO("args: " << arguments << "\nstderr: " << r.err);
    CHECK(r.status == status);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    for (const std::string& fragment : fragments) CHECK(r.err.find(fragment) != std::string::npos);
    CHECK(!std::ifstream(stats).good());
}
}  // namespace

TEST_CASE("missing trace", "[bad-input]") {
    expect_error("--trace " + tmp_path("no_such.trace"), 1, {"no_such.trace"});
}

TEST_CASE("empty trace", "[bad-input]") {
    const std::string path = write_file("empty.trace", "");
    expect_error("--trace " + path, 1, {"empty.trace"});
}

TEST_CASE("binary trace", "[bad-input]") {
    const std::string path = write_file("binary.trace", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10));
    expect_error("--trace " + path, 1, {"binary.trace"});
}

TEST_CASE("truncated trace", "[bad-input]") {
    const auto lines = lines_of(tiny_trace());
    std::string cut;
    for (std::size_t i = 0; i + 2 < lines.size(); ++i) cut += lines[i] + "\n";
    const std::string path = write_file("truncated.trace", cut);
    expect_error(tiny_config() + " --trace " + path, 1, {"truncated.trace"});
}

TEST_CASE("malformed score line names its line", "[bad-input]") {
    auto lines = lines_of(tiny_trace());
    const int step_line = line_starting(lines, "step 1");
    REQUIRE(step_line > 0);
    lines[static_cast<std::size_t>(step_line)] = "0 0 0:abc";  // the score line after "step 1"
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    const std::string path = write_file("malformed.trace", text);
    expect_error(tiny_config() + " --trace " + path, 1, {"malformed.trace:" + std::to_string(step_line + 1) + ":"});
}

TEST_CASE("trace shape that disagrees with the config", "[bad-input]") {
    const std::string config =
        write_file("shape.ini", "include = " + source_path("platforms/base.ini") + "\n[model]\nlayers = 2\n");
    expect_error("--config " + config + " --trace " + tiny_trace(), 1, {"bad_base.trace", "model.layers", "shape.ini:3"});
}

TEST_CASE("a config that leaves a parameter unset is a one-line error naming it", "[bad-input]") {
    // No value is built into the program: a config without base.ini sets almost nothing.
    const std::string config = write_file("partial.ini", "platform = partial\n[model]\nlayers = 2\n");
    expect_error("--config " + config + " --trace " + tiny_trace(), 1, {"partial.ini", "model.name: has no value"});
}

TEST_CASE("unknown parameter in a config file names file, line and key", "[bad-input]") {
    const std::string config = write_file("unknown.ini", "[edram]\nbanks = 16\nrefresh_intervall_us = 45\n");
    expect_error("--config " + config, 1, {"unknown.ini:3", "edram.refresh_intervall_us"});
}

TEST_CASE("unknown parameter on the command line", "[bad-input]") {
    expect_error("--set kv.budget=3", 2, {"kv.budget"});
}

TEST_CASE("wrong type in a config file", "[bad-input]") {
    const std::string config = write_file("type.ini", "; header\n[pe]\nrows = many\n");
    expect_error("--config " + config, 1, {"type.ini:3", "pe.rows"});
}

TEST_CASE("wrong type on the command line", "[bad-input]") {
    expect_error("--set edram.refresh_interval_us=fast", 2, {"edram.refresh_interval_us"});
}

TEST_CASE("zero and negative sizes and intervals", "[bad-input]") {
    expect_error("--set edram.refresh_interval_us=0", 2, {"edram.refresh_interval_us"});
    expect_error("--set edram.banks=-4", 2, {"edram.banks"});
    expect_error("--set kv.budget_tokens=0", 2, {"kv.budget_tokens"});
    const std::string config = write_file("negative.ini", "[dram]\nbandwidth_gbps = -25.6\n");
    expect_error("--config " + config, 1, {"negative.ini:2", "dram.bandwidth_gbps"});
}

TEST_CASE("missing config file", "[bad-input]") {
    expect_error("--config " + tmp_path("no_such.ini"), 1, {"no_such.ini"});
}

TEST_CASE("unknown command-line option", "[bad-input]") {
    expect_error("--frobnicate", 2, {"frobnicate"});
}

TEST_CASE("unwritable stats path", "[bad-input]") {
    const RunResult r = sim("--stats-json /nonexistent_dir/s.json");
    CHECK(r.status == 1);
    CHECK(r.err.find("/nonexistent_dir/s.json") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("unwritable VCD path", "[bad-input]") {
    expect_error("--vcd /nonexistent_dir/w.vcd", 1, {"/nonexistent_dir/w.vcd"});
}

TEST_CASE("a directory given as a trace or config file", "[bad-input]") {
    expect_error("--trace " + std::string(KELLE_TEST_TMP), 1, {"is a directory"});
    expect_error("--config " + std::string(KELLE_TEST_TMP), 1, {"is a directory"});
}

TEST_CASE("a seed that is not a non-negative integer", "[bad-input]") {
    expect_error("--seed -1", 2, {"--seed"});
    expect_error("--seed 1e3", 2, {"--seed"});
}
