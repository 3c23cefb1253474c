#include "model/decode.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include "common/error.h"
#include "common/line_reader.h"

namespace kelle {
namespace {

constexpr std::size_t kMaxTokenLineBytes = 1 << 20;

void check_comparable(const NextTokenLogProbs& a, const NextTokenLogProbs& b) {
    if (a.vocab != b.vocab) throw std::invalid_argument("log-probabilities over different vocabularies");
}

}  // namespace

std::vector<int> greedy_decode(const Checkpoint& checkpoint, const std::vector<int>& prompt, int steps) {
    const ModelConfig& c = checkpoint.config();
    Transformer transformer(checkpoint);
    ExactKvStore kv(c.layers, c.kv_heads, c.head_size(), c.seq_len);
    std::vector<int> generated;
    int token = prompt.at(0);
    for (int position = 0; static_cast<int>(generated.size()) < steps; ++position) {
        const std::vector<float>& logits = transformer.forward(token, position, kv);
        const std::size_t next_index = static_cast<std::size_t>(position) + 1;
        if (next_index < prompt.size()) {
            token = prompt[next_index];
        } else {
            token = argmax(logits);
            generated.push_back(token);
        }
    }
    return generated;
}

void log_softmax(const std::vector<float>& logits, float* out) {
    double max_logit = logits[0];
    for (const float l : logits) max_logit = std::max(max_logit, static_cast<double>(l));
    double sum = 0;
    for (const float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
    const double log_sum = max_logit + std::log(sum);
    for (std::size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<float>(logits[i] - log_sum);
}

NextTokenLogProbs teacher_force(Transformer& transformer, KvSource& kv, const std::vector<int>& tokens,
                                const EvictedPositions* evicted) {
    NextTokenLogProbs result;
    result.vocab = transformer.checkpoint().config().vocab;
    result.values.resize(tokens.size() * static_cast<std::size_t>(result.vocab));
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::vector<float>& logits = transformer.forward(tokens[i], static_cast<int>(i), kv, evicted);
        log_softmax(logits, &result.values[i * static_cast<std::size_t>(result.vocab)]);
    }
    return result;
}

int most_likely(const float* log_probs, int vocab) {
    int best = 0;
    for (int t = 1; t < vocab; ++t)
        if (log_probs[t] > log_probs[best]) best = t;
    return best;
}

double kl_divergence(const float* reference, const float* run, int vocab) {
    double total = 0;
    for (int t = 0; t < vocab; ++t)
        total += std::exp(static_cast<double>(reference[t])) * (static_cast<double>(reference[t]) - run[t]);
    return total;
}

double top1_agreement(const NextTokenLogProbs& reference, const NextTokenLogProbs& run) {
    check_comparable(reference, run);
    const int steps = std::min(reference.steps(), run.steps());
    if (steps == 0) return 0;
    int agree = 0;
    for (int s = 0; s < steps; ++s)
        agree += most_likely(reference.at(s), reference.vocab) == most_likely(run.at(s), run.vocab);
    return static_cast<double>(agree) / steps;
}

double mean_kl_divergence(const NextTokenLogProbs& reference, const NextTokenLogProbs& run) {
    check_comparable(reference, run);
    const int steps = std::min(reference.steps(), run.steps());
    if (steps == 0) return 0;
    double total = 0;
    for (int s = 0; s < steps; ++s) total += kl_divergence(reference.at(s), run.at(s), reference.vocab);
    return total / steps;
}

double perplexity(const NextTokenLogProbs& run, const std::vector<int>& targets) {
    if (targets.empty() || static_cast<int>(targets.size()) > run.steps())
        throw std::invalid_argument("perplexity: targets must be 1 to run.steps() long");
    double negative_log_likelihood = 0;
    for (std::size_t s = 0; s < targets.size(); ++s) negative_log_likelihood -= run.at(static_cast<int>(s))[targets[s]];
    return std::exp(negative_log_likelihood / static_cast<double>(targets.size()));
}

std::vector<int> read_token_ids(const std::string& path, int vocab, int max_ids) {
    regular_file_bytes(path);
    std::ifstream in(path);
    if (!in) throw InputError(path, 0, "file", "cannot open");
    LineReader lines(in, kMaxTokenLineBytes);
    std::vector<int> ids;
    std::string line;
    for (int number = 1;; ++number) {
        const LineReader::Result r = lines.next(line);
        if (r == LineReader::Result::end) break;
        if (r == LineReader::Result::too_long) throw InputError(path, number, "line", "longer than 1 MiB");
        line = line.substr(0, line.find('#'));
        for (const std::string& field : split_fields(line)) {
            int id = -1;
            const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), id);
            if (error != std::errc() || end != field.data() + field.size() || id < 0 || id >= vocab)
                throw InputError(path, number, field, "not a token id in [0, " + std::to_string(vocab) + ")");
            if (static_cast<int>(ids.size()) == max_ids)
                throw InputError(path, number, field, "more than " + std::to_string(max_ids) + " token ids");
            ids.push_back(id);
        }
    }
    return ids;
}

}  // namespace kelle
