// Where a trace's text comes from (docs/trace-format.md): a text file; a gzip-compressed one,
// recognised by gzip's magic bytes whatever its name; or a recipe, a `.recipe` file holding one
// line of kelle-tracegen's arguments, which the generator expands a step at a time as the text
// is read, without writing it anywhere. Each is a stream buffer over the same text, so the
// reader checks all three alike and none holds more than a step of it.
#pragma once

#include <memory>
#include <streambuf>
#include <string>

namespace kelle {

struct TraceSource {
    std::unique_ptr<std::streambuf> text;
    // A recipe's line of arguments: the whole text comes from that line, so errors name it.
    // 0 for a file, whose errors name the text's own line.
    int recipe_line = 0;
};

// Opens `path`. A missing or unreadable file, a directory, and a recipe's unknown option or bad
// value (naming the recipe, its line and the option) are an InputError. Reading a gzip text may
// throw GzipError (trace/gzip_file.h) for corrupt or truncated data.
TraceSource open_trace_source(const std::string& path);

}  // namespace kelle
