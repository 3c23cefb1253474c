// kelle-sim: runs one configuration of the Kelle virtual platform on one decode trace.
//
//   kelle-sim                       embedded default: platforms/kelle.ini, the bundled trace
//   kelle-sim --config F --trace T --stats-json S --vcd W --set section.key=value ...
//   kelle-sim --checkpoint M [--prompt-ids P] [--decode N] [--topk K] ...   execution-driven: the
//                                   model runs inside the platform instead of a trace
//
// Exit status: 0 success, 1 bad input file (config, trace), unwritable output or an RTL block's
// error (co-simulation, docs/cosim.md), 2 bad command line, 3 internal model error, 4 the
// retention monitor saw a live row pass its deadline, 5 cosim.lockstep saw the TLM model and an
// RTL block differ (the line names the time, the block and both values). Every error is one
// line on stderr.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <systemc>

#include "config/config.h"
#include "common/error.h"
#include "trace/generator_arguments.h"
#include "common/line_reader.h"
#include "common/log.h"
#include "waveform/vcd_writer.h"
#include "model/decode.h"
#include "platform.h"
#include "summary.h"
#include "vcd_window.h"
#include "cosim/rtl_fault.h"
#if KELLE_WITH_RTL_REFRESH
#include "cosim/lockstep_refresh.h"
#include "rtl_refresh/rtl_refresh_scheduler.h"
#endif
#if KELLE_WITH_RTL_EVICTOR
#include "rtl_evictor/rtl_evictor.h"
#endif

namespace po = boost::program_options;
using namespace kelle;

