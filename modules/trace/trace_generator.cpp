#include "trace/trace_generator.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/random.h"
#include "trace/trace_writer.h"

namespace kelle {

namespace {

// Shapes from the models' published configurations (Hugging Face config.json of each).
struct Preset {
    const char* name;
    ModelShape shape;
};

const Preset kPresets[] = {
    {"llama-2-7b", {"llama-2-7b", 32, 32, 32, 128, 4096, 11008, 2, true}},
    {"llama-2-13b", {"llama-2-13b", 40, 40, 40, 128, 5120, 13824, 2, true}},
    {"llama-3-8b", {"llama-3-8b", 32, 32, 8, 128, 4096, 14336, 2, true}},  // grouped-query (GQA)
    {"llama-3.2-1b", {"llama-3.2-1b", 16, 32, 8, 64, 2048, 8192, 2, true}},
    {"llama-3.2-3b", {"llama-3.2-3b", 28, 24, 8, 128, 3072, 8192, 2, true}},
    {"opt-6.7b", {"opt-6.7b", 32, 32, 32, 128, 4096, 16384, 2, false}},
    {"tiny", {"tiny", 1, 1, 1, 4, 4, 8, 2, true}},  // for hand-checked tests
};

// The paper's tasks [paper §7, kelle-paper.md section 6]: prompt, decode length and the KV
// budget N' it pairs with each.
const TaskPreset kTasks[] = {
    {"lambada", 128, 512, 128},
    {"triviaqa", 512, 2048, 1024},
    {"qasper", 1024, 5120, 1024},
    {"pg19", 512, 8192, 2048},
};

struct HeadState {
    SplitMix64 rng{0};
    double sink_mass = 0, recent_mass = 0, heavy_mass = 0;
    std::vector<std::uint32_t> heavy_positions;  // by rank: rank 0 is the heaviest
};

// The weights by age in the recency window and by heavy-hitter rank, the same for every head
// and step: computed once, as exp and pow were a sixth of a recipe's expansion time.
struct ScoreWeights {
    std::vector<double> recency;  // by age: exp(-age / recent_decay_tokens)
    std::vector<double> zipf;     // by rank: (rank + 1)^-zipf_exponent
};

ScoreWeights score_weights(const GeneratorOptions& o) {
    ScoreWeights w;
    for (int age = 0; age < o.recent_window; ++age) w.recency.push_back(std::exp(-age / o.recent_decay_tokens));
    for (int rank = 0; rank < o.heavy_hitters; ++rank) w.zipf.push_back(std::pow(rank + 1.0, -o.zipf_exponent));
    return w;
}

using Candidate = ScoreCandidate;

HeadState make_head(const GeneratorOptions& o, int layer, int head) {
    HeadState h;
    h.rng = SplitMix64(o.seed * 0x100000001b3ULL + static_cast<std::uint64_t>(layer) * 7919 + static_cast<std::uint64_t>(head));
    h.sink_mass = h.rng.between(0.15, 0.40);
    h.recent_mass = h.rng.between(0.20, 0.40);
    h.heavy_mass = h.rng.between(0.15, 0.35);
    // Heavy hitters start among the prompt tokens past the sinks.
    const int first = std::min(o.sinks, o.prompt_tokens);
    const int span = o.prompt_tokens - first;
    for (int i = 0; i < o.heavy_hitters && span > 0; ++i)
        h.heavy_positions.push_back(static_cast<std::uint32_t>(first + static_cast<int>(h.rng.uniform() * span)));
    return h;
}

void add(std::vector<Candidate>& candidates, std::uint32_t position, double score) {
    for (Candidate& c : candidates)
        if (c.position == position) {
            c.score += score;
            return;
        }
    candidates.push_back({position, score});
}

// The structured part of one head's attention at context n; the diffuse part is added after.
void head_scores(const GeneratorOptions& o, const ScoreWeights& w, HeadState& h, int n, std::vector<Candidate>& candidates) {
    candidates.clear();
    const int sinks = std::min(o.sinks, n);
    double total = 0;
    for (int i = 0; i < sinks; ++i) total += 1.0 / (i + 1);
    for (int i = 0; i < sinks; ++i)
        add(candidates, static_cast<std::uint32_t>(i), h.sink_mass * (1.0 / (i + 1)) / total * h.rng.between(0.75, 1.25));

    const int window = std::min(o.recent_window, n);
    total = 0;
    for (int age = 0; age < window; ++age) total += w.recency[static_cast<std::size_t>(age)];
    for (int age = 0; age < window; ++age)
        add(candidates, static_cast<std::uint32_t>(n - 1 - age),
            h.recent_mass * w.recency[static_cast<std::size_t>(age)] / total * h.rng.between(0.75, 1.25));

    total = 0;
    for (std::size_t rank = 0; rank < h.heavy_positions.size(); ++rank) total += w.zipf[rank];
    for (std::size_t rank = 0; rank < h.heavy_positions.size(); ++rank)
        add(candidates, h.heavy_positions[rank], h.heavy_mass * w.zipf[rank] / total * h.rng.between(0.75, 1.25));
}

// A token leaving the recency window sometimes turns into a heavy hitter, replacing the weakest.
void turn_over(const GeneratorOptions& o, HeadState& h, int n) {
    const int leaving = n - o.recent_window - 1;
    if (h.heavy_positions.empty() || leaving < o.sinks || h.rng.uniform() >= o.heavy_hitter_turnover) return;
    const auto rank = static_cast<std::size_t>(h.rng.uniform() * static_cast<double>(h.heavy_positions.size()));
    h.heavy_positions.erase(h.heavy_positions.begin() + static_cast<std::ptrdiff_t>(rank));
    h.heavy_positions.push_back(static_cast<std::uint32_t>(leaving));
}

// What the prompt's own queries gave each prompt position, averaged over those queries: the
// sinks and heavy hitters stand out; each query's recency window lands on its own few
// predecessors, so recency and the diffuse part spread evenly over the prompt.
void prefill_scores(const GeneratorOptions& o, const ScoreWeights& w, const HeadState& h, std::vector<Candidate>& candidates) {
    candidates.clear();
    const int n = o.prompt_tokens;
    const int sinks = std::min(o.sinks, n);
    double total = 0;
    for (int i = 0; i < sinks; ++i) total += 1.0 / (i + 1);
    for (int i = 0; i < sinks; ++i) add(candidates, static_cast<std::uint32_t>(i), h.sink_mass * (1.0 / (i + 1)) / total);
    total = 0;
    for (std::size_t rank = 0; rank < h.heavy_positions.size(); ++rank) total += w.zipf[rank];
    for (std::size_t rank = 0; rank < h.heavy_positions.size(); ++rank)
        add(candidates, h.heavy_positions[rank], h.heavy_mass * w.zipf[rank] / total);
    const double even_share = (1.0 - h.sink_mass - h.heavy_mass) / n;
    for (Candidate& c : candidates) c.score += even_share;
}

std::string header_text(const GeneratorOptions& o) {
    return trace_header_text(o.model, o.prompt_tokens, o.decode_steps, o.topk, o.seed,
                             "written by kelle-tracegen; score model in docs/trace-format.md");
}

}  // namespace

ModelShape model_preset(const std::string& name) {
    for (const Preset& p : kPresets)
        if (name == p.name) return p.shape;
    std::string known;
    for (const std::string& n : model_preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw InputError("--model", 0, name, "unknown model; known: " + known, InputOrigin::command_line);
}

std::vector<std::string> model_preset_names() {
    std::vector<std::string> names;
    for (const Preset& p : kPresets) names.emplace_back(p.name);
    return names;
}

TaskPreset task_preset(const std::string& name) {
    for (const TaskPreset& t : kTasks)
        if (name == t.name) return t;
    std::string known;
    for (const TaskPreset& t : kTasks) known += (known.empty() ? "" : ", ") + std::string(t.name);
    throw InputError("--task", 0, name, "unknown task; known: " + known, InputOrigin::command_line);
}

std::vector<TaskPreset> task_presets() { return {std::begin(kTasks), std::end(kTasks)}; }

struct TraceGenerator::State {
    explicit State(const GeneratorOptions& o) : options(o), weights(score_weights(o)) {}

    GeneratorOptions options;
    ScoreWeights weights;
    int next_part = kHeaderPart;
    std::vector<HeadState> heads;  // layer * model.heads + head
    std::vector<Candidate> candidates;

    static constexpr int kHeaderPart = -2;
    static constexpr int kPrefillPart = -1;  // then 0, 1, ...: the decode steps

    HeadState& head(int layer, int head) {
        return heads[static_cast<std::size_t>(layer * options.model.heads + head)];
    }
    void prefill(std::string& text);
    void step(int step, std::string& text);
};

void TraceGenerator::State::prefill(std::string& text) {
    const ModelShape& m = options.model;
    for (int layer = 0; layer < m.layers; ++layer)
        for (int h = 0; h < m.heads; ++h) heads.push_back(make_head(options, layer, h));
    text.clear();
    text += "prefill\n";
    for (int layer = 0; layer < m.layers; ++layer) {
        for (int h = 0; h < m.heads; ++h) {
            prefill_scores(options, weights, head(layer, h), candidates);
            append_trace_head_line(layer, h, options.topk, candidates, text);
        }
    }
}

void TraceGenerator::State::step(int step, std::string& text) {
    const ModelShape& m = options.model;
    const int n = options.prompt_tokens + step + 1;
    text.clear();  // rather than assigning, which would drop the capacity the last step grew
    text += "step " + std::to_string(step) + " context " + std::to_string(n) + "\n";
    for (int layer = 0; layer < m.layers; ++layer) {
        for (int h = 0; h < m.heads; ++h) {
            HeadState& state = head(layer, h);
            head_scores(options, weights, state, n, candidates);
            double structured = 0;
            for (const Candidate& c : candidates) structured += c.score;
            // Noise may push the structured mass past 1; rescale so a head's scores sum to 1.
            const double scale = structured > 0.95 ? 0.95 / structured : 1.0;
            const double diffuse_share = (1.0 - structured * scale) / n;
            for (Candidate& c : candidates) c.score = c.score * scale + diffuse_share;
            append_trace_head_line(layer, h, options.topk, candidates, text);
            turn_over(options, state, n);
        }
    }
}

TraceGenerator::TraceGenerator(const GeneratorOptions& options) : state_(std::make_unique<State>(options)) {}

TraceGenerator::~TraceGenerator() = default;

bool TraceGenerator::next(std::string& text) {
    State& s = *state_;
    const int part = s.next_part;
    if (part == s.options.decode_steps) return false;
    ++s.next_part;
    if (part == State::kHeaderPart) text = header_text(s.options);
    else if (part == State::kPrefillPart) s.prefill(text);
    else s.step(part, text);
    return true;
}

void write_trace(const GeneratorOptions& o, std::ostream& out) {
    TraceGenerator generator(o);
    std::string text;
    while (generator.next(text)) out << text;
}

}  // namespace kelle
