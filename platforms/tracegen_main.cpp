// kelle-tracegen: writes a seeded decode trace (format v1, docs/trace-format.md).
//
//   kelle-tracegen --model llama-3.2-1b --prompt 480 --decode 32 --topk 8 --seed 1 --output t.trace
//   kelle-tracegen --model llama-2-7b --task triviaqa --output t.trace   # the paper's lengths
//   kelle-tracegen --model llama-2-7b --task pg19 --output t.trace.gz     # gzip, by the suffix
//
// Shape flags (--layers, --heads, ...) override the preset. Exit status: 0, 1 when the output
// cannot be written, 2 for a bad command line. The trace is written to a temporary file and
// renamed, so a failed run leaves nothing behind.
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/generator_arguments.h"
#include "common/gzip_file.h"
#include "common/line_reader.h"
#include "common/trace_generator.h"

namespace po = boost::program_options;
using namespace kelle;

namespace {

// The trace into `path`, gzip-compressed when `compress`: false when a write failed.
bool write_file(const GeneratorOptions& o, const std::string& path, bool compress) {
    TraceGenerator generator(o);
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

int generate(int argc, char* argv[]) {
    std::string output;
    GeneratorArguments generator;
    po::options_description own;
    own.add_options()
        ("help,h", "this help")
        ("list-tasks", "print the tasks, one a line: name, prompt tokens, decode steps, budget N'")
        ("output,o", po::value(&output)->required(), "trace file to write (gzip-compressed when it ends in .gz)");
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
        po::notify(vm);
    } catch (const po::error& e) {
        throw argument_error(e, command_line);
    }
    const GeneratorOptions o = generator.resolve(vm, command_line);

    const std::string temporary = output + ".tmp";
    if (!write_file(o, temporary, ends_with(output, ".gz"))) {
        std::remove(temporary.c_str());
        throw InputError(output, 0, "--output", "cannot write the file");
    }
    if (std::rename(temporary.c_str(), output.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw InputError(output, 0, "--output", "cannot replace the file");
    }
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
