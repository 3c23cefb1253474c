// kelle-bench: how long a user waits per simulated token, against two floors measured on the
// same machine (docs/performance.md holds a run's output and reads it).
//
// Per-token table: one row per model x batch x budget N' on platforms/kelle.ini, with the
// paper's recent window N'/2 and a prompt of N' + 64 tokens, so the cache is at its budget from
// the first step (the steady state of a long decode). Each row is two kelle-sim processes on
// traces of d1 and d2 decode steps (peak RSS is the row's own), with the prefill's compute off
// (workload.prefill_compute=false: the prompt's K/V is still admitted and written). Wall per
// step, TLM transactions and refresh bursts per step are the differences between the runs over
// d2 - d1: the first steps after the prompt (heaps built, memory first touched) stay out, as
// they do in a long decode. Costs per simulated
// token divide by the batch; per (token x layer x KV slot) also by layers x KV heads x N', the
// K/V entries a step's work scales with. The token floor (token_floor.h) is the same decode
// loop without SystemC on the same trace.
//
// Capacity check: LLaMA-2-7B, batch 16, N' 2048, the same trace with the eDRAM at 4 MB and at
// 64 GB (16384 copies of the 4 MB array refreshing in parallel, as kv.onchip_capacity=retained
// sizes it): whole-run wall time and the ratio, with each run's modelled events (transactions
// and refresh bursts), since at 4 MB nothing of this batch fits on chip and nothing refreshes.
// A third run holds the cache on chip in a store of exactly its size: against 64 GB it models
// the same events, so their ratio is what the capacity alone costs. The three take turns, five
// times over, and each figure is a median (a ratio: of the five rounds' ratios), since one run
// of about a second moves by tens of percent, and at times by 2x, on a shared machine.
//
// PG19: the full shape, LLaMA-2-7B, prompt 512, 8192 decode steps, batch 16, N' 2048,
// prefill timed as shipped, from a one-line recipe (no trace file).
//
// Co-simulation (--cosim, instead of the above): the default run (platforms/kelle.ini, the bundled
// trace) with each RTL block in the loop, alone and in lockstep, against the all-TLM run:
// whole-process wall time (kelle-sim started directly, no shell), the two taking turns, each
// figure a median over the rounds and the ratio the median of the rounds' ratios
// (docs/cosim.md, "Wall time", holds a run).
//
//   kelle-bench [--work DIR] [--quick]
//   kelle-bench --cosim [--rounds N]
// --quick leaves out the PG19 run and the 2048-budget rows of the per-token table.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <systemc>  // declares sc_main extern "C", as the kernel's main calls it
#include <vector>

#include "floor.h"
#include "token_floor.h"

