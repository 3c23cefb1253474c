// kelle-bench: how fast the platform simulates, against the cost floor of a bare TLM
// transaction on the same machine (docs/performance.md holds a run's output).
//
// Each row (model shape x context x kv.policy) is two kelle-sim processes on traces of d1 and
// d2 decode steps, so peak RSS is the row's own. Wall time per decode step is the d2 run's
// decode_wall_time_s (from the end of the prefill to the end of the run) over d2: the prompt's
// admission and the trace's prefill block stay out of it. TLM transactions and refresh bursts
// per step are the differences between the two runs over d2 - d1 (exact: both are
// deterministic). Both runs skip the prefill's compute (workload.prefill_compute=false: the
// prompt's K/V is still admitted and written); "prompt admission" is the d2 run's wall time
// before decode. The trace-length check runs with the prefill timed, as the platform does by
// default (platforms/kelle.ini, --set kv.policy=...).
//
//   kelle-bench [--work DIR] [--quick]
// --quick runs only the 1K and 4K rows (the 16K prefill dominates the full bench's minutes).
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <systemc>  // declares sc_main extern "C", as the kernel's main calls it
#include <vector>

#include "floor.h"

namespace kelle_bench {
namespace {

struct Options {
    std::string work_dir = KELLE_BENCH_WORK;
    bool quick = false;
};

struct RunStats {
    double wall_s = 0;
    double decode_wall_s = 0;
    double tlm_transactions = 0;
    double refresh_bursts = 0;
    double peak_rss_mb = 0;
};

struct Row {
    std::string model;
    int context_tokens;
    std::string policy;
    int d1, d2;  // decode steps of the two runs
};

struct RowResult {
    double step_wall_ms = 0;       // wall time per decode step
    double tx_per_step = 0;        // TLM transactions per decode step
    double bursts_per_step = 0;    // refresh bursts per decode step
    double admission_wall_s = 0;  // the prompt's K/V admitted and written, prefill compute off
    double peak_rss_mb = 0;
    double ns_per_tx() const { return step_wall_ms * 1e6 / tx_per_step; }
    double ns_per_event() const { return step_wall_ms * 1e6 / (tx_per_step + bursts_per_step); }
};

void shell(const std::string& command) {
    const int status = std::system(command.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("failed: " + command);
}

// Traces are cached in the work directory: generating one costs seconds, and it is not timed.
std::string trace_for(const Options& options, const std::string& model, int prompt, int decode) {
    const std::string path = options.work_dir + "/" + model + "_p" + std::to_string(prompt) + "_d" +
                             std::to_string(decode) + ".trace";
    if (std::ifstream(path).good()) return path;
    shell(std::string(KELLE_TRACEGEN) + " --model " + model + " --prompt " + std::to_string(prompt) + " --decode " +
          std::to_string(decode) + " --topk 32 --seed 1 --output " + path + ".tmp > /dev/null && mv " + path +
          ".tmp " + path);
    return path;
}

RunStats run_sim(const Options& options, const Row& row, int decode, const std::string& extra = "") {
    const std::string trace = trace_for(options, row.model, row.context_tokens, decode);
    const std::string json = options.work_dir + "/stats.json";
    shell(std::string(KELLE_SIM) + " --trace " + trace + " --set kv.policy=" + row.policy + " --stats-json " + json + extra +
          " > /dev/null");
    const nlohmann::json s = nlohmann::json::parse(std::ifstream(json));
    return RunStats{s["wall_time_s"].get<double>(), s["decode_wall_time_s"].get<double>(), s["tlm_transactions"].get<double>(),
                    s["refresh"]["bursts"].get<double>(), s["peak_rss_mb"].get<double>()};
}

RowResult measure(const Options& options, const Row& row) {
    const char* const decode_only = " --set workload.prefill_compute=false";
    const RunStats a = run_sim(options, row, row.d1, decode_only);
    const RunStats b = run_sim(options, row, row.d2, decode_only);
    const double steps = row.d2 - row.d1;
    RowResult r;
    r.step_wall_ms = b.decode_wall_s / row.d2 * 1e3;
    r.tx_per_step = (b.tlm_transactions - a.tlm_transactions) / steps;
    r.bursts_per_step = (b.refresh_bursts - a.refresh_bursts) / steps;
    r.admission_wall_s = b.wall_s - b.decode_wall_s;
    r.peak_rss_mb = std::max(a.peak_rss_mb, b.peak_rss_mb);
    return r;
}

std::vector<Row> rows(const Options& options) {
    std::vector<Row> out;
    for (const char* model : {"llama-2-7b", "llama-3.2-1b"})
        for (const int context : {1024, 4096, 16384}) {
            if (options.quick && context > 4096) continue;
            const bool big = std::string(model) == "llama-2-7b";
            for (const char* policy : {"full", "aerp"}) out.push_back({model, context, policy, 8, big ? 40 : 72});
        }
    return out;
}

void print_row(const Row& row, const RowResult& r, const FloorNs& floor) {
    std::printf("| %s | %dK | %s | %d-%d | %.1f | %.2f | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f |\n",
                row.model.c_str(), row.context_tokens / 1024, row.policy.c_str(), row.d1, row.d2,
                1e3 / r.step_wall_ms, r.step_wall_ms, r.tx_per_step, r.ns_per_tx(), r.ns_per_tx() / floor.loosely_timed_ns,
                r.bursts_per_step, r.ns_per_event(), r.admission_wall_s, r.peak_rss_mb);
    std::fflush(stdout);
}

// Fixed budget: the per-step wall time late in a long trace matches the early one.
void print_trace_length_check(const Options& options) {
    const Row row{"llama-2-7b", 4096, "aerp", 0, 0};
    const RunStats early = run_sim(options, row, 16), mid = run_sim(options, row, 64), late = run_sim(options, row, 256);
    std::printf("\nllama-2-7b 4K aerp, wall per decode step: steps 16-64 %.2f ms, steps 64-256 %.2f ms; "
                "whole 256-step run %.2f s wall (prefill included), peak RSS %.0f MB\n",
                (mid.decode_wall_s - early.decode_wall_s) / 48 * 1e3, (late.decode_wall_s - mid.decode_wall_s) / 192 * 1e3,
                late.wall_s,
                late.peak_rss_mb);
}

constexpr const char* kUsage = "usage: kelle-bench [--work DIR] [--quick] [--help]";

Options parse(int argc, char* argv[]) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::printf("%s\n  --work DIR  where traces are generated and cached\n"
                        "  --quick     without the 16K rows, under a minute\n", kUsage);
            std::exit(0);
        }
        if (arg == "--quick") options.quick = true;
        else if (arg == "--work" && i + 1 < argc) options.work_dir = argv[++i];
        else throw std::runtime_error(kUsage);
    }
    shell("mkdir -p " + options.work_dir);
    return options;
}

int run(int argc, char* argv[]) {
    const Options options = parse(argc, argv);
    const FloorNs floor = measure_floor(20'000'000, 2'000'000);
    std::printf("TLM floor on this machine: b_transport with annotated delay (loosely timed, no wait) %.1f ns, "
                "with wait() per transaction %.1f ns\n\n", floor.loosely_timed_ns, floor.with_wait_ns);
    std::printf("| model | context | kv.policy | decode steps | decode tokens / wall s | wall ms / step | "
                "TLM tx / step | wall ns / tx | x LT floor | refresh bursts / step | wall ns / (tx + burst) | "
                "prompt admission wall s | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const Row& row : rows(options)) print_row(row, measure(options, row), floor);
    print_trace_length_check(options);
    return 0;
}

}  // namespace
}  // namespace kelle_bench

// SystemC prints its banner before sc_main runs; a static initialiser runs earlier still.
const bool kSystemcBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

int sc_main(int argc, char* argv[]) {
    try {
        return kelle_bench::run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kelle-bench: %s\n", e.what());
        return 1;
    }
}
