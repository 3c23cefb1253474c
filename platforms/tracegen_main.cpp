// kelle-tracegen: writes a seeded decode trace (format v1, docs/trace-format.md).
//
//   kelle-tracegen --model llama-3.2-1b --prompt 480 --decode 32 --topk 8 --seed 1 --output t.trace
//   kelle-tracegen --model llama-2-7b --task triviaqa --output t.trace   # the paper's lengths
//   kelle-tracegen --model llama-2-7b --task pg19 --output t.trace.gz     # gzip, by the suffix
//   kelle-tracegen --checkpoint models/stories260K.bin --decode 256 --output real.trace
//
// With --checkpoint the trace holds a real model's attention (model/real_trace.h): the shape
// comes from the checkpoint, the prompt is BOS then the ids of --prompt-ids (BOS alone without
// it), and only --decode (default 256) and --topk go with it.
//
// Shape flags (--layers, --heads, ...) override the preset. Exit status: 0, 1 when the output
// cannot be written, 2 for a bad command line. The trace is written to a temporary file and
// renamed, so a failed run leaves nothing behind.
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "trace/generator_arguments.h"
#include "trace/gzip_file.h"
#include "common/line_reader.h"
#include "trace/trace_generator.h"
#include "model/decode.h"
#include "model/real_trace.h"

namespace po = boost::program_options;
using namespace kelle;

namespace {

constexpr int kDefaultCheckpointDecodeSteps = 256;

// The trace `generator` writes a part at a time into `path`, gzip-compressed when `compress`:
// false when a write failed.
template <class Generator>
bool write_file(Generator& generator, const std::string& path, bool compress) {
    std::string text;
    if (compress) {
        GzipWriter out(path);
        if (!out.is_open()) return false;
        while (generator.next(text))
            if (!out.write(text)) return false;
        return out.close();
    }
    std::ofstream out(path, std::ios::trunc);
    while (out && generator.next(text)) out << text;
    return static_cast<bool>(out.flush());
}

// Writes to a temporary file and renames it, so a failed run leaves nothing behind.
template <class Generator>
void write_output(Generator& generator, const std::string& output) {
    const std::string temporary = output + ".tmp";
    if (!write_file(generator, temporary, ends_with(output, ".gz"))) {
        std::remove(temporary.c_str());
        throw InputError(output, 0, "--output", "cannot write the file");
    }
    if (std::rename(temporary.c_str(), output.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw InputError(output, 0, "--output", "cannot replace the file");
    }
}

// The file name without its folder and last extension: the trace's model name.
std::string stem(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::size_t dot = name.find_last_of('.');
    return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

// --checkpoint: the shape, prompt and scores come from the model, so the synthetic model's
// options other than --decode and --topk have no meaning beside it.
void write_checkpoint_trace(const po::variables_map& vm, const po::options_description& synthetic,
                            const ArgumentOrigin& where) {
    for (const auto& option : synthetic.options()) {
        const std::string& name = option->long_name();
        if (name != "decode" && name != "topk" && vm.count(name) && !vm[name].defaulted())
            throw InputError(where.source, 0, "--" + name, "does not go with --checkpoint (the checkpoint gives the shape)",
                             where.origin);
    }
    if (!vm.count("output")) throw InputError(where.source, 0, "--output", "is required", where.origin);
    const int decode = vm.count("decode") ? vm["decode"].as<int>() : kDefaultCheckpointDecodeSteps;
    const int topk = vm["topk"].as<int>();
    if (decode <= 0) throw InputError(where.source, 0, "--decode", "must be > 0", where.origin);
    if (topk <= 0) throw InputError(where.source, 0, "--topk", "must be > 0", where.origin);
    const std::string path = vm["checkpoint"].as<std::string>();
    const Checkpoint checkpoint = load_checkpoint(path);
    std::vector<int> prompt = {kBosToken};
    if (vm.count("prompt-ids")) {
        const ModelConfig& c = checkpoint.config();
        const std::vector<int> ids = read_token_ids(vm["prompt-ids"].as<std::string>(), c.vocab, c.seq_len - 1);
        prompt.insert(prompt.end(), ids.begin(), ids.end());
    }
    RealTraceWriter writer(checkpoint, stem(path), std::move(prompt), decode, topk);
    write_output(writer, vm["output"].as<std::string>());
}

int generate(int argc, char* argv[]) {
    std::string output;
    GeneratorArguments generator;
    po::options_description own;
    own.add_options()
        ("help,h", "this help")
        ("list-tasks", "print the tasks, one a line: name, prompt tokens, decode steps, budget N'")
        ("output,o", po::value(&output)->required(), "trace file to write (gzip-compressed when it ends in .gz)")
        ("checkpoint", po::value<std::string>(), "a llama2.c checkpoint: write its own attention (shape from the file; "
                                                 "--decode defaults to 256)")
        ("prompt-ids", po::value<std::string>(), "with --checkpoint: a file of prompt token ids after BOS "
                                                 "(default: BOS alone)");
    po::options_description all("kelle-tracegen options");
    all.add(own).add(generator.description());
    const ArgumentOrigin command_line{"command line", 0, InputOrigin::command_line};
    po::variables_map vm;
    try {
        const po::parsed_options parsed = po::parse_command_line(argc, argv, all);
        refuse_positional(parsed, command_line);
        po::store(parsed, vm);
        if (vm.count("help")) {
            std::cout << all;
            return 0;
        }
        if (vm.count("list-tasks")) {
            for (const TaskPreset& t : task_presets())
                std::cout << t.name << ' ' << t.prompt_tokens << ' ' << t.decode_steps << ' ' << t.budget_tokens << '\n';
            return 0;
        }
        if (vm.count("checkpoint")) {
            write_checkpoint_trace(vm, generator.description(), command_line);
            return 0;
        }
        if (vm.count("prompt-ids")) throw InputError("command line", 0, "--prompt-ids", "needs --checkpoint",
                                                     InputOrigin::command_line);
        po::notify(vm);
    } catch (const po::error& e) {
        throw argument_error(e, command_line);
    }
    TraceGenerator generator_of_scores(generator.resolve(vm, command_line));
    write_output(generator_of_scores, output);
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        return generate(argc, argv);
    } catch (const InputError& e) {
        std::cerr << "kelle-tracegen: error: " << e.what() << '\n';
        return e.exit_status();
    }
}
