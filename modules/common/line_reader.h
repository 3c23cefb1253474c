// Bounded line reading for the trace and config readers: a line is read into a buffer of a
// fixed size, so a file without newlines (/dev/zero, a binary) fails after that many bytes
// instead of growing a string until memory runs out.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace kelle {

class LineReader {
public:
    enum class Result { line, end, too_long };

    LineReader(std::istream& in, std::size_t max_line_bytes)
        : in_(in), max_bytes_(max_line_bytes), buffer_(new char[max_line_bytes + 1]) {}

    // The next line, without its '\n', into `line`: `line`, or `end` at end of file, or
    // `too_long` when max_line_bytes pass without a newline.
    Result next(std::string& line) {
        in_.getline(buffer_.get(), static_cast<std::streamsize>(max_bytes_ + 1));
        const std::streamsize extracted = in_.gcount();
        if (in_.fail() && !in_.eof()) return Result::too_long;  // the buffer filled before a '\n'
        if (in_.eof() && extracted == 0) return Result::end;
        // gcount counts the '\n' when one ended the line; at end of file none did.
        const std::streamsize length = in_.eof() ? extracted : extracted - 1;
        line.assign(buffer_.get(), static_cast<std::size_t>(length));
        return Result::line;
    }

private:
    std::istream& in_;
    std::size_t max_bytes_;
    std::unique_ptr<char[]> buffer_;
};

// The whitespace-separated fields of a line ('\r' counts as space, for files written on Windows).
inline std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

// Whether a line holds a control character other than tab and '\r': binary data, not text.
inline bool is_binary(const std::string& line) {
    for (const char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t' && c != '\r') || u == 0x7f) return true;
    }
    return false;
}

// Whether `text` ends with `suffix` (a file name's kind: .recipe, .gz, .vcd).
inline bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace kelle
