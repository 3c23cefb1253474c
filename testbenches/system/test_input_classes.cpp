// Issue 28's classes of user input, one test each: none may end in exit 3 (internal error), a
// signal or a wrong blame. Each bad input gets one stderr line naming the file (or the command
// line), the line and the key, with exit status 1 for a file and 2 for the command line.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {

void expect_error(const RunResult& r, int status, const std::string& line_start) {
    INFO("stderr: " << r.err.substr(0, 400));
    CHECK(r.status == status);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("kelle-sim: error: " + line_start, 0) == 0);
}

std::string tiny() { return tiny_arguments(); }
std::string tiny_ini() { return source_path("testbenches/system/tiny.ini"); }

std::string recipe(const std::string& name, const std::string& arguments) {
    return write_file(name + ".recipe", "--model tiny --prompt 2 --decode 3 --topk 2 " + arguments + "\n");
}

}  // namespace

TEST_CASE("inputs that ended in exit 3 or a crash are input errors", "[input-classes]") {
    // The range allowed p_fail = 1, which the retention fit cannot take (a quantile of 1).
    const RunResult certain = bounded_sim(tiny() + " --set edram.retention_tail_p_fail=1");
    expect_error(certain, 2, "--set: edram.retention_tail_p_fail: breaks a rule of edram.retention_tail_us (");
    CHECK(certain.err.find("safe_p_fail < tail_p_fail < 1\n") != std::string::npos);
    // A pipe has no canonical path: the config is read all the same (run() gives its command
    // /dev/null as stdin, so the redirection is inside a subshell). Its includes name absolute
    // paths, as a pipe has no folder to resolve a relative one against.
    const std::string stats = tmp_path("piped.json");
    const std::string piped_ini = write_file("piped.ini", "include = " + tiny_ini() + "\n");
    const RunResult piped = run("( " + std::string(KELLE_SIM) + " --config /dev/stdin --stats-json " + stats + " --trace " +
                                make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7") +
                                " < " + piped_ini + " )");
    REQUIRE(piped.status == 0);
    CHECK(read_json(stats)["config"]["edram.capacity_mb"] == 0.0078125);  // tiny.ini's, not the default
    // A file whose reads fail (libstdc++'s filebuf throws).
    expect_error(bounded_sim(tiny_ini().insert(0, "--config ") + " --trace /proc/self/mem"), 1,
                 "/proc/self/mem: cannot read the file");
    expect_error(bounded_sim(tiny() + " --vcd " + tmp_path("late.vcd") + " --vcd-window us:0-1e14"), 2,
                 "command line: --vcd-window: the end is past the last time SystemC can hold");
    // A chain of includes was a recursion as deep as the chain: 10,000 overflowed the stack.
    std::string previous = tiny_ini();
    for (int i = 0; i < 100; ++i) previous = write_file("chain" + std::to_string(i) + ".ini", "include = " + previous + "\n");
    // chain99 includes chain98 ... : chain36 is the 64th file open and names the include it refuses.
    expect_error(bounded_sim("--config " + previous), 1, tmp_path("chain36.ini") + ":1: include: more than 64 files nested");
}

TEST_CASE("memory the input makes the model allocate is bounded before the run", "[input-classes]") {
    // One gated FFN matrix, 4096 x 2^24 x 2 at pe.weight_bytes = 2: 2^38 B = 262144 MB, streamed in one
    // transaction: past any machine this runs on (and the 2 GB limit here), it was std::bad_alloc.
    const std::string big = recipe("big_ffn", "--head-dim 4096 --hidden 4096 --ffn 16777216");
    expect_error(bounded_sim("--config " + tiny_ini() + " --trace " + big), 1,
                 big + ": model.ffn: needs about 262144 MB, over the ");
    // A budget past the context reserved 16 B x budget per (layer, KV head), 2 GB here; the
    // reservation stops at the context (480 + 32 positions), and the run fits.
    const std::string stats = tmp_path("big_budget.json");
    CHECK(bounded_sim("--set kv.budget_tokens=1048576 --stats-json " + stats).status == 0);
    CHECK(read_json(stats)["config"]["kv.budget_tokens"] == 1048576);
}

