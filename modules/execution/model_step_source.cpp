#include "execution/model_step_source.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "common/error.h"
#include "trace/trace_writer.h"
#include "model/decode.h"
#include "model/real_trace.h"

namespace kelle {
namespace {

std::size_t to_size(int n) { return static_cast<std::size_t>(n); }

const char* skip_blanks(const char* p, const char* end) {
    while (p < end && *p == ' ') ++p;
    return p;
}

// The next space-delimited field of [p, end) as a number; throws on a malformed one, which only
// a bug in this file's own writer could give.
template <typename T>
T next_number(const char*& p, const char* end, char stop = ' ') {
    p = skip_blanks(p, end);
    T value{};
    const auto result = std::from_chars(p, end, value);
    if (result.ec != std::errc() || (result.ptr < end && *result.ptr != stop && *result.ptr != ' '))
        throw std::logic_error("parse_head_lines: malformed head line");
    p = result.ptr;
    return value;
}

}  // namespace

double RunQuality::perplexity() const { return finite_steps() ? std::exp(nll_sum_nats / finite_steps()) : 0.0; }
double RunQuality::reference_perplexity() const { return steps ? std::exp(reference_nll_sum_nats / steps) : 0.0; }

void parse_head_lines(const std::string& text, StepScores& out) {
    const char* p = text.data();
    const char* const text_end = p + text.size();
    while (p < text_end) {
        const char* end = std::find(p, text_end, '\n');
        const int layer = next_number<int>(p, end);
        const int head = next_number<int>(p, end);
        HeadScores& scores = out.heads[to_size(layer * out.heads_per_layer + head)];
        scores.top.clear();
        double sum = 0;
        while ((p = skip_blanks(p, end)) < end) {
            ScoreEntry entry{};
            entry.position = next_number<std::uint32_t>(p, end, ':');
            ++p;  // the ':'
            entry.score = next_number<float>(p, end);
            sum += entry.score;
            scores.top.push_back(entry);
        }
        scores.residual = static_cast<float>(std::max(0.0, 1.0 - sum));
        p = end + 1;
    }
}

// The model's K/V as binary16 per (layer, position, KV head), and per (layer, position) the layer
// input x (AERP recomputes K/V from it). Before attach() (the reference run) it is an exact store;
// after, reads go through the KV cache's held set and storage.
class ModelStepSource::PlatformKv : public KvSource {
public:
    PlatformKv(const Checkpoint& checkpoint, int positions)
        : checkpoint_(checkpoint), c_(checkpoint.config()), positions_(positions),
          halves_(to_size(c_.layers) * to_size(positions) * to_size(2 * c_.kv_dim())),
          k_(to_size(c_.kv_dim())), v_(k_.size()), recomputed_(to_size(2 * c_.head_size())) {}

    void attach(KvCache& cache) { cache_ = &cache; }
    // Set before the reference run when x must be kept.
    void keep_x() { x_.resize(to_size(c_.layers) * to_size(positions_) * to_size(c_.dim)); }

    std::uint16_t* values(int layer, int kv_head, std::uint32_t position) {
        return &halves_[(to_size(layer) * to_size(positions_) + position) * to_size(2 * c_.kv_dim()) +
                        to_size(kv_head * 2 * c_.head_size())];
    }

    void write(int layer, std::uint32_t position, const float* x, const float* k, const float* v) override {
        const int hs = c_.head_size();
        for (int h = 0; h < c_.kv_heads; ++h)
            kv_to_half(k + h * hs, v + h * hs, hs, values(layer, h, position));
        if (!x_.empty()) std::copy(x, x + c_.dim, x_at(layer, position));
    }

    void read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) override {
        const int hs = c_.head_size();
        out.clear();
        if (!cache_) {
            floats_.resize(to_size(position + 1) * to_size(2 * hs));
            for (std::uint32_t p = 0; p <= position; ++p) add(out, p, values(layer, kv_head, p), hs);
            return;
        }
        const std::vector<KvToken>& tokens = cache_->head(layer, kv_head).tokens();
        floats_.resize(tokens.size() * to_size(2 * hs));
        for (const KvToken& token : tokens) add(out, token.position, stored(layer, kv_head, token, position), hs);
    }

private:
    float* x_at(int layer, std::uint32_t position) {
        return &x_[(to_size(layer) * to_size(positions_) + position) * to_size(c_.dim)];
    }

