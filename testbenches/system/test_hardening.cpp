// Issue 15's defects, each run as a user would: absurd values end cleanly, unbounded inputs
// fail fast with a short line, outputs are replaced only when complete and only if regular
// files, and the helper tools behave. Each test names the defect it guards.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "system/run_tool.h"

using namespace kelle_test;
namespace fs = std::filesystem;

namespace {
int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

void expect_one_line_error(const RunResult& r, int status, const std::string& fragment) {
    INFO("stderr: " << r.err.substr(0, 400));
    CHECK(r.status == status);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(fragment) != std::string::npos);
    CHECK(r.err.size() < 400);
}

std::string tiny() { return tiny_arguments(); }
}  // namespace

TEST_CASE("values whose delays sc_time cannot hold end with one line, not a hang", "[hardening]") {
    // A 1e-300 MHz clock is a 1e302 ns cycle; 1e-300 GB/s makes a transfer last as long; a
    // 1e300 ns latency is one directly: each overflowed units.h's ns -> ps cast. Each parameter's
    // physical range now refuses them where they are set (units.h's guard stays behind it).
    expect_one_line_error(bounded_sim(tiny() + " --set clock_mhz=1e-300"), 2, "--set: clock_mhz: must be >= 1");
    expect_one_line_error(bounded_sim(tiny() + " --set dram.bandwidth_gbps=1e-300"), 2,
                          "--set: dram.bandwidth_gbps: must be >= 0.001");
    expect_one_line_error(bounded_sim(tiny() + " --set dram.latency_ns=1e300"), 2, "--set: dram.latency_ns: must be <= 1e+06");
}

TEST_CASE("a trace or config of /dev/zero fails at once with one line", "[hardening]") {
    // Both read ~4 GB before failing; the config case then ran with all defaults and exit 0.
    expect_one_line_error(bounded_sim("--trace /dev/zero"), 1, "/dev/zero:1: line longer than 1 MiB");
    expect_one_line_error(bounded_sim("--config /dev/zero"), 1, "/dev/zero:1: line longer than 4096 bytes");
}

TEST_CASE("a long config line is not echoed whole", "[hardening]") {
    // A 300 MB config line came back in the "one-line" error; 3000 characters show the cut.
    const std::string value(3000, '7');
    expect_one_line_error(bounded_sim("--config " + write_file("long_value.ini", "[pe]\nrows = x" + value + "\n")), 1,
                          "long_value.ini:2: pe.rows");
    expect_one_line_error(bounded_sim("--config " + write_file("long_line.ini", "[pe]\nrows = " + std::string(10000, '7') + "\n")),
                          1, "long_line.ini:2: line longer than 4096 bytes");
}