TEST_CASE("rules across parameters blame the key set last, with its file and line", "[input-classes]") {
    // Once blamed edram.retention_tail_us at base.ini:48, with exit 1.
    expect_error(bounded_sim(tiny() + " --set edram.retention_safe_p_fail=0.5"), 2,
                 "--set: edram.retention_safe_p_fail: breaks a rule of edram.retention_tail_us (");
    // Once blamed kv.policy at kelle.ini:9: the platform's own choice, not what the user changed.
    expect_error(bounded_sim("--set edram.functional=true"), 2,
                 "--set: edram.functional: breaks a rule of kv.policy (set at " + source_path("platforms/kelle.ini") +
                     ":9): aerp in functional mode is not built yet");
    // In files only: the overlay's line, not the included file's or "default".
    const std::string overlay = write_file("overlay.ini", "include = " + tiny_ini() + "\n[kv]\npolicy = h2o\nbudget_tokens = 1\n");
    expect_error(bounded_sim("--config " + overlay + " --trace " + make_trace("tiny.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7")),
                 1, overlay + ":4: kv.budget_tokens: breaks a rule of kv.recent_tokens");
    // An include of a directory names the including file and line.
    const std::string directory = tmp_path("include_dir");
    run("mkdir -p " + directory);
    const std::string includer =
        write_file("include_dir.ini", "; comment\ninclude = " + directory.substr(directory.rfind('/') + 1) + "\n");
    expect_error(bounded_sim("--config " + includer), 1, includer + ":2: include: " + directory + " is a directory");
}

TEST_CASE("nonsense that was silently accepted is refused", "[input-classes]") {
    expect_error(bounded_sim(tiny() + " my.trace"), 2, "command line: my.trace: not an option");
    // CR-only line ends read as one line: every setting after the first was dropped.
    const std::string cr = write_file("cr_only.ini", "include = " + tiny_ini() + "\r[kv]\rpolicy = h2o\r");
    expect_error(bounded_sim("--config " + cr), 1, cr + ":1: carriage return inside a line");
    // Recipe values once kept the preset (0), became 1 (gated 2) or wrapped (seed -1).
    for (const auto& [option, message] : {std::pair{"--layers 0", "--layers: must be > 0"},
                                          {"--heads 0", "--heads: must be > 0"},
                                          {"--dtype-bytes 0", "--dtype-bytes: must be > 0"},
                                          {"--gated-ffn 2", "--gated-ffn: must be 0 or 1, got 2"},
                                          {"--seed -1", "--seed: expected an integer from 0 to 2^64-1, got '-1'"}}) {
        const std::string path = recipe("bad_option", option);
        expect_error(bounded_sim("--config " + tiny_ini() + " --trace " + path), 1, path + ":1: " + message);
    }
    expect_error(bounded_sim(tiny() + " --set edram.capacity_mb=0x10"), 2, "--set: edram.capacity_mb: expected a real number, got '0x10'");
    expect_error(bounded_sim(tiny() + " --set 'kv.policy=h2o\nx'"), 2, "--set: kv.policy: control character");  // a real newline
    expect_error(bounded_sim(tiny() + " --stats-json ''"), 2, "command line: --stats-json: empty value");
    expect_error(run("( " + std::string(KELLE_SIM) + " " + tiny() + " > /dev/full )"), 1, "stdout: cannot write the summary");
}

TEST_CASE("undefined behaviour and slow paths of issue 28 are gone", "[input-classes]") {
    // A float -> int cast printed "step -2147483648".
    expect_error(bounded_sim(tiny() + " --vcd " + tmp_path("steps.vcd") + " --vcd-window steps:1-3000000000"), 2,
                 "command line: --vcd-window: decode steps go to 2147483647");
    // A 250-byte name is legal (at most 255); its temporary's name must stay within 255 bytes too.
    const std::string long_name = tmp_path(std::string(240, 'n') + ".json");  // 240 + tmp_path's "PID_" + 5
    CHECK(bounded_sim(tiny() + " --stats-json " + long_name).status == 0);
    CHECK(std::ifstream(long_name).good());
    // Ranges print exactly: kv.budget_tokens' bound is 2^24.
    expect_error(bounded_sim(tiny() + " --set kv.budget_tokens=16777217"), 2, "--set: kv.budget_tokens: must be <= 16777216");
    // A head line of 100,000 positions with a repeat at the end: found by sorting (the pairwise
    // check took seconds a line), and named.
    std::string trace = "kelle-trace 1\nmodel name=big layers=1 heads=1 kv_heads=1 head_dim=8 hidden=8 ffn=16 dtype_bytes=2 "
                        "gated_ffn=1\nprompt_tokens 100001\ndecode_steps 1\ntopk 100000\nbegin\nstep 0 context 100002\n0 0";
    for (int position = 0; position < 99999; ++position) trace += " " + std::to_string(position) + ":0";
    trace += " 5:0\n";
    const std::string path = write_file("repeated.trace", trace);
    const RunResult r = bounded_sim("--config " + tiny_ini() + " --trace " + path);
    CHECK(r.err.find("position 5 repeated") != std::string::npos);
    CHECK(r.status == 1);
}
