// Bounded line reading for the trace and config readers: a line is read into a buffer of a
// fixed size, so a file without newlines (/dev/zero, a binary) fails after that many bytes
// instead of growing a string until memory runs out.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>

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

}  // namespace kelle
