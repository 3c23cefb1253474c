// Hand-written trace files for the reader's tests: write one, read a file's bytes back, and
// read a trace to its end for the error it gives (empty when it reads cleanly).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "common/error.h"
#include "trace/trace.h"

namespace kelle_test {

inline std::string write(const std::string& name, const std::string& text) {
    const std::string path = std::string(KELLE_TEST_TMP) + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path;
}

inline std::string slurp_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

inline std::string error_of(const std::string& name, const std::string& text) {
    try {
        kelle::TraceReader reader(write(name, text));
        kelle::StepScores step;
        while (reader.next(step)) {
        }
    } catch (const kelle::InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace kelle_test
