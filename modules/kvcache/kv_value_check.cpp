#include "kvcache/kv_value_check.h"

#include <cmath>

#include "common/fp16.h"
#include "kvcache/kv_stats.h"
#include "kvcache/kv_values.h"

namespace kelle {

namespace {
// A flip into the exponent can make inf or NaN: count it as the largest finite error.
constexpr double kLargestHalf = 65504.0;
}  // namespace

KvValueCheck::KvValueCheck(const ModelShape& model, std::size_t regions)
    : model_(model),
      reference_(static_cast<std::size_t>(values_per_slot())),
      full_cache_v_sum_(regions * static_cast<std::size_t>(model.head_dim), 0.0f),
      reference_output_(static_cast<std::size_t>(model.head_dim)) {}

void KvValueCheck::pristine(int region, std::uint32_t position, std::uint16_t* values) const {
    const int layer = region / model_.kv_heads, kv_head = region % model_.kv_heads;
    if (source_) return source_(layer, kv_head, position, values);
    for (int e = 0; e < values_per_slot(); ++e) values[e] = pristine_kv_value(layer, kv_head, position, e);
}

void KvValueCheck::add_to_full_cache(int region, std::uint32_t position) {
    const auto head_dim = static_cast<std::size_t>(model_.head_dim);
    pristine(region, position, reference_.data());
    float* sum = &full_cache_v_sum_[static_cast<std::size_t>(region) * head_dim];
    for (std::size_t d = 0; d < head_dim; ++d) sum[d] += half_to_float(reference_[head_dim + d]);
}

void KvValueCheck::start_region(std::size_t tokens) {
    read_v_.resize(tokens * static_cast<std::size_t>(model_.head_dim));
}

void KvValueCheck::check(int region, std::size_t index, std::uint32_t position, const std::uint16_t* values,
                         KvStats& stats) {
    pristine(region, position, reference_.data());
    for (int e = 0; e < values_per_slot(); ++e) {
        const double want = half_to_float(reference_[e]);
        const double got = half_to_float(values[e]);
        const double error = std::isfinite(got) ? got - want : kLargestHalf;
        stats.values_checked++;
        stats.corrupted_values += values[e] != reference_[e] ? 1 : 0;
        stats.value_error_sq += error * error;
        stats.value_reference_sq += want * want;
    }
    const auto head_dim = static_cast<std::size_t>(model_.head_dim);
    for (std::size_t d = 0; d < head_dim; ++d) read_v_[index * head_dim + d] = half_to_float(values[head_dim + d]);
}

void KvValueCheck::measure_output_error(int region, const std::vector<KvToken>& tokens, const StepScores& scores,
                                        KvStats& stats) {
    const auto head_dim = static_cast<std::size_t>(model_.head_dim);
    const int group = model_.heads / model_.kv_heads;
    const int layer = region / model_.kv_heads, kv_head = region % model_.kv_heads;
    const float* full_sum = &full_cache_v_sum_[static_cast<std::size_t>(region) * head_dim];
    std::vector<double>& out = output_, &reference = reference_output_;
    for (int q = kv_head * group; q < (kv_head + 1) * group; ++q) {
        const HeadScores& head = scores.at(layer, q);
        const std::size_t unlisted = static_cast<std::size_t>(scores.context_tokens) - head.top.size();
        const double share = unlisted > 0 ? head.residual / static_cast<double>(unlisted) : 0.0;
        auto weight = [&](std::uint32_t position) {
            for (const ScoreEntry& e : head.top)
                if (e.position == position) return static_cast<double>(e.score);
            return share;
        };
        // What this cache gives: the retained tokens' values as read, weights renormalised over them.
        out.assign(head_dim, 0.0);
        double kept = 0;
        for (std::size_t j = 0; j < tokens.size(); ++j) {
            const double a = weight(tokens[j].position);
            kept += a;
            for (std::size_t d = 0; d < head_dim; ++d) out[d] += a * read_v_[j * head_dim + d];
        }
        // What the full, error-free cache gives: share x (sum of every value) + the listed excess.
        for (std::size_t d = 0; d < head_dim; ++d) reference[d] = share * full_sum[d];
        for (const ScoreEntry& e : head.top) {
            pristine(region, e.position, reference_.data());
            for (std::size_t d = 0; d < head_dim; ++d)
                reference[d] += (e.score - share) * half_to_float(reference_[head_dim + d]);
        }
        double error_sq = 0, reference_sq = 0;
        for (std::size_t d = 0; d < head_dim; ++d) {
            const double got = kept > 0 ? out[d] / kept : 0.0;
            const double diff = std::isfinite(got) ? got - reference[d] : kLargestHalf;
            error_sq += diff * diff;
            reference_sq += reference[d] * reference[d];
        }
        stats.output_rel_errors.push_back(reference_sq > 0 ? std::sqrt(error_sq / reference_sq) : 0.0);
    }
}

}  // namespace kelle