namespace kelle_bench {
namespace {

struct Options {
    std::string work_dir = KELLE_BENCH_WORK;
    bool quick = false;
    bool cosim = false;
    int rounds = 15;  // --cosim
};

struct RunStats {
    double wall_s = 0;
    double decode_wall_s = 0;
    double tlm_transactions = 0;
    double refresh_bursts = 0;
    double peak_rss_mb = 0;
};

struct Shape {
    const char* model;
    int layers;
    int kv_heads;
};
const Shape kShapes[] = {{"llama-2-7b", 32, 32}, {"llama-3.2-3b", 28, 8}};

struct Row {
    Shape shape;
    int batch;
    int budget;
    int d1, d2;  // decode steps of the two runs
    int prompt() const { return budget + 64; }
    // K/V entries a step touches per sequence: every (layer, KV head) holds N'.
    double kv_entries() const { return static_cast<double>(shape.layers) * shape.kv_heads * budget; }
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
          std::to_string(decode) + " --seed 1 --output " + path + ".tmp > /dev/null && mv " + path + ".tmp " + path);
    return path;
}

std::string budget_settings(int batch, int budget) {
    return " --set workload.batch=" + std::to_string(batch) + " --set kv.budget_tokens=" + std::to_string(budget) +
           " --set kv.recent_tokens=" + std::to_string(budget / 2);
}

RunStats run_sim(const Options& options, const std::string& trace, const std::string& settings) {
    const std::string json = options.work_dir + "/stats.json";
    shell(std::string(KELLE_SIM) + " --config " + KELLE_PLATFORMS + "/kelle.ini --trace " + trace + settings +
          " --stats-json " + json + " > /dev/null");
    const nlohmann::json s = nlohmann::json::parse(std::ifstream(json));
    return RunStats{s["wall_time_s"].get<double>(), s["decode_wall_time_s"].get<double>(), s["tlm_transactions"].get<double>(),
                    s["refresh"]["bursts"].get<double>(), s["peak_rss_mb"].get<double>()};
}

void per_token_row(const Options& options, const Row& row) {
    const std::string settings = budget_settings(row.batch, row.budget) + " --set workload.prefill_compute=false";
    const std::string short_trace = trace_for(options, row.shape.model, row.prompt(), row.d1);
    const std::string long_trace = trace_for(options, row.shape.model, row.prompt(), row.d2);
    const RunStats a = run_sim(options, short_trace, settings);
    const RunStats b = run_sim(options, long_trace, settings);
    // Kelle's eviction is H2O's rule with the 10 sinks (platforms/base.ini); the floor runs it alone.
    const TokenFloor floor = measure_token_floor(long_trace, kelle::KvPolicy::aep, static_cast<std::size_t>(row.budget),
                                                 static_cast<std::size_t>(row.budget / 2), 10);
    const double steps = row.d2 - row.d1;
    const double step_s = (b.decode_wall_s - a.decode_wall_s) / steps;
    const double floor_step_s = floor.decode_wall_s / floor.decode_steps;
    const double entries = row.kv_entries() * row.batch;
    std::printf("| %s | %d | %d | %d-%d | %.2f | %.1f | %.2f | %.2f | %.1f | %.0f | %.0f | %.0f |\n", row.shape.model,
                row.batch, row.budget, row.d1, row.d2, step_s * 1e3, step_s / row.batch * 1e6, step_s / entries * 1e9,
                floor_step_s / entries * 1e9, step_s / floor_step_s, (b.tlm_transactions - a.tlm_transactions) / steps,
                (b.refresh_bursts - a.refresh_bursts) / steps, std::max(a.peak_rss_mb, b.peak_rss_mb));
    std::fflush(stdout);
}

void per_token_table(const Options& options) {
    std::printf("| model | batch | N' | decode steps | wall ms / step | wall us / token | wall ns / (token x layer x "
                "KV slot) | floor ns / (token x layer x KV slot) | x floor | TLM tx / step | refresh bursts / step | "
                "peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const Shape& shape : kShapes)
        for (const int batch : {1, 16})
            for (const int budget : {256, 2048}) {
                if (options.quick && budget > 256) continue;
                per_token_row(options, Row{shape, batch, budget, 8, 40});
            }
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

void capacity_check(const Options& options) {
    const int budget = 2048, prompt = budget + 64, steps = 16, rounds = 5;
    const std::string trace = trace_for(options, "llama-2-7b", prompt, steps);
    const std::string settings = budget_settings(16, budget);
    std::vector<double> stated_s, big_s, own_size_s, big_over_stated, big_over_own_size;
    RunStats stated, big;
    for (int round = 0; round < rounds; ++round) {
        stated = run_sim(options, trace, settings);
        big = run_sim(options, trace, settings + " --set edram.capacity_mb=65536 --set edram.refresh_subarrays=16384");
        const RunStats own_size = run_sim(options, trace, settings + " --set kv.onchip_capacity=retained");
        stated_s.push_back(stated.wall_s);
        big_s.push_back(big.wall_s);
        own_size_s.push_back(own_size.wall_s);
        big_over_stated.push_back(big.wall_s / stated.wall_s);
        big_over_own_size.push_back(big.wall_s / own_size.wall_s);
    }
    std::printf("\nCapacity: llama-2-7b, prompt %d, %d decode steps, batch 16, N' 2048, medians of %d rounds: whole run "
                "%.2f s wall with the eDRAM at 4 MB, %.2f s at 64 GB (x%.2f, rounds x%.2f to x%.2f); TLM transactions + "
                "refresh bursts %.1f M / %.1f M; peak RSS %.0f / %.0f MB\n",
                prompt, steps, rounds, median(stated_s), median(big_s), median(big_over_stated),
                *std::min_element(big_over_stated.begin(), big_over_stated.end()),
                *std::max_element(big_over_stated.begin(), big_over_stated.end()),
                (stated.tlm_transactions + stated.refresh_bursts) * 1e-6, (big.tlm_transactions + big.refresh_bursts) * 1e-6,
                stated.peak_rss_mb, big.peak_rss_mb);
    std::printf("Capacity alone, the same events: the cache on chip in a store of its own size "
                "(kv.onchip_capacity=retained) %.2f s, in 64 GB %.2f s (x%.2f)\n",
                median(own_size_s), median(big_s), median(big_over_own_size));
    std::fflush(stdout);
}

void pg19_run(const Options& options) {
    const std::string recipe = options.work_dir + "/pg19.recipe";
    std::ofstream(recipe) << "--model llama-2-7b --task pg19 --seed 1\n";
    const RunStats run = run_sim(options, recipe, budget_settings(16, 2048));
    std::printf("\nPG19: llama-2-7b, prompt 512, 8192 decode steps, batch 16, N' 2048, from %s (no trace file): "
                "%.1f s wall (decode %.1f s, %.0f tokens / wall s), peak RSS %.0f MB\n",
                recipe.c_str(), run.wall_s, run.decode_wall_s, 8192.0 * 16 / run.decode_wall_s, run.peak_rss_mb);
}

// Whole-process wall seconds of kelle-sim with `args`, its output discarded.
double sim_wall_s(const std::vector<std::string>& args) {
    std::vector<char*> argv{const_cast<char*>(KELLE_SIM)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    const auto start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, KELLE_SIM, &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    int status = 0;
    if (spawned != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string command = KELLE_SIM;
        for (const std::string& arg : args) command += " " + arg;
        throw std::runtime_error("failed: " + command);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct CosimRun {
    const char* name;
    std::vector<std::string> settings;
};

void cosim_overhead(const Options& options) {
    const std::vector<CosimRun> runs = {
        {"`pe.evictor_impl=rtl` (64-bit)", {"--set", "pe.evictor_impl=rtl"}},
        {"`pe.evictor_impl=rtl`, `pe.score_bits=4`", {"--set", "pe.evictor_impl=rtl", "--set", "pe.score_bits=4"}},
        {"`edram.refresh_impl=rtl`", {"--set", "edram.refresh_impl=rtl"}},
        {"`cosim.lockstep=evictor`", {"--set", "cosim.lockstep=evictor"}},
        {"`cosim.lockstep=refresh`", {"--set", "cosim.lockstep=refresh"}},
        {"`cosim.lockstep=all`", {"--set", "cosim.lockstep=all"}},
        {"`cosim.lockstep=all`, `pe.score_bits=4`", {"--set", "cosim.lockstep=all", "--set", "pe.score_bits=4"}},
    };
    std::printf("Co-simulation: the default run, whole-process wall time, medians of %d rounds (the RTL run and the "
                "all-TLM run in turn)\n\n| run | wall s | all-TLM wall s | / tlm | rounds' range |\n"
                "|---|---|---|---|---|\n",
                options.rounds);
    sim_wall_s({});  // warm-up: the page cache, the trace
    for (const CosimRun& run : runs) {
        std::vector<double> rtl_s, tlm_s, ratios;
        for (int round = 0; round < options.rounds; ++round) {
            rtl_s.push_back(sim_wall_s(run.settings));
            tlm_s.push_back(sim_wall_s({}));
            ratios.push_back(rtl_s.back() / tlm_s.back());
        }
        std::printf("| %s | %.3f | %.3f | %.1f | %.1f to %.1f |\n", run.name, median(rtl_s), median(tlm_s), median(ratios),
                    *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()));
        std::fflush(stdout);
    }
}

constexpr const char* kUsage = "usage: kelle-bench [--work DIR] [--quick] [--cosim [--rounds N]] [--help]";

int parse_rounds(const std::string& text) {
    std::size_t end = 0;
    int rounds = 0;
    try {
        rounds = std::stoi(text, &end);
    } catch (const std::exception&) {
        end = 0;
    }
    if (end != text.size() || rounds < 1 || rounds > 1000)
        throw std::runtime_error("--rounds: '" + text + "' is not a whole number from 1 to 1000");
    return rounds;
}

Options parse(int argc, char* argv[]) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::printf("%s\n  --work DIR  where traces are generated and cached\n"
                        "  --quick     without the PG19 run and the N' 2048 rows\n"
                        "  --cosim     only the co-simulation overhead on the default run\n"
                        "  --rounds N  its rounds (default 15)\n", kUsage);
            std::exit(0);
        }
        if (arg == "--quick") options.quick = true;
        else if (arg == "--cosim") options.cosim = true;
        else if (arg == "--work" && i + 1 < argc) options.work_dir = argv[++i];
        else if (arg == "--rounds" && i + 1 < argc) options.rounds = parse_rounds(argv[++i]);
        else throw std::runtime_error(kUsage);
    }
    shell("mkdir -p " + options.work_dir);
    return options;
}

int run(int argc, char* argv[]) {
    const Options options = parse(argc, argv);
    if (options.cosim) {
        cosim_overhead(options);
        return 0;
    }
    const FloorNs floor = measure_floor(20'000'000, 2'000'000);
    std::printf("TLM floor on this machine: b_transport with annotated delay (loosely timed, no wait) %.1f ns, "
                "with wait() per transaction %.1f ns\n\n", floor.loosely_timed_ns, floor.with_wait_ns);
    per_token_table(options);
    capacity_check(options);
    if (!options.quick) pg19_run(options);
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