TEST_CASE("a platform name that is not UTF-8 is refused before the run", "[hardening]") {
    // It ran to the end and then died in the JSON writer (exit 3), leaving its VCD behind.
    const std::string vcd = tmp_path("latin1.vcd");
    const std::string config = write_file("latin1.ini", "include = " + source_path("testbenches/system/tiny.ini") +
                                                            "\nplatform = caf\xe9\n");
    const std::string trace = make_trace("latin1.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    expect_one_line_error(sim("--config " + config + " --trace " + trace + " --vcd " + vcd), 1, "latin1.ini:2: platform");
    CHECK_FALSE(fs::exists(vcd));
    expect_one_line_error(sim(tiny() + " --set 'platform=caf\xe9'"), 2, "platform");
}

TEST_CASE("stats are never renamed over a device; a symlink is followed", "[hardening][outputs]") {
    // rename() replaced /dev/full (through a symlink here) and the symlink itself with files.
    const std::string device_link = tmp_path("device.json");
    fs::remove(device_link);
    fs::create_symlink("/dev/full", device_link);
    expect_one_line_error(sim(tiny() + " --stats-json " + device_link), 1, "not a regular file");
    CHECK(fs::is_symlink(device_link));

    const std::string real = write_file("real.json", "old");
    const std::string link = tmp_path("link.json");
    fs::remove(link);
    fs::create_symlink(real, link);
    REQUIRE(sim(tiny() + " --stats-json " + link).status == 0);
    CHECK(fs::is_symlink(link));
    CHECK(read_json(real)["platform"] == "tiny");
}

TEST_CASE("a failed run leaves an earlier output as it was", "[hardening][outputs]") {
    // The step line of step 1 is broken: the run fails during the simulation, after the VCD began.
    const std::string good = make_trace("fail_late.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    std::string text = slurp(good);
    const auto step1 = text.find("step 1 context");
    REQUIRE(step1 != std::string::npos);
    text.replace(step1, 14, "step 1 contxt ");
    const std::string bad = write_file("fail_late_bad.trace", text);
    const std::string vcd = write_file("earlier.vcd", "earlier waveform");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + bad + " --vcd " + vcd);
    CHECK(r.status == 1);
    CHECK(slurp(vcd) == "earlier waveform");
    for (const auto& entry : fs::directory_iterator(KELLE_TEST_TMP))
        CHECK(entry.path().filename().string().find("earlier.vcd.") == std::string::npos);  // no temporary left
}

TEST_CASE("a VCD write error fails the run with one line and no waveform", "[hardening][outputs]") {
    // A full disk during VCD writing was ignored (exit 0, truncated waveform). A 64 KiB file-size
    // limit with SIGXFSZ ignored makes writes fail as a full disk does.
    const std::string vcd = tmp_path("full.vcd");
    fs::remove(vcd);
    const RunResult r = run("bash -c \"trap '' XFSZ; ulimit -f 64; exec " + std::string(KELLE_SIM) + " --vcd " + vcd + "\"");
    expect_one_line_error(r, 1, "--vcd: write failed");
    CHECK_FALSE(fs::exists(vcd));
}

TEST_CASE("one file given as both --stats-json and --vcd is refused", "[hardening][outputs]") {
    // The stats silently replaced the waveform.
    const std::string same = tmp_path("same.vcd");
    expect_one_line_error(sim(tiny() + " --stats-json " + same + " --vcd " + same), 2, "same file");
}

TEST_CASE("a trace written with the largest seed runs", "[hardening]") {
    const std::string trace = make_trace("max_seed.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 18446744073709551615");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace);
    INFO(r.err);
    CHECK(r.status == 0);
}

TEST_CASE("kelle-bench --help prints its usage and exits 0", "[hardening]") {
    const RunResult r = run(std::string(KELLE_BENCH) + " --help");
    CHECK(r.status == 0);
    CHECK(r.out.rfind("usage: kelle-bench", 0) == 0);
}

TEST_CASE("sweep-refresh without --out refuses instead of overwriting docs/results", "[hardening][sweep]") {
    // A stand-in simulator that fails: were --out optional, the run would start and fail on it.
    const RunResult r = run("/usr/bin/python3 " + source_path("scripts/sweep-refresh") + " --sim /bin/false");
    CHECK(r.status == 2);
    CHECK(r.err.find("--out") != std::string::npos);
}

TEST_CASE("a sweep killed with SIGTERM says so in one line and stops its runs", "[hardening][sweep]") {
    // It died with exit 143 and no word, its kelle-sim runs left to finish on their own.
    const std::string sleeper = write_file("sleeper.sh", "#!/bin/sh\nexec sleep 30\n");
    chmod(sleeper.c_str(), 0755);
    // In a subshell, so run()'s redirections take the sweep's stderr; exit 1 if it took 10 s to stop.
    const RunResult r = run("(/usr/bin/python3 " + source_path("scripts/sweep-refresh") + " --sim " + sleeper +
                            " --jobs 1 --out " + tmp_path("killed") + " & pid=$!; sleep 2; kill -TERM $pid; "
                            "start=$(date +%s); wait $pid; status=$?; [ $(( $(date +%s) - start )) -lt 10 ] && exit $status)");
    CHECK(r.status == 143);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find("sweep-refresh: terminated by SIGTERM") != std::string::npos);
}

