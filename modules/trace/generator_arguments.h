// The generator's options (--model, --task, --prompt, --decode, --topk, --seed and the shape
// overrides), read the same way from kelle-tracegen's command line and from a trace recipe, a
// file holding one line of them (docs/trace-format.md, "Recipes"): a recipe and the trace
// kelle-tracegen writes from the same arguments are the same trace.
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "trace/trace_generator.h"

namespace kelle {

// Where arguments came from, for the errors they cause.
struct ArgumentOrigin {
    std::string source;  // "command line", or the recipe's path
    int line = 0;        // the recipe's line; 0 on the command line
    InputOrigin origin = InputOrigin::command_line;
};

class GeneratorArguments {
public:
    GeneratorArguments();
    GeneratorArguments(const GeneratorArguments&) = delete;  // the description points into this object
    GeneratorArguments& operator=(const GeneratorArguments&) = delete;

    // The options, for a parser to fill this object through; a program adds its own beside them.
    const boost::program_options::options_description& description() const { return description_; }

    // After parsing `given`: the trace they describe. A missing length, a non-positive size or
    // an inconsistent shape is an InputError naming `where` and the option.
    GeneratorOptions resolve(const boost::program_options::variables_map& given, const ArgumentOrigin& where) const;

private:
    GeneratorOptions options_;
    std::string model_name_, task_name_, seed_text_;
    int layers_ = 0, heads_ = 0, kv_heads_ = 0, head_dim_ = 0, hidden_ = 0, ffn_ = 0, dtype_bytes_ = 0;
    int gated_ = -1;
    boost::program_options::options_description description_;
};

// A parser's error as the InputError naming `where` and, when Boost knows it, the option.
InputError argument_error(const boost::program_options::error& error, const ArgumentOrigin& where);

// Boost drops an argument that is not an option's silently: this makes it an InputError.
void refuse_positional(const boost::program_options::parsed_options& parsed, const ArgumentOrigin& where);

// A recipe's arguments, split at whitespace: an unknown option or a bad value is an InputError
// naming `where` and the option.
GeneratorOptions parse_generator_arguments(const std::vector<std::string>& arguments, const ArgumentOrigin& where);

}  // namespace kelle
