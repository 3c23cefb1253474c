// A seeded generator of realistic decode traces (format v1), for published model shapes.
//
// Score model per (layer, query head), after what StreamingLLM and H2O report of decode
// attention (docs/trace-format.md has the parameters and their sources):
//   - attention sinks: the first `sinks` positions take a large share (15-40% per head);
//   - a recency window: the last `recent_window` positions, weight decaying with age;
//   - heavy hitters: `heavy_hitters` positions per head with power-law (Zipf) weights that
//     persist across steps; now and then a token leaving the window becomes one;
//   - a diffuse remainder spread over every cached position.
// Each step writes the `topk` largest scores per head; the rest is the residual.
// All randomness comes from our own splitmix64, so a seed gives the same bytes everywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "trace/trace.h"

namespace kelle {

struct GeneratorOptions {
    ModelShape model;
    int prompt_tokens = 0;
    int decode_steps = 0;
    int topk = 0;
    std::uint64_t seed = 1;
    int sinks = 4;
    int recent_window = 32;
    double recent_decay_tokens = 8;  // e-folding age of the recency weights
    int heavy_hitters = 8;
    double zipf_exponent = 1.2;
    double heavy_hitter_turnover = 0.02;  // per head and step: chance a new heavy hitter appears
};

ModelShape model_preset(const std::string& name);  // InputError("--model", 0, name, ...) if unknown
std::vector<std::string> model_preset_names();

// A task of the paper's evaluation: its prompt and decode lengths, and the KV budget N' (per
// KV head) the paper runs it with, which a trace does not carry (kv.budget_tokens).
struct TaskPreset {
    const char* name;
    int prompt_tokens;
    int decode_steps;
    int budget_tokens;
};
TaskPreset task_preset(const std::string& name);  // InputError("--task", 0, name, ...) if unknown
std::vector<TaskPreset> task_presets();

// A trace's text a part at a time: the header, then the prefill block, then one decode step per
// call. A caller holds one step's text however many steps there are, which is what lets
// kelle-sim expand a recipe while it simulates (docs/trace-format.md, "Recipes").
class TraceGenerator {
public:
    explicit TraceGenerator(const GeneratorOptions& options);
    ~TraceGenerator();
    TraceGenerator(const TraceGenerator&) = delete;
    TraceGenerator& operator=(const TraceGenerator&) = delete;

    // Replaces `text` with the next part (whole lines, each ending in '\n'); false after the
    // last step. The per-head state is allocated with the prefill block, not before: a reader
    // can check the header's sizes first.
    bool next(std::string& text);

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Streams the trace to `out`, one step at a time.
void write_trace(const GeneratorOptions& options, std::ostream& out);

}  // namespace kelle