    // The token's K/V as the platform gives them to attention at this point.
    const std::uint16_t* stored(int layer, int kv_head, const KvToken& token, std::uint32_t current) {
        if (token.position == current) return values(layer, kv_head, current);  // just computed, in the buffer
        if (token.as_x) {
            project_kv(checkpoint_, layer, static_cast<int>(token.position), x_at(layer, token.position), k_.data(),
                       v_.data());
            const int hs = c_.head_size();
            kv_to_half(k_.data() + kv_head * hs, v_.data() + kv_head * hs, hs, recomputed_.data());
            return recomputed_.data();
        }
        if (!cache_->functional()) return values(layer, kv_head, token.position);
        cache_->stored_values(layer, kv_head, token, recomputed_.data());
        return recomputed_.data();
    }

    void add(std::vector<KvEntry>& out, std::uint32_t position, const std::uint16_t* halves, int hs) {
        float* k = &floats_[out.size() * to_size(2 * hs)];
        half_to_kv(halves, hs, k, k + hs);
        out.push_back({position, k, k + hs});
    }

    const Checkpoint& checkpoint_;
    const ModelConfig& c_;
    int positions_;
    std::vector<std::uint16_t> halves_;
    std::vector<float> x_, floats_, k_, v_;
    std::vector<std::uint16_t> recomputed_;
    KvCache* cache_ = nullptr;
};

ModelStepSource::ModelStepSource(const Checkpoint& checkpoint, std::vector<int> prompt, int decode_steps, int topk)
    : checkpoint_(checkpoint), config_(checkpoint.config()), prompt_(static_cast<int>(prompt.size())),
      tokens_(std::move(prompt)), transformer_(checkpoint), log_probs_(to_size(config_.vocab)) {
    if (tokens_.empty() || tokens_.front() != kBosToken)
        throw std::invalid_argument("ModelStepSource: the prompt must start with BOS");
    if (static_cast<long long>(prompt_) + decode_steps + 1 > config_.seq_len)
        throw InputError("command line", 0, "--decode",
                         "prompt " + std::to_string(prompt_) + " + decode " + std::to_string(decode_steps) +
                             " + 1 tokens exceed the checkpoint's context of " + std::to_string(config_.seq_len),
                         InputOrigin::command_line);
    const std::string& file = checkpoint.path();
    const std::size_t slash = file.find_last_of('/');
    std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
    if (name.find_last_of('.') != std::string::npos && name.find_last_of('.') > 0) name = name.substr(0, name.find_last_of('.'));
    header_.model = shape_of(config_, name);
    header_.prompt_tokens = prompt_;
    header_.decode_steps = decode_steps;
    header_.topk = topk;
    kv_ = std::make_unique<PlatformKv>(checkpoint, prompt_ + decode_steps + 1);
}

ModelStepSource::~ModelStepSource() = default;

void ModelStepSource::attach(KvCache& cache) {
    if (cache.keeps_x()) kv_->keep_x();
    run_reference();
    kv_->attach(cache);
    cache.set_value_source([this](int layer, int kv_head, std::uint32_t position, std::uint16_t* out) {
        const std::uint16_t* v = kv_->values(layer, kv_head, position);
        std::copy(v, v + 2 * config_.head_size(), out);
    });
}

void ModelStepSource::run_reference() {
    const int decode = header_.decode_steps;
    PrefillAttention received(config_, prompt_);
    for (int position = 0; position < prompt_; ++position) {
        const std::vector<float>& logits = transformer_.forward(tokens_[to_size(position)], position, *kv_, nullptr, &attention_);
        received.add(attention_);
        if (position == prompt_ - 1) tokens_.push_back(argmax(logits));
    }
    reference_log_probs_.resize(to_size(decode) * to_size(config_.vocab));
    for (int s = 0; s < decode; ++s) {
        const int position = prompt_ + s;
        const std::vector<float>& logits = transformer_.forward(tokens_[to_size(position)], position, *kv_);
        float* row = &reference_log_probs_[to_size(s) * to_size(config_.vocab)];
        log_softmax(logits, row);
        tokens_.push_back(argmax(logits));
        quality_.reference_nll_sum_nats -= row[tokens_.back()];
    }
    prefill_.step = -1;
    prefill_.context_tokens = prompt_;
    prefill_.heads_per_layer = config_.heads;
    prefill_.heads.resize(to_size(config_.layers * config_.heads));
    line_.clear();
    received.append_lines(header_.topk, line_);
    parse_head_lines(line_, prefill_);
}

