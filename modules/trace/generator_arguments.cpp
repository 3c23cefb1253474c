#include "trace/generator_arguments.h"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace po = boost::program_options;

namespace kelle {

namespace {

std::string model_list() {
    std::string models;
    for (const auto& n : model_preset_names()) models += (models.empty() ? "" : ", ") + n;
    return models;
}

std::string task_list() {
    std::string tasks;
    for (const TaskPreset& t : task_presets())
        tasks += (tasks.empty() ? "" : ", ") + std::string(t.name) + " (" + std::to_string(t.prompt_tokens) + " / " +
                 std::to_string(t.decode_steps) + ", N' " + std::to_string(t.budget_tokens) + ")";
    return tasks;
}

// An unsigned option parsed by Boost wraps "-1" to 2^64-1: the seed is read as text instead.
template <class Fail>
std::uint64_t parse_seed(const std::string& text, Fail fail) {
    std::uint64_t seed = 0;
    const char* const end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, seed);
    if (parsed.ec != std::errc() || parsed.ptr != end || text.empty())
        throw fail("--seed", "expected an integer from 0 to 2^64-1, got '" + clip(text) + "'");
    return seed;
}

}  // namespace

GeneratorArguments::GeneratorArguments() : description_("generator options") {
    GeneratorOptions& o = options_;
    description_.add_options()
        ("model", po::value(&model_name_)->required(), ("model shape preset: " + model_list()).c_str())
        ("task", po::value(&task_name_), ("the paper's prompt and decode lengths instead of --prompt and --decode "
                                          "(prompt / decode, and the budget to run it with, kv.budget_tokens): " +
                                          task_list()).c_str())
        ("prompt", po::value(&o.prompt_tokens), "prompt tokens cached before decode")
        ("decode", po::value(&o.decode_steps), "decode steps")
        ("topk", po::value(&o.topk)->default_value(16), "scores listed per head and step")
        ("seed", po::value(&seed_text_), "random seed, 0 to 2^64-1 (default 1)")
        ("layers", po::value(&layers_), "override the preset") ("heads", po::value(&heads_), "override the preset")
        ("kv-heads", po::value(&kv_heads_), "override the preset") ("head-dim", po::value(&head_dim_), "override the preset")
        ("hidden", po::value(&hidden_), "override the preset") ("ffn", po::value(&ffn_), "override the preset")
        ("dtype-bytes", po::value(&dtype_bytes_), "override the preset")
        ("gated-ffn", po::value(&gated_), "override the preset: 1 gated (LLaMA), 0 plain (OPT)");
}

GeneratorOptions GeneratorArguments::resolve(const po::variables_map& given, const ArgumentOrigin& where) const {
    auto fail = [&where](const std::string& option, const std::string& message) {
        return InputError(where.source, where.line, option, message, where.origin);
    };
    GeneratorOptions o = options_;
    const std::vector<std::string> models = model_preset_names();
    if (std::find(models.begin(), models.end(), model_name_) == models.end())
        throw fail("--model", "unknown model '" + clip(model_name_) + "'; known: " + model_list());
    const std::vector<TaskPreset> tasks = task_presets();
    const bool known_task = std::any_of(tasks.begin(), tasks.end(), [this](const TaskPreset& t) { return task_name_ == t.name; });
    if (!task_name_.empty() && !known_task) throw fail("--task", "unknown task '" + clip(task_name_) + "'; known: " + task_list());
    if (!task_name_.empty()) {
        if (given.count("prompt") || given.count("decode"))
            throw fail("--task", "gives the prompt and decode lengths: drop --prompt and --decode");
        const TaskPreset task = task_preset(task_name_);
        o.prompt_tokens = task.prompt_tokens;
        o.decode_steps = task.decode_steps;
    } else if (!given.count("prompt") || !given.count("decode")) {
        throw fail(given.count("prompt") ? "--decode" : "--prompt", "is required (or --task)");
    }
    o.model = model_preset(model_name_);
    // An override given is used as given, 0 included (refused below), never read as "keep the preset".
    for (auto [option, value, target] :
         {std::tuple{"layers", layers_, &o.model.layers}, {"heads", heads_, &o.model.heads},
          {"kv-heads", kv_heads_, &o.model.kv_heads}, {"head-dim", head_dim_, &o.model.head_dim},
          {"hidden", hidden_, &o.model.hidden}, {"ffn", ffn_, &o.model.ffn}, {"dtype-bytes", dtype_bytes_, &o.model.dtype_bytes}})
        if (given.count(option)) *target = value;
    if (given.count("gated-ffn")) {
        if (gated_ != 0 && gated_ != 1) throw fail("--gated-ffn", "must be 0 or 1, got " + std::to_string(gated_));
        o.model.gated_ffn = gated_ == 1;
    }
    if (given.count("seed")) o.seed = parse_seed(seed_text_, fail);
    const ModelShape& m = o.model;
    for (auto [name, value] : {std::pair{"--layers", m.layers}, {"--heads", m.heads}, {"--kv-heads", m.kv_heads},
                               {"--head-dim", m.head_dim}, {"--hidden", m.hidden}, {"--ffn", m.ffn},
                               {"--dtype-bytes", m.dtype_bytes}, {"--prompt", o.prompt_tokens},
                               {"--decode", o.decode_steps}, {"--topk", o.topk}})
        if (value <= 0) throw fail(name, "must be > 0");
    if (m.heads % m.kv_heads != 0 || m.hidden != static_cast<long long>(m.heads) * m.head_dim)
        throw fail("--model", "heads must be a multiple of kv_heads and hidden = heads x head_dim");
    return o;
}

InputError argument_error(const po::error& error, const ArgumentOrigin& where) {
    const auto* named = dynamic_cast<const po::error_with_option_name*>(&error);
    return InputError(where.source, where.line, named ? named->get_option_name() : "", error.what(), where.origin);
}

void refuse_positional(const po::parsed_options& parsed, const ArgumentOrigin& where) {
    for (const po::option& option : parsed.options)
        if (option.string_key.empty())
            throw InputError(where.source, where.line, option.original_tokens.front(), "not an option (options start with --)",
                             where.origin);
}

GeneratorOptions parse_generator_arguments(const std::vector<std::string>& arguments, const ArgumentOrigin& where) {
    GeneratorArguments parsed;
    po::variables_map given;
    try {
        const po::parsed_options options = po::command_line_parser(arguments).options(parsed.description()).run();
        refuse_positional(options, where);
        po::store(options, given);
        po::notify(given);
    } catch (const po::error& e) {
        throw argument_error(e, where);
    }
    return parsed.resolve(given, where);
}

}  // namespace kelle
