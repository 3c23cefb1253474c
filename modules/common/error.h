// User-facing input errors: one exception type, caught once in main and printed as one line.
//
// Every error a user can cause (bad trace, bad config, bad command line, unwritable output)
// is reported as `<where>: <key>: <message>`, where `where` is `file:line` when a line is known.
#pragma once

#include <stdexcept>
#include <string>

namespace kelle {

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
        if (!key.empty()) where += ": " + key;
        return where + ": " + message;
    }

    InputOrigin origin_;
};

}  // namespace kelle
