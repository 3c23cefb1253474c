// A decode trace (format v1, docs/trace-format.md) of a checkpoint's own attention: the prompt
// (BOS, then the given ids) runs through the forward pass, then greedy decoding for
// `decode_steps` steps, and every step's head line lists the `topk` largest attention
// probabilities of that query head over the cached positions (all of them: K/V held exactly,
// nothing evicted), as the format asks for the full cache's scores.
//
// Prefill block: per (layer, query head), each prompt position's probability averaged over the
// prompt's queries (the format's definition). Decode step s feeds the token greedy decoding
// chose last at position prompt + s; the trace's comments give every token id.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "trace/trace.h"
#include "model/checkpoint.h"
#include "model/transformer.h"

namespace kelle {

// The trace's model line for a checkpoint: hidden = dim, ffn = hidden_dim, head_dim = head size,
// binary16 K/V (dtype_bytes 2, as the platform stores them), gated FFN. `name` keeps only
// [A-Za-z0-9._-] (the model line is split at spaces).
ModelShape shape_of(const ModelConfig& config, const std::string& name);

// The prefill block's scores: per (layer, query head), each prompt position's attention summed
// over the prompt's queries (add() each prompt position's StepAttention), written as its mean.
class PrefillAttention {
public:
    PrefillAttention(const ModelConfig& config, int prompt_tokens);
    void add(const StepAttention& attention);
    // One head line per (layer, query head), in the trace's order.
    void append_lines(int topk, std::string& text) const;

private:
    const ModelConfig& config_;
    int prompt_;
    std::vector<double> received_;  // [layer][head][position]
};

class RealTraceWriter {
public:
    // `prompt` starts with BOS; prompt + decode_steps must fit the checkpoint's seq_len
    // (InputError on "--decode" otherwise, from the command line).
    RealTraceWriter(const Checkpoint& checkpoint, const std::string& model_name, std::vector<int> prompt,
                    int decode_steps, int topk);
    ~RealTraceWriter();
    RealTraceWriter(const RealTraceWriter&) = delete;
    RealTraceWriter& operator=(const RealTraceWriter&) = delete;

    // Replaces `text` with the next part (header, prefill, then one step a call); false after the last.
    bool next(std::string& text);

    // The prompt, then every token greedy decoding has chosen so far.
    const std::vector<int>& tokens() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace kelle
