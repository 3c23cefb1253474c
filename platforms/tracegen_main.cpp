// kelle-tracegen: writes a seeded decode trace (format v1, docs/trace-format.md).
//
//   kelle-tracegen --model llama-3.2-1b --prompt 480 --decode 32 --topk 8 --seed 1 --output t.trace
//   kelle-tracegen --model llama-2-7b --task triviaqa --output t.trace   # the paper's lengths
//
// Shape flags (--layers, --heads, ...) override the preset. Exit status: 0, 1 when the output
// cannot be written, 2 for a bad command line. The trace is written to a temporary file and
// renamed, so a failed run leaves nothing behind.
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "common/error.h"
#include "common/trace_generator.h"

namespace po = boost::program_options;
using namespace kelle;

namespace {

int generate(int argc, char* argv[]) {
    GeneratorOptions o;
    std::string model_name, output;
    int layers = 0, heads = 0, kv_heads = 0, head_dim = 0, hidden = 0, ffn = 0, dtype_bytes = 0, gated = -1;
    std::string models, tasks, task_name;
    for (const auto& n : model_preset_names()) models += (models.empty() ? "" : ", ") + n;
    for (const TaskPreset& t : task_presets())
        tasks += (tasks.empty() ? "" : ", ") + std::string(t.name) + " (" + std::to_string(t.prompt_tokens) + " / " +
                 std::to_string(t.decode_steps) + ", N' " + std::to_string(t.budget_tokens) + ")";
    po::options_description d("kelle-tracegen options");
    d.add_options()
        ("help,h", "this help")
        ("list-tasks", "print the tasks, one a line: name, prompt tokens, decode steps, budget N'")
        ("model", po::value(&model_name)->required(), ("model shape preset: " + models).c_str())
        ("task", po::value(&task_name), ("the paper's prompt and decode lengths instead of --prompt and --decode "
                                          "(prompt / decode, and the budget to run it with, kv.budget_tokens): " +
                                          tasks).c_str())
        ("prompt", po::value(&o.prompt_tokens), "prompt tokens cached before decode")
        ("decode", po::value(&o.decode_steps), "decode steps")
        ("topk", po::value(&o.topk)->default_value(16), "scores listed per head and step")
        ("seed", po::value(&o.seed)->default_value(1), "random seed")
        ("output,o", po::value(&output)->required(), "trace file to write")
        ("layers", po::value(&layers), "override the preset") ("heads", po::value(&heads), "override the preset")
        ("kv-heads", po::value(&kv_heads), "override the preset") ("head-dim", po::value(&head_dim), "override the preset")
        ("hidden", po::value(&hidden), "override the preset") ("ffn", po::value(&ffn), "override the preset")
        ("dtype-bytes", po::value(&dtype_bytes), "override the preset")
        ("gated-ffn", po::value(&gated), "override the preset: 1 gated (LLaMA), 0 plain (OPT)");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, d), vm);
        if (vm.count("help")) {
            std::cout << d;
            return 0;
        }
        if (vm.count("list-tasks")) {
            for (const TaskPreset& t : task_presets())
                std::cout << t.name << ' ' << t.prompt_tokens << ' ' << t.decode_steps << ' ' << t.budget_tokens << '\n';
            return 0;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw InputError("command line", 0, "", e.what(), InputOrigin::command_line);
    }
    if (!task_name.empty()) {
        if (vm.count("prompt") || vm.count("decode"))
            throw InputError("command line", 0, "--task", "gives the prompt and decode lengths: drop --prompt and --decode",
                             InputOrigin::command_line);
        const TaskPreset task = task_preset(task_name);
        o.prompt_tokens = task.prompt_tokens;
        o.decode_steps = task.decode_steps;
    } else if (!vm.count("prompt") || !vm.count("decode")) {
        throw InputError("command line", 0, vm.count("prompt") ? "--decode" : "--prompt", "is required (or --task)",
                         InputOrigin::command_line);
    }
    o.model = model_preset(model_name);
    for (auto [value, target] : {std::pair{layers, &o.model.layers}, {heads, &o.model.heads}, {kv_heads, &o.model.kv_heads},
                                 {head_dim, &o.model.head_dim}, {hidden, &o.model.hidden}, {ffn, &o.model.ffn},
                                 {dtype_bytes, &o.model.dtype_bytes}})
        if (value != 0) *target = value;
    if (gated >= 0) o.model.gated_ffn = gated != 0;
    const ModelShape& m = o.model;
    for (auto [name, value] : {std::pair{"--layers", m.layers}, {"--heads", m.heads}, {"--kv-heads", m.kv_heads},
                               {"--head-dim", m.head_dim}, {"--hidden", m.hidden}, {"--ffn", m.ffn},
                               {"--dtype-bytes", m.dtype_bytes}, {"--prompt", o.prompt_tokens},
                               {"--decode", o.decode_steps}, {"--topk", o.topk}})
        if (value <= 0) throw InputError("command line", 0, name, "must be > 0", InputOrigin::command_line);
    if (m.heads % m.kv_heads != 0 || m.hidden != m.heads * m.head_dim)
        throw InputError("command line", 0, "--model", "heads must be a multiple of kv_heads and hidden = heads x head_dim",
                         InputOrigin::command_line);

    const std::string temporary = output + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) throw InputError(output, 0, "--output", "cannot open for writing");
        write_trace(o, out);
        if (!out.flush()) {
            std::remove(temporary.c_str());
            throw InputError(output, 0, "--output", "write failed");
        }
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
