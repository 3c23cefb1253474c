#include "trace/trace_source.h"

#include <filesystem>
#include <fstream>
#include <vector>

#include "common/error.h"
#include "trace/generator_arguments.h"
#include "trace/gzip_file.h"
#include "common/line_reader.h"
#include "trace/trace_generator.h"

namespace kelle {

namespace {

// A recipe is a line of arguments, perhaps with comments: these bound what reading one can cost.
constexpr std::size_t kMaxRecipeLineBytes = 4096;
constexpr int kMaxRecipeLines = 64;

// The generator's text, one part (header, prefill, a step) at a time.
class GeneratedTraceBuffer : public std::streambuf {
public:
    explicit GeneratedTraceBuffer(const GeneratorOptions& options) : generator_(options) {}

protected:
    int_type underflow() override {
        if (gptr() == egptr()) {
            if (!generator_.next(text_)) return traits_type::eof();
            setg(text_.data(), text_.data(), text_.data() + text_.size());
        }
        return traits_type::to_int_type(*gptr());
    }

private:
    TraceGenerator generator_;
    std::string text_;
};

struct RecipeLine {
    int number = 0;
    std::vector<std::string> arguments;
};

// The recipe's one line that is neither blank nor a '#' comment.
RecipeLine read_recipe_line(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, "", "cannot open recipe file");
    LineReader lines(in, kMaxRecipeLineBytes);
    RecipeLine recipe;
    std::string line;
    for (int number = 1;; ++number) {
        const LineReader::Result result = lines.next(line);
        if (result == LineReader::Result::end) break;
        if (number > kMaxRecipeLines) throw InputError(path, number, "", "a recipe has at most 64 lines");
        if (result == LineReader::Result::too_long) throw InputError(path, number, "", "line longer than 4096 bytes");
        if (is_binary(line)) throw InputError(path, number, "", "binary data, not a recipe");
        const std::vector<std::string> fields = split_fields(line);
        if (fields.empty() || fields[0][0] == '#') continue;
        if (recipe.number > 0)
            throw InputError(path, number, "", "a second line of arguments (a recipe is one, line " +
                                                   std::to_string(recipe.number) + ")");
        recipe = {number, fields};
    }
    if (recipe.number == 0) throw InputError(path, 0, "", "no line of kelle-tracegen arguments in the recipe");
    return recipe;
}

TraceSource open_recipe(const std::string& path) {
    const RecipeLine recipe = read_recipe_line(path);
    const GeneratorOptions options =
        parse_generator_arguments(recipe.arguments, ArgumentOrigin{path, recipe.number, InputOrigin::file});
    return {std::make_unique<GeneratedTraceBuffer>(options), recipe.number};
}

}  // namespace

TraceSource open_trace_source(const std::string& path) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) throw InputError(path, 0, "", "is a directory, not a trace file");
    if (ends_with(path, ".recipe")) return open_recipe(path);
    auto file = std::make_unique<std::filebuf>();
    if (!file->open(path, std::ios::in | std::ios::binary)) throw InputError(path, 0, "", "cannot open trace file");
    try {
        if (file->sgetc() != kGzipMagic[0]) return {std::move(file), 0};
        std::string consumed(2, '\0');
        consumed.resize(static_cast<std::size_t>(file->sgetn(consumed.data(), 2)));
        if (consumed == std::string(reinterpret_cast<const char*>(kGzipMagic), 2))
            return {std::make_unique<GzipInputBuffer>(std::move(file), consumed), 0};
    } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf throws on a read error (/proc/self/mem)
        throw InputError(path, 0, "", std::string("cannot read the file (") + e.what() + ")");
    }
    // What the reader would say of a first line that starts with this control character.
    throw InputError(path, 1, "", "binary data, not a kelle trace");
}

}  // namespace kelle
