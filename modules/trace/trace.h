// Decode traces, format v1 (docs/trace-format.md): the model shape, the prompt length, and for
// every decode step, layer and query head the top-k attention scores over the cached positions.
//
// TraceReader streams: it holds one decode step at a time and reuses its buffers, so memory
// does not grow with the number of steps. It reads a text file, a gzip-compressed one or a
// recipe the generator expands (trace/trace_source.h). Every malformed input is an InputError
// naming the file, the line (of the decompressed text; a recipe's line of arguments) and what
// was wrong; nothing is guessed or skipped.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "common/line_reader.h"
#include "trace/read_ahead.h"
#include "trace/trace_source.h"

namespace kelle {

struct ModelShape {
    std::string name;
    int layers = 0, heads = 0, kv_heads = 0, head_dim = 0, hidden = 0, ffn = 0;
    int dtype_bytes = 2;
    bool gated_ffn = true;  // LLaMA: gate, up, down; OPT: up, down
    int kv_dim() const { return kv_heads * head_dim; }
};

struct TraceHeader {
    int version = 1;
    ModelShape model;
    int prompt_tokens = 0;  // positions 0..prompt_tokens-1 are cached before decode
    int decode_steps = 0;
    int topk = 0;           // most entries per head line
    std::uint64_t seed = 0; // generator seed (informational)
};

struct ScoreEntry {
    std::uint32_t position;
    float score;
};

// One query head at one step: listed positions carry their score; `residual` (1 - their sum)
// is spread uniformly over the unlisted cached positions.
struct HeadScores {
    std::vector<ScoreEntry> top;
    float residual = 0;
};

struct StepScores {
    int step = 0;
    int context_tokens = 0;         // prompt_tokens + step + 1: the new token is cached too
    std::vector<HeadScores> heads;  // layer * model.heads + head
    int heads_per_layer = 0;
    const HeadScores& at(int layer, int head) const {
        return heads[static_cast<std::size_t>(layer * heads_per_layer + head)];
    }
};

// Where the host's decode steps come from: a trace (TraceReader) or a model run inside the
// platform (execution/model_step_source.h). header() and prefill() are final once it is built.
class StepSource {
public:
    virtual ~StepSource() = default;
    virtual const TraceHeader& header() const = 0;
    // The trace file or checkpoint the steps come from (the stats' "trace").
    virtual const std::string& path() const = 0;
    virtual const StepScores* prefill() const = 0;
    // Starts the next decode step in `out` (step, context_tokens and, for a trace, every score);
    // false after the last one.
    virtual bool next(StepScores& out) = 0;
};

class TraceReader : public StepSource {
public:
    explicit TraceReader(const std::string& path);

    const TraceHeader& header() const override { return header_; }
    const std::string& path() const override { return path_; }

    // The optional prefill block: per layer and query head, how much attention each prompt
    // position received while the prompt was processed (the mean over the prompt's queries;
    // context_tokens = prompt_tokens, step = -1). Null when the trace has none.
    const StepScores* prefill() const override { return has_prefill_ ? &prefill_ : nullptr; }

    // Reads the next step into `out`, reusing its vectors. False after the last step (having
    // checked that nothing but blank or comment lines follows). Steps are read one ahead, on a
    // thread of their own (read_ahead.h); an error in a step is thrown when that step is asked for.
    bool next(StepScores& out) override;

private:
    bool read_line();  // next non-blank, non-comment line into line_; false at end of file
    LineReader::Result next_text_line();  // a stream buffer's error as an InputError naming the line
    void read_header();
    void parse_model(const std::vector<std::string>& fields);
    void parse_head_line(HeadScores& out, int layer, int head, int context);
    void check_distinct_positions(const std::vector<ScoreEntry>& top);
    void read_heads(StepScores& out, const std::string& what);
    void check_sizes();
    bool read_step(StepScores& out);  // on the read-ahead thread
    [[noreturn]] void fail(const std::string& key, const std::string& message) const;

    std::string path_;
    TraceSource source_;
    std::istream in_;
    LineReader lines_;
    std::string line_;
    int line_number_ = 0;  // refuses a file of more lines than it counts
    std::vector<std::uint32_t> positions_;  // check_distinct_positions' sorting space
    TraceHeader header_;
    int steps_read_ = 0;
    bool pending_ = false;  // line_ holds a line read ahead and not consumed yet
    bool has_prefill_ = false;
    StepScores prefill_;
    // Last: its thread reads the members above, so it stops before they go.
    std::unique_ptr<ReadAhead<StepScores>> ahead_;
};

}  // namespace kelle