bool ModelStepSource::next(StepScores& out) {
    if (step_ + 1 == header_.decode_steps) return false;
    ++step_;
    out.step = step_;
    out.context_tokens = prompt_ + step_ + 1;
    out.heads_per_layer = config_.heads;
    out.heads.resize(to_size(config_.layers * config_.heads));
    current_ = &out;
    transformer_.begin(tokens_[to_size(prompt_ + step_)], &attention_);
    return true;
}

void ModelStepSource::run_layer(int layer) {
    transformer_.run_layer(layer, prompt_ + step_, *kv_, nullptr, &attention_);
    record_scores(layer);
    if (layer == config_.layers - 1) finish_step();
}

void ModelStepSource::record_scores(int layer) {
    std::vector<ScoreCandidate> candidates;
    line_.clear();
    for (int h = 0; h < config_.heads; ++h) {
        const std::vector<std::uint32_t>& positions = attention_.kv_positions(layer, h / config_.group());
        const std::vector<float>& p = attention_.query(layer, h);
        candidates.clear();
        // A flipped exponent can make a K inf or NaN, and the head's probabilities NaN: a NaN ranks
        // nothing, so it scores 0 and the head's mass falls to its residual.
        for (std::size_t i = 0; i < positions.size(); ++i)
            candidates.push_back({positions[i], std::isfinite(p[i]) ? p[i] : 0.0f});
        append_trace_head_line(layer, h, header_.topk, candidates, line_);
    }
    parse_head_lines(line_, *current_);
}

void ModelStepSource::finish_step() {
    log_softmax(transformer_.finish(), log_probs_.data());
    const float* reference = &reference_log_probs_[to_size(step_) * to_size(config_.vocab)];
    const int predicted = most_likely(log_probs_.data(), config_.vocab);
    generated_.push_back(predicted);
    const double kl = kl_divergence(reference, log_probs_.data(), config_.vocab);
    const double nll = -static_cast<double>(log_probs_[to_size(tokens_[to_size(prompt_ + step_ + 1)])]);
    const bool finite = std::isfinite(kl) && std::isfinite(nll);
    agree_signal_ = finite && predicted == most_likely(reference, config_.vocab) ? 1 : 0;
    ++quality_.steps;
    quality_.agreements += agree_signal_;
    if (!finite) {
        ++quality_.nonfinite_steps;
        kl_unats_ = nll_unats_ = 0;  // the step is counted apart
        return;
    }
    quality_.kl_sum_nats += kl;
    quality_.nll_sum_nats += nll;
    kl_unats_ = static_cast<std::uint64_t>(std::llround(std::max(0.0, kl) * 1e6));
    nll_unats_ = static_cast<std::uint64_t>(std::llround(std::max(0.0, nll) * 1e6));
}

void ModelStepSource::report_stats(StatsReport& report) const {
    const auto continuation_begin = tokens_.begin() + prompt_;
    report.set("execution", {{"checkpoint", checkpoint_.path()},
                             {"prompt_ids", std::vector<int>(tokens_.begin(), continuation_begin)},
                             {"reference_ids", std::vector<int>(continuation_begin, tokens_.end())},
                             {"generated_ids", generated_}});
    report.set("quality", {{"steps", quality_.steps},
                           {"nonfinite_steps", quality_.nonfinite_steps},
                           {"top1_agreement", quality_.top1_agreement()},
                           {"mean_kl_nats", quality_.mean_kl_nats()},
                           {"perplexity", quality_.perplexity()},
                           {"reference_perplexity", quality_.reference_perplexity()}});
}

void ModelStepSource::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, agree_signal_, "quality.top1_agree");
    sc_core::sc_trace(file, kl_unats_, "quality.kl_unats");
    sc_core::sc_trace(file, nll_unats_, "quality.nll_unats");
}

}  // namespace kelle