namespace {

struct Options {
    std::string config = KELLE_DEFAULT_CONFIG;
    std::string trace = KELLE_DEFAULT_TRACE;
    std::vector<std::string> sets;
    std::vector<std::string> logs;
    std::string stats_json;
    std::string vcd;
    std::string vcd_window;                // empty: the whole run
    std::vector<std::string> vcd_signals;  // each a comma-separated list of patterns
    bool trace_given = false;
    std::string checkpoint;  // execution-driven decode (docs/architecture.md)
    std::string prompt_ids;
    int decode = 256;
    int topk = 16;
    bool decode_given = false, topk_given = false;
    std::string seed_text = "1";
    std::uint64_t seed = 1;
    bool progress = false;
    bool help = false;
};

po::options_description cli_options(Options& o) {
    po::options_description d("kelle-sim options");
    d.add_options()
        ("help,h", po::bool_switch(&o.help), "list options and every parameter, then exit")
        ("config", po::value(&o.config), "platform .ini (default: platforms/kelle.ini)")
        ("trace", po::value(&o.trace), "decode trace: text, gzip, or a .recipe of kelle-tracegen arguments (default: traces/default.recipe)")
        ("checkpoint", po::value(&o.checkpoint),
         "execution-driven decode: run this llama2.c checkpoint inside the platform instead of a trace")
        ("prompt-ids", po::value(&o.prompt_ids), "with --checkpoint: the prompt's token ids after BOS (a text file)")
        ("decode", po::value(&o.decode), "with --checkpoint: decode steps (default 256)")
        ("topk", po::value(&o.topk), "with --checkpoint: scores kept per query head and step, as in a trace (default 16)")
        ("set", po::value(&o.sets)->composing(), "override a parameter: section.key=value (repeatable)")
        ("stats-json", po::value(&o.stats_json), "write the stats JSON here (docs/stats.md)")
        ("vcd", po::value(&o.vcd), "write a VCD waveform here (name must end in .vcd)")
        ("vcd-window", po::value(&o.vcd_window),
         "write the VCD over part of the run only: steps:A-B (decode steps A to B, 1-based as --progress counts, "
         "inclusive) or us:T0-T1 (simulated microseconds, inclusive)")
        ("vcd-signals", po::value(&o.vcd_signals)->composing(),
         "declare only the VCD signals whose dotted names match these glob patterns, e.g. 'edram.refresh_*' "
         "(comma-separated or repeatable)")
        ("seed", po::value(&o.seed_text), "seed of the functional mode's retention bit flips (edram.functional)")
        ("progress", po::bool_switch(&o.progress),
         "report progress on stderr (phase, tokens/s, ETA) even when it is not a terminal")
        ("log", po::value(&o.logs)->composing(),
         "one module's messages on stderr: TYPE=off|warning|info|debug, TYPE one of kelle/host, kelle/sequencer, "
         "kelle/kvcache, kelle/edram, kelle/pe, or kelle for all (repeatable; default warning)");
    return d;
}

void load_parameters(const Options& options, ParamRegistry& registry) {
    registry.load_ini(options.config);
    for (const std::string& assignment : options.sets) registry.apply_assignment(assignment);
}

InputError command_line_error(const std::string& option, const std::string& message) {
    return InputError("command line", 0, option, message, InputOrigin::command_line);
}

// `--stats-json ""` would otherwise mean "no stats file" and `--config ""` a missing file named "".
void refuse_empty_values(const po::variables_map& vm) {
    for (const auto& [name, value] : vm) {
        const auto* text = boost::any_cast<std::string>(&value.value());
        if (text && text->empty() && !value.defaulted())
            throw command_line_error("--" + name, "empty value");
    }
}

// --checkpoint replaces --trace; --prompt-ids, --decode and --topk go with it only.
void check_checkpoint_options(const Options& o) {
    if (o.checkpoint.empty()) {
        if (!o.prompt_ids.empty()) throw command_line_error("--prompt-ids", "goes with --checkpoint only");
        if (o.decode_given) throw command_line_error("--decode", "goes with --checkpoint only");
        if (o.topk_given) throw command_line_error("--topk", "goes with --checkpoint only");
        return;
    }
    if (o.trace_given) throw command_line_error("--trace", "does not go with --checkpoint (the model replaces the trace)");
    if (o.decode <= 0) throw command_line_error("--decode", "must be > 0");
    if (o.topk <= 0) throw command_line_error("--topk", "must be > 0");
}

Options parse_command_line(int argc, char* argv[], ParamRegistry& registry) {
    Options options;
    const po::options_description description = cli_options(options);
    try {
        po::variables_map vm;
        const po::parsed_options parsed = po::command_line_parser(argc, argv).options(description).run();
        refuse_positional(parsed, ArgumentOrigin{"command line", 0, InputOrigin::command_line});
        po::store(parsed, vm);
        po::notify(vm);
        refuse_empty_values(vm);
        options.trace_given = vm.count("trace") > 0;
        options.decode_given = vm.count("decode") > 0;
        options.topk_given = vm.count("topk") > 0;
    } catch (const po::error& e) {
        throw InputError("command line", 0, "", std::string(e.what()) + " (see kelle-sim --help)",
                         InputOrigin::command_line);
    }
    const char* const seed_end = options.seed_text.data() + options.seed_text.size();
    const auto parsed = std::from_chars(options.seed_text.data(), seed_end, options.seed);
    if (parsed.ec != std::errc() || parsed.ptr != seed_end)
        throw InputError("command line", 0, "--seed", "expected an integer from 0 to 2^64-1, got '" + options.seed_text + "'",
                         InputOrigin::command_line);
    check_checkpoint_options(options);
    if (options.help) {
        load_parameters(options, registry);
        std::cout << "kelle-sim: SystemC/TLM-2.0 virtual platform of the Kelle eDRAM LLM accelerator\n\n"
                  << description << "\nParameters (set in the .ini or with --set section.key=value), as " << options.config
                  << (options.sets.empty() ? "" : " and --set") << " set them:\n"
                  << registry.help_text();
        std::exit(0);
    }
    return options;
}

// An output (--stats-json, --vcd) is written to a temporary file beside its target and renamed
// over the target only when complete, so a failed run leaves the target as it was
// (docs/outputs.md). A symlink is followed: the file it points to is replaced, the link stays.
// Only a regular file is replaced: rename() would swap a device such as /dev/full for a file.
class OutputFile {
public:
    // The temporary file is created here, before the simulation: that is the writability probe,
    // and it tests the directory the file is really written in.
    OutputFile(const std::string& path, const std::string& option, const std::string& suffix)
        : path_(path), option_(option), target_(resolve(path, option)) {
        const std::filesystem::path directory = target_.has_parent_path() ? target_.parent_path() : ".";
        const std::string tail = "." + std::to_string(getpid()) + ".tmp" + suffix;
        // The name a directory entry can have (NAME_MAX): a long target's name is cut in its temporary's.
        const std::string name = target_.filename().string().substr(0, kMaxNameBytes - 1 - tail.size());
        temporary_ = (directory / ("." + name + tail)).string();
        if (!std::ofstream(temporary_, std::ios::trunc))
            throw InputError(path, 0, option, "cannot create a file in " + directory.string());
    }
    ~OutputFile() {
        if (!temporary_.empty()) std::remove(temporary_.c_str());
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    const std::string& temporary() const { return temporary_; }
    const std::filesystem::path& target() const { return target_; }
    [[noreturn]] void fail(const std::string& message) const { throw InputError(path_, 0, option_, message); }

    void commit() {
        if (std::rename(temporary_.c_str(), target_.c_str()) != 0) fail("cannot replace the file");
        temporary_.clear();
    }

private:
    static constexpr std::size_t kMaxNameBytes = 255;

    static std::filesystem::path resolve(const std::string& path, const std::string& option) {
        namespace fs = std::filesystem;
        std::error_code error;
        const fs::path target = fs::is_symlink(path, error) ? fs::weakly_canonical(path, error) : fs::path(path);
        const fs::file_status status = fs::status(target, error);
        if (fs::is_symlink(path, error) && !fs::exists(status))
            throw InputError(path, 0, option, "is a symlink to nothing");
        if (fs::exists(status) && !fs::is_regular_file(status))
            throw InputError(path, 0, option, "exists and is not a regular file (kelle-sim replaces only regular files)");
        return target;
    }

    std::string path_, option_;
    std::filesystem::path target_;
    std::string temporary_;
};

// Two outputs on one file would leave only the one renamed last.
void check_distinct(const OutputFile* stats, const OutputFile* vcd) {
    if (!stats || !vcd) return;
    std::error_code error;
    if (std::filesystem::weakly_canonical(stats->target(), error) == std::filesystem::weakly_canonical(vcd->target(), error))
        throw InputError("command line", 0, "--vcd", "is the same file as --stats-json", InputOrigin::command_line);
}

void write_stats(OutputFile& file, const std::string& text) {
    {
        std::ofstream out(file.temporary(), std::ios::trunc);
        out << text << '\n';
        out.close();
        if (!out) file.fail("write failed");
    }
    file.commit();
}

// --vcd-signals: every pattern of every occurrence, split at commas.
std::vector<std::string> signal_patterns(const std::vector<std::string>& lists) {
    std::vector<std::string> patterns;
    for (const std::string& list : lists) {
        std::size_t start = 0;
        for (std::size_t comma = list.find(','); ; comma = list.find(',', start)) {
            const std::string pattern = list.substr(start, comma == std::string::npos ? comma : comma - start);
            if (pattern.empty()) throw command_line_error("--vcd-signals", "empty pattern in '" + list + "'");
            patterns.push_back(pattern);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return patterns;
}

// Checks --vcd-window and --vcd-signals against --vcd and the trace before any output is made.
std::optional<VcdWindow> vcd_window(const Options& options, const TraceHeader& trace) {
    if (options.vcd.empty() && (!options.vcd_window.empty() || !options.vcd_signals.empty()))
        throw command_line_error(options.vcd_window.empty() ? "--vcd-signals" : "--vcd-window", "needs --vcd");
    if (options.vcd_window.empty()) return std::nullopt;
    VcdWindow window;
    try {
        window = VcdWindow::parse(options.vcd_window);
    } catch (const std::invalid_argument& e) {
        throw command_line_error("--vcd-window", e.what());
    }
    if (window.unit == VcdWindow::Unit::steps && window.last > trace.decode_steps)
        throw command_line_error("--vcd-window", "step " + std::to_string(static_cast<long long>(window.last)) +
                                                     " is past the trace's " + std::to_string(trace.decode_steps) +
                                                     " decode steps");
    return window;
}

// A pattern that matches nothing is a typo: the waveform would silently lack what was asked for.
void check_signal_patterns(const VcdWriter& vcd) {
    const std::vector<std::string> unmatched = vcd.selection().unmatched_patterns();
    if (unmatched.empty()) return;
    throw command_line_error("--vcd-signals", "'" + unmatched.front() +
                                                  "' matches no signal (names are dotted, e.g. pe.busy, "
                                                  "edram.refresh_bank0, host.step)");
}

std::unique_ptr<VcdWriter> open_vcd(const OutputFile& file, const std::vector<std::string>& patterns) {
    try {
        return std::make_unique<VcdWriter>(file.temporary(), SignalSelection(patterns));
    } catch (const std::runtime_error& e) {
        file.fail(e.what());
    }
}

// Writes the waveform's last time step and puts the file in place; a window that starts after
// the run's end recorded nothing, which is the command line's error.
void close_vcd(VcdWriter& vcd, OutputFile& file) {
    bool recorded = false;
    try {
        recorded = vcd.finish();
    } catch (const std::runtime_error& e) {
        file.fail(e.what());
    }
    if (!recorded) {
        std::ostringstream end;
        end << "the run ended at " << sc_core::sc_time_stamp().to_seconds() * 1e6 << " us, before the window starts";
        throw command_line_error("--vcd-window", end.str());
    }
    file.commit();
}

std::unique_ptr<OutputFile> output_file(const std::string& path, const std::string& option, const std::string& suffix) {
    return path.empty() ? nullptr : std::make_unique<OutputFile>(path, option, suffix);
}

// --progress: the replay's phase and rates on stderr. On a terminal one line is redrawn in
// place (and kept at the end of each phase); elsewhere each report is a plain line. A report at
// most every half second, and always at the end of each phase. Prefill: the layer and the
// prefill's ETA from its layers so far. Decode: the step, tokens per wall second (workload.batch
// sequences x steps) and the decode's ETA from its rate so far.
class ProgressReporter {
public:
    ProgressReporter(bool forced, std::uint64_t batch)
        : tty_(isatty(STDERR_FILENO) != 0), enabled_(forced || tty_), batch_(batch) {}

    bool enabled() const { return enabled_; }

    void report(const ReplayProgress& progress) {
        const auto now = std::chrono::steady_clock::now();
        const bool phase_done = progress.done == progress.total;
        if (!phase_done && now - last_ < kInterval) return;
        last_ = now;
        const double phase_wall_s = std::chrono::duration<double>(now - phase_start_).count();
        const std::string text = progress.phase == ReplayProgress::Phase::prefill ? prefill_line(progress, phase_wall_s)
                                                                                   : decode_line(progress, phase_wall_s);
        // On a terminal: back to the line's start, and erase what a longer line left after it.
        const char* const end = !tty_ ? "\n" : phase_done ? "\033[K\n" : "\033[K";
        std::fprintf(stderr, "%s%s%s", tty_ ? "\r" : "", text.c_str(), end);
        std::fflush(stderr);
        if (phase_done) phase_start_ = now;
    }

private:
    static constexpr std::chrono::milliseconds kInterval{500};

    static std::string sim_time() {
        char text[32];
        std::snprintf(text, sizeof text, "sim %.3f ms", sc_core::sc_time_stamp().to_seconds() * 1e3);
        return text;
    }

    // Wall time left if the rest of the phase goes at its rate so far.
    static std::string eta(const ReplayProgress& progress, double phase_wall_s) {
        if (progress.done == 0) return "ETA --";
        const double left_s = phase_wall_s / progress.done * (progress.total - progress.done);
        const long seconds = std::lround(left_s);
        char text[32];
        if (seconds >= 3600) std::snprintf(text, sizeof text, "ETA %ldh%02ldm", seconds / 3600, seconds / 60 % 60);
        else if (seconds >= 60) std::snprintf(text, sizeof text, "ETA %ldm%02lds", seconds / 60, seconds % 60);
        else std::snprintf(text, sizeof text, "ETA %lds", seconds);
        return text;
    }

    static std::string prefill_line(const ReplayProgress& progress, double phase_wall_s) {
        return "prefill layer " + std::to_string(progress.done) + "/" + std::to_string(progress.total) + "  " +
               sim_time() + "  " + eta(progress, phase_wall_s);
    }

    std::string decode_line(const ReplayProgress& progress, double phase_wall_s) const {
        char rate[64];
        std::snprintf(rate, sizeof rate, "%.1f tokens/s wall (batch %llu)",
                      static_cast<double>(batch_) * progress.done / std::max(phase_wall_s, 1e-9),
                      static_cast<unsigned long long>(batch_));
        return "decode step " + std::to_string(progress.done) + "/" + std::to_string(progress.total) + "  " +
               sim_time() + "  " + rate + "  " + eta(progress, phase_wall_s);
    }

    bool tty_;
    bool enabled_;
    std::uint64_t batch_;
    std::chrono::steady_clock::time_point phase_start_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_{};
};

// The host's one progress callback, fanned out to the --progress line and the --vcd-window
// steps edges; none when neither listens.
HostInterface::Progress replay_listeners(ProgressReporter& reporter, VcdWindowControl* window) {
    if (!reporter.enabled() && !window) return nullptr;
    return [&reporter, window](const ReplayProgress& progress) {
        if (reporter.enabled()) reporter.report(progress);
        if (window) window->on_progress(progress);
    };
}

// BOS, then the --prompt-ids file's ids (none without it).
std::vector<int> prompt_ids(const Options& options, const ModelConfig& config) {
    std::vector<int> prompt = {kBosToken};
    if (options.prompt_ids.empty()) return prompt;
    const std::vector<int> ids = read_token_ids(options.prompt_ids, config.vocab, config.seq_len - 1);
    prompt.insert(prompt.end(), ids.begin(), ids.end());
    return prompt;
}

int run(int argc, char* argv[]) {
    // Before the config is read: it checks that the chosen impls exist.
#if KELLE_WITH_RTL_REFRESH
    register_rtl_refresh_impl();
    register_lockstep_refresh_impl();
#endif
#if KELLE_WITH_RTL_EVICTOR
    register_rtl_evictor_impl();
#endif
    ParamRegistry registry;
    declare_platform_parameters(registry);
    const Options options = parse_command_line(argc, argv, registry);
    init_logging();
    for (const std::string& level : options.logs) set_log_level(level);
    load_parameters(options, registry);
    registry.check_complete(options.config);

    if (!options.vcd.empty() && (options.vcd.size() <= 4 || !ends_with(options.vcd, ".vcd")))
        throw InputError("command line", 0, "--vcd", "file name must end in .vcd", InputOrigin::command_line);
    std::unique_ptr<Checkpoint> checkpoint;
    std::unique_ptr<ModelStepSource> model;
    std::unique_ptr<StepSource> trace_reader;
    if (options.checkpoint.empty()) {
        trace_reader = std::make_unique<TraceReader>(options.trace);
    } else {
        checkpoint = std::make_unique<Checkpoint>(load_checkpoint(options.checkpoint));
        model = std::make_unique<ModelStepSource>(*checkpoint, prompt_ids(options, checkpoint->config()), options.decode,
                                                  options.topk);
    }
    StepSource& trace = model ? static_cast<StepSource&>(*model) : *trace_reader;
    check_trace_against_config(trace.header(), trace.path(), registry);
    const std::vector<std::string> patterns = signal_patterns(options.vcd_signals);
    const std::optional<VcdWindow> window = vcd_window(options, trace.header());

    const auto stats_file = output_file(options.stats_json, "--stats-json", "");
    const auto vcd_file = output_file(options.vcd, "--vcd", ".vcd");
    check_distinct(stats_file.get(), vcd_file.get());

    // stdout is the summary table's: SystemC's informational notes (end of simulation, VCD
    // timescale) would interleave with it; the model's own go to stderr, as --log sets them.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);

    const MachineConfig machine = load_machine(registry, trace.header(), options.trace, options.seed);
    ProgressReporter progress(options.progress, machine.sequencing.batch);
    const std::unique_ptr<VcdWriter> vcd = vcd_file ? open_vcd(*vcd_file, patterns) : nullptr;
    const std::unique_ptr<VcdWindowControl> vcd_control =
        vcd && window ? std::make_unique<VcdWindowControl>("vcd_window", *vcd, *window) : nullptr;
    Platform platform("kelle", machine, trace, replay_listeners(progress, vcd_control.get()));
    if (model) platform.attach_model(*model);
    if (vcd) {
        platform.trace_signals(vcd.get());
        check_signal_patterns(*vcd);
        if (!window) vcd->start_recording();
    }

    const auto wall_start = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    // A failed run keeps no output: the temporary files go with their OutputFile.
    if (const std::optional<PendingFailure> failure = pending_failure()) {  // an RTL block's or a lockstep's, first of all
        std::cerr << "kelle-sim: " << failure->kind << ": " << failure->message << '\n';
        return failure->exit_status;
    }
    if (!platform.retention_violation().empty()) {
        std::cerr << "kelle-sim: " << platform.retention_violation() << '\n';
        return 4;
    }
    if (platform.host().failure()) std::rethrow_exception(platform.host().failure());
    if (vcd) close_vcd(*vcd, *vcd_file);

    nlohmann::ordered_json stats = platform.stats(wall_s);
    stats["seed"] = options.seed;
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    stats["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
    // replace: a text the readers did not check must not fail the run after it is done.
    const std::string text = stats.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    if (stats_file) write_stats(*stats_file, text);
    print_summary(std::cout, stats);
    if (!std::cout.flush()) throw InputError("stdout", 0, "", "cannot write the summary (a full disk or a closed pipe?)");
    return 0;
}

}  // namespace

// SystemC prints its banner before sc_main runs; a static initialiser runs earlier still.
const bool kSystemcBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

// Each failure is printed as the one stderr line with its exit status (header comment). Typed
// catch clauses, not a rethrow: after sc_start ASan's view of the stack is stale (SystemC's
// coroutines), and it takes a second throw there for a stack-buffer-overflow.
int sc_main(int argc, char* argv[]) {
    try {
        return run(argc, argv);
    } catch (const InputError& e) {
        std::cerr << "kelle-sim: error: " << e.what() << '\n';
        return e.exit_status();
    } catch (const CosimMismatch& e) {
        std::cerr << "kelle-sim: lockstep mismatch: " << e.what() << '\n';
        return CosimMismatch::kExitStatus;
    } catch (const RtlFault& e) {
        std::cerr << "kelle-sim: RTL error: " << e.what() << '\n';
        return RtlFault::kExitStatus;
    } catch (const sc_core::sc_report& e) {
        // what() adds "In file/In process" lines; the one-line contract wants the message and its source.
        std::cerr << "kelle-sim: internal model error: " << e.get_msg_type() << ": " << e.get_msg() << '\n';
        return 3;
    } catch (const std::exception& e) {
        std::cerr << "kelle-sim: internal error: " << e.what() << '\n';
        return 3;
    }
}
