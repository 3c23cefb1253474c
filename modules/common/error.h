// User-facing input errors: one exception type, caught once in main and printed as one line.
//
// Every error a user can cause (bad trace, bad config, bad command line, unwritable output)
// is reported as `<where>: <key>: <message>`, where `where` is `file:line` when a line is known.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace kelle {

// At most this many characters of an offending text go into a message: a 300 MB line must not
// become a 300 MB "one-line" error.
constexpr std::size_t kMaxEchoChars = 80;

// `text` cut to kMaxEchoChars, marked "..." when cut.
inline std::string clip(const std::string& text) {
    return text.size() <= kMaxEchoChars ? text : text.substr(0, kMaxEchoChars) + "...";
}

// Where the bad input came from decides the exit status: files give 1, the command line 2.
enum class InputOrigin { file, command_line };

class InputError : public std::runtime_error {
public:
    // line <= 0 means "no line" (e.g. a missing file or a command-line value).
    InputError(const std::string& source, int line, const std::string& key,
               const std::string& message, InputOrigin origin = InputOrigin::file)
        : std::runtime_error(format(source, line, key, message)), origin_(origin) {}

    int exit_status() const { return origin_ == InputOrigin::command_line ? 2 : 1; }

private:
    static std::string format(const std::string& source, int line, const std::string& key,
                              const std::string& message) {
        std::string where = source;
        if (line > 0) where += ":" + std::to_string(line);
        if (!key.empty()) where += ": " + clip(key);  // a reader may name the offending text as the key
        return where + ": " + clip_message(message);
    }

    // Messages quote the offending value (config.cpp's parse echoes it whole); the quote is the
    // part that can be long, so a message longer than its own words plus kMaxEchoChars is cut.
    static std::string clip_message(const std::string& message) {
        constexpr std::size_t kMaxMessageChars = 160 + kMaxEchoChars;
        return message.size() <= kMaxMessageChars ? message : message.substr(0, kMaxMessageChars) + "...";
    }

    InputOrigin origin_;
};

}  // namespace kelle
