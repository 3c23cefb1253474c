#include "model/real_trace.h"

#include <stdexcept>

#include "common/error.h"
#include "trace/trace_writer.h"
#include "model/decode.h"

namespace kelle {
namespace {

constexpr int kIdsPerCommentLine = 32;

// "# <label>: id id ..." lines, kIdsPerCommentLine ids each, so no line grows with the prompt.
std::string id_comments(const std::string& label, const std::vector<int>& ids) {
    std::string text;
    for (std::size_t i = 0; i < ids.size(); i += kIdsPerCommentLine) {
        text += "# " + label + ":";
        for (std::size_t j = i; j < std::min(ids.size(), i + kIdsPerCommentLine); ++j) text += " " + std::to_string(ids[j]);
        text += '\n';
    }
    return text;
}

}  // namespace

ModelShape shape_of(const ModelConfig& config, const std::string& name) {
    ModelShape m;
    for (const char ch : name) {
        const bool kept = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                          ch == '_' || ch == '-';
        m.name += kept ? ch : '_';
    }
    if (m.name.empty()) m.name = "checkpoint";
    m.layers = config.layers;
    m.heads = config.heads;
    m.kv_heads = config.kv_heads;
    m.head_dim = config.head_size();
    m.hidden = config.dim;
    m.ffn = config.hidden_dim;
    m.dtype_bytes = 2;
    m.gated_ffn = true;
    return m;
}

struct RealTraceWriter::State {
    State(const Checkpoint& c, const std::string& name, std::vector<int> prompt_ids, int decode, int k)
        : checkpoint(c), config(c.config()), shape(shape_of(c.config(), name)), transformer(c),
          kv(config.layers, config.kv_heads, config.head_size(), static_cast<int>(prompt_ids.size()) + decode),
          tokens(std::move(prompt_ids)),
          prompt(static_cast<int>(tokens.size())), decode_steps(decode), topk(k) {}

    void header(std::string& text) const;
    void prefill(std::string& text);
    void step(int s, std::string& text);
    void forward(int position) {
        const std::vector<float>& logits = transformer.forward(tokens[static_cast<std::size_t>(position)], position, kv,
                                                               nullptr, &attention);
        if (static_cast<std::size_t>(position) + 1 == tokens.size()) tokens.push_back(argmax(logits));
    }

    const Checkpoint& checkpoint;
    const ModelConfig& config;
    ModelShape shape;
    Transformer transformer;
    ExactKvStore kv;
    StepAttention attention;
    std::vector<int> tokens;
    int prompt, decode_steps, topk;
    int next_part = -2;  // -2 header, -1 prefill, then the decode steps
    std::vector<ScoreCandidate> candidates;
};

void RealTraceWriter::State::header(std::string& text) const {
    text = trace_header_text(shape, prompt, decode_steps, topk, std::nullopt,
                             "written by kelle-tracegen --checkpoint: the model's own attention probabilities, "
                             "greedy decode (docs/trace-format.md, \"Real attention\")");
}

PrefillAttention::PrefillAttention(const ModelConfig& config, int prompt_tokens)
    : config_(config), prompt_(prompt_tokens),
      received_(static_cast<std::size_t>(config.layers * config.heads) * static_cast<std::size_t>(prompt_tokens), 0.0) {}

void PrefillAttention::add(const StepAttention& attention) {
    for (int layer = 0; layer < config_.layers; ++layer)
        for (int h = 0; h < config_.heads; ++h) {
            const std::vector<std::uint32_t>& positions = attention.kv_positions(layer, h / config_.group());
            const std::vector<float>& p = attention.query(layer, h);
            double* row = &received_[static_cast<std::size_t>(layer * config_.heads + h) * static_cast<std::size_t>(prompt_)];
            for (std::size_t i = 0; i < positions.size(); ++i) row[positions[i]] += p[i];
        }
}

void PrefillAttention::append_lines(int topk, std::string& text) const {
    std::vector<ScoreCandidate> candidates;
    for (int layer = 0; layer < config_.layers; ++layer)
        for (int h = 0; h < config_.heads; ++h) {
            const double* row =
                &received_[static_cast<std::size_t>(layer * config_.heads + h) * static_cast<std::size_t>(prompt_)];
            candidates.clear();
            for (int position = 0; position < prompt_; ++position)
                candidates.push_back({static_cast<std::uint32_t>(position), row[position] / prompt_});
            append_trace_head_line(layer, h, topk, candidates, text);
        }
}

void RealTraceWriter::State::prefill(std::string& text) {
    PrefillAttention received(config, prompt);
    for (int position = 0; position < prompt; ++position) {
        forward(position);
        received.add(attention);
    }
    text = id_comments("prompt token ids, BOS first", {tokens.begin(), tokens.begin() + prompt});
    text += "prefill\n";
    received.append_lines(topk, text);
}

void RealTraceWriter::State::step(int s, std::string& text) {
    const int position = prompt + s;
    forward(position);
    text.clear();
    text += "# token " + std::to_string(tokens[static_cast<std::size_t>(position)]) + " at position " +
            std::to_string(position) + "\n";
    text += "step " + std::to_string(s) + " context " + std::to_string(position + 1) + "\n";
    for (int layer = 0; layer < config.layers; ++layer)
        for (int h = 0; h < config.heads; ++h) {
            const std::vector<std::uint32_t>& positions = attention.kv_positions(layer, h / config.group());
            const std::vector<float>& p = attention.query(layer, h);
            candidates.clear();
            for (std::size_t i = 0; i < positions.size(); ++i) candidates.push_back({positions[i], p[i]});
            append_trace_head_line(layer, h, topk, candidates, text);
        }
}

RealTraceWriter::RealTraceWriter(const Checkpoint& checkpoint, const std::string& model_name, std::vector<int> prompt,
                                 int decode_steps, int topk) {
    const int seq_len = checkpoint.config().seq_len;
    if (prompt.empty() || prompt.front() != kBosToken) throw std::invalid_argument("RealTraceWriter: the prompt must start with BOS");
    if (static_cast<long long>(prompt.size()) + decode_steps > seq_len)
        throw InputError("command line", 0, "--decode",
                         "prompt " + std::to_string(prompt.size()) + " + decode " + std::to_string(decode_steps) +
                             " tokens exceed the checkpoint's context of " + std::to_string(seq_len),
                         InputOrigin::command_line);
    state_ = std::make_unique<State>(checkpoint, model_name, std::move(prompt), decode_steps, topk);
}

RealTraceWriter::~RealTraceWriter() = default;

bool RealTraceWriter::next(std::string& text) {
    State& s = *state_;
    const int part = s.next_part;
    if (part == s.decode_steps) return false;
    ++s.next_part;
    if (part == -2) s.header(text);
    else if (part == -1) s.prefill(text);
    else s.step(part, text);
    return true;
}

const std::vector<int>& RealTraceWriter::tokens() const { return state_->tokens; }

}  // namespace kelle
