// Runs kelle-sim / kelle-tracegen as a child process, as a user would, and captures the exit
// status, stdout and stderr. SystemC elaborates once per process, so whole-platform tests run
// the real binary rather than building the hierarchy in the test process.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

namespace kelle_test {

struct RunResult {
    int status = -1;
    std::string out;
    std::string err;
};

// ctest runs test cases in parallel processes: prefixing the pid keeps their files apart.
inline std::string tmp_path(const std::string& name) {
    return std::string(KELLE_TEST_TMP) + "/" + std::to_string(getpid()) + "_" + name;
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string write_file(const std::string& name, const std::string& content) {
    const std::string path = tmp_path(name);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    return path;
}

inline RunResult run(const std::string& command_line) {
    static int counter = 0;
    const std::string stem = tmp_path("run" + std::to_string(++counter));
    const std::string command = command_line + " > " + stem + ".out 2> " + stem + ".err < /dev/null";
    const int raw = std::system(command.c_str());
    RunResult result;
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    result.out = slurp(stem + ".out");
    result.err = slurp(stem + ".err");
    std::remove((stem + ".out").c_str());
    std::remove((stem + ".err").c_str());
    return result;
}

inline RunResult sim(const std::string& arguments) { return run(std::string(KELLE_SIM) + " " + arguments); }

inline std::string make_trace(const std::string& name, const std::string& generator_arguments) {
    const std::string path = tmp_path(name);
    const RunResult r = run(std::string(KELLE_TRACEGEN) + " " + generator_arguments + " --output " + path);
    if (r.status != 0) throw std::runtime_error("kelle-tracegen failed: " + r.err);
    return path;
}

// kelle-sim under a 60 s limit (timeout exits 124) and, but under ASan, a 2 GB address-space
// limit: the defects the hardening tests guard hung or allocated gigabytes.
inline RunResult bounded_sim(const std::string& arguments) {
    const long limit_kb = KELLE_TEST_ADDRESS_LIMIT_KB;
    const std::string ulimit = limit_kb > 0 ? "ulimit -v " + std::to_string(limit_kb) + "; " : "";
    return run(ulimit + "timeout 60 " + std::string(KELLE_SIM) + " " + arguments);
}

inline nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(slurp(path)); }

inline std::string source_path(const std::string& relative) { return std::string(KELLE_SOURCE_DIR) + "/" + relative; }

// Runs kelle-sim with `arguments` and returns its stats JSON; a failed run throws with its stderr
// (Catch reports the message), so a test never reads a stale or missing stats file.
inline nlohmann::json run_stats(const std::string& name, const std::string& arguments) {
    const std::string stats = tmp_path(name + ".json");
    const RunResult r = sim(arguments + " --stats-json " + stats);
    if (r.status != 0) throw std::runtime_error("kelle-sim exited " + std::to_string(r.status) + ": " + r.err);
    return read_json(stats);
}

// The tiny platform (testbenches/system/tiny.ini) on the trace its hand derivations assume:
// model `tiny`, prompt 2, 3 decode steps, top-2 scores, seed 7.
inline std::string tiny_arguments() {
    const std::string trace = make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    return "--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace;
}

}  // namespace kelle_test