TEST_CASE("values the registry accepted and the model could not hold are refused where they are set", "[hardening][config]") {
    // Each ran past 45 s, forever, or silently as something else before the parameters declared
    // their physical ranges (issue 15): a 2DRP interval of 1 ps, a batch of 2^63 - 1, 2^32 + 16
    // banks (run as 16), a 2^54 KB buffer (wrapped to 0), 1e300 MB of eDRAM (llround overflow) or of SRAM (held nothing),
    // a 1e12-cycle row refresh,
    // 1e308 pJ a MAC (null energies in the JSON).
    const std::pair<const char*, const char*> cases[] = {
        {"edram.2drp.important_msb_us=1e-6", "edram.2drp.important_msb_us: must be >= 0.001"},
        {"workload.batch=9223372036854775807", "workload.batch: must be <= "},
        {"edram.banks=4294967312", "edram.banks: must be <= 65536"},
        {"sram.banks=4294967312", "sram.banks: must be <= 65536"},
        {"sram.buffer_kb=18014398509481984", "sram.buffer_kb: must be <= "},
        {"edram.capacity_mb=1e300", "edram.capacity_mb: must be <= "},
        {"sram.kv_capacity_mb=1e300", "sram.kv_capacity_mb: must be <= "},
        {"edram.refresh_row_cycles=1e12", "edram.refresh_row_cycles: must be <= 1e+06"},
        {"pe.mac_pj=1e308", "pe.mac_pj: must be <= 1e+06"},
        {"dram.pj_per_bit=1e308", "dram.pj_per_bit: must be <= 1e+06"},
    };
    for (const auto& [set, message] : cases) {
        INFO(set);
        expect_one_line_error(bounded_sim(tiny() + " --set " + set), 2, std::string("--set: ") + message);
    }
}

TEST_CASE("refresh that would need more than a bank's whole time is refused", "[hardening][config]") {
    // tiny.ini's eDRAM: 8 KB in 2 banks of 1 KB rows = 4 rows a bank; a row refresh takes 1 cycle
    // at 1000 MHz = 1 ns, so a sweep of a bank takes 4 ns. A periodic interval of 0.002 us = 2 ns
    // asks for 200% of every bank's time (bursts would never end); 0.005 us = 80% is allowed.
    const std::string periodic = tiny() + " --set edram.refresh_policy=periodic --set edram.refresh_interval_us=";
    expect_one_line_error(bounded_sim(periodic + "0.002"), 2, "--set: edram.refresh_interval_us: refresh would need 200.0");
    CHECK(bounded_sim(periodic + "0.005").status == 0);
}

TEST_CASE("a rule broken by a --set value is the command line's error, not the file's", "[hardening][config]") {
    // kv.recent_tokens keeps its value, kv.budget_tokens comes from --set: the error once named where
    // kv.recent_tokens came from, with exit status 1. It blames the key set last, the --set one.
    expect_one_line_error(bounded_sim(tiny() + " --set kv.policy=h2o --set kv.budget_tokens=1"), 2,
                          "--set: kv.budget_tokens: breaks a rule of kv.recent_tokens (");
    expect_one_line_error(bounded_sim(tiny() + " --set kv.policy=h2o --set kv.budget_tokens=1"), 2,
                          "): must be smaller than kv.budget_tokens (1)");
}

TEST_CASE("an output whose directory takes no new file is refused before the run", "[hardening][outputs]") {
    // The old probe opened the target itself: a writable file in a directory where no file can be
    // created passed it, and the run then failed at the end, renaming its temporary file. An
    // immutable directory (chattr +i; root ignores permission bits, not this) is that case: the
    // existing target stays writable, no file can be created beside it.
    const std::string directory = tmp_path("immutable_out");
    fs::create_directories(directory);
    const std::string target = directory + "/stats.json";
    std::ofstream(target, std::ios::trunc) << "earlier";
    REQUIRE(run("chattr +i " + directory).status == 0);
    const RunResult r = bounded_sim(tiny() + " --stats-json " + target);
    run("chattr -i " + directory);
    expect_one_line_error(r, 1, target + ": --stats-json: cannot create a file in " + directory);
    CHECK(slurp(target) == "earlier");
}
