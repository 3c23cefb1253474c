// The text of a decode trace (format v1, docs/trace-format.md), shared by its writers: the
// seeded score model (trace_generator.h) and a real model's attention (model/real_trace.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/trace.h"

namespace kelle {

struct ScoreCandidate {
    std::uint32_t position;
    double score;
};

// The header, from `kelle-trace 1` to `begin`; `comment` (one line, no '\n') follows the magic
// as a `#` line saying who wrote the trace; `seed` is left out when absent.
std::string trace_header_text(const ModelShape& model, int prompt_tokens, int decode_steps, int topk,
                              std::optional<std::uint64_t> seed, const std::string& comment);

// One head line appended to `text`: the `topk` largest scores of `candidates` (reordered; ties
// by position), each rounded down at 6 decimals so that they never sum past 1.
void append_trace_head_line(int layer, int head, int topk, std::vector<ScoreCandidate>& candidates, std::string& text);

}  // namespace kelle
