#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kelle {
namespace {

constexpr float kRmsEpsilon = 1e-5f;
constexpr float kRopeBase = 10000.0f;

void rmsnorm(float* out, const float* x, const float* weight, int size) {
    float ss = 0.0f;
    for (int j = 0; j < size; ++j) ss += x[j] * x[j];
    ss /= static_cast<float>(size);
    ss += kRmsEpsilon;
    ss = 1.0f / std::sqrt(ss);
    for (int j = 0; j < size; ++j) out[j] = weight[j] * (ss * x[j]);
}

// out[d] = W[d][n] x[n]: one row at a time, summed in order (contiguous reads of W).
void matmul(float* out, const float* x, const float* w, int n, int d) {
    for (int i = 0; i < d; ++i) {
        const float* row = w + static_cast<std::size_t>(i) * static_cast<std::size_t>(n);
        float sum = 0.0f;
        for (int j = 0; j < n; ++j) sum += row[j] * x[j];
        out[i] = sum;
    }
}

// Rotates the pairs of the first `size` elements of `vec` (whole heads) for `position`.
void rope(float* vec, int size, int head_size, int position) {
    for (int i = 0; i < size; i += 2) {
        const int pair_index = i % head_size;  // 2i of the header's formula
        const float frequency = 1.0f / std::pow(kRopeBase, static_cast<float>(pair_index) / static_cast<float>(head_size));
        const float angle = static_cast<float>(position) * frequency;
        const float c = std::cos(angle), s = std::sin(angle);
        const float v0 = vec[i], v1 = vec[i + 1];
        vec[i] = v0 * c - v1 * s;
        vec[i + 1] = v0 * s + v1 * c;
    }
}

void softmax(float* x, int size) {
    float max_value = x[0];
    for (int i = 1; i < size; ++i) max_value = std::max(max_value, x[i]);
    float sum = 0.0f;
    for (int i = 0; i < size; ++i) {
        x[i] = std::exp(x[i] - max_value);
        sum += x[i];
    }
    for (int i = 0; i < size; ++i) x[i] /= sum;
}

std::size_t to_size(int n) { return static_cast<std::size_t>(n); }

}  // namespace

Transformer::Transformer(const Checkpoint& checkpoint)
    : checkpoint_(checkpoint), config_(checkpoint.config()), x_(to_size(config_.dim)), xb_(x_.size()),
      xb2_(x_.size()), q_(x_.size()), k_(to_size(config_.kv_dim())), v_(k_.size()), hb_(to_size(config_.hidden_dim)),
      hb2_(hb_.size()), logits_(to_size(config_.vocab)), layer_inputs_(to_size(config_.layers) * x_.size()) {}

const std::vector<float>& Transformer::forward(int token, int position, KvSource& kv, const EvictedPositions* evicted,
                                               StepAttention* attention_record) {
    begin(token, attention_record);
    for (int layer = 0; layer < config_.layers; ++layer) run_layer(layer, position, kv, evicted, attention_record);
    return finish();
}

void Transformer::begin(int token, StepAttention* attention_record) {
    const int dim = config_.dim;
    std::memcpy(x_.data(), checkpoint_.token_embedding() + to_size(token) * to_size(dim), to_size(dim) * sizeof(float));
    if (attention_record) {
        attention_record->heads = config_.heads;
        attention_record->kv_heads = config_.kv_heads;
        attention_record->positions.resize(to_size(config_.layers * config_.kv_heads));
        attention_record->importance.resize(attention_record->positions.size());
        attention_record->probabilities.resize(to_size(config_.layers * config_.heads));
    }
}

void Transformer::run_layer(int layer, int position, KvSource& kv, const EvictedPositions* evicted,
                            StepAttention* attention_record) {
    attention(layer, position, kv, evicted, attention_record);
    feed_forward(layer);
}

const std::vector<float>& Transformer::finish() {
    rmsnorm(x_.data(), x_.data(), checkpoint_.rms_final(), config_.dim);
    matmul(logits_.data(), x_.data(), checkpoint_.classifier(), config_.dim, config_.vocab);
    return logits_;
}

void Transformer::attention(int layer, int position, KvSource& kv, const EvictedPositions* evicted, StepAttention* record) {
    const LayerWeights& w = checkpoint_.layer(layer);
    const int dim = config_.dim, head_size = config_.head_size();
    float* input = &layer_inputs_[to_size(layer * dim)];
    rmsnorm(input, x_.data(), w.rms_att, dim);
    matmul(q_.data(), input, w.wq, dim, dim);
    project_kv(checkpoint_, layer, position, input, k_.data(), v_.data());
    rope(q_.data(), dim, head_size, position);
    kv.write(layer, static_cast<std::uint32_t>(position), input, k_.data(), v_.data());

    for (int kv_head = 0; kv_head < config_.kv_heads; ++kv_head) {
        kv.read(layer, kv_head, static_cast<std::uint32_t>(position), entries_);
        kept_.clear();
        for (const KvEntry& e : entries_)
            if (!evicted || !evicted->evicted(layer, kv_head, e.position)) kept_.push_back(e);
        attend_group(layer, kv_head, record);
    }
    matmul(xb_.data(), xb2_.data(), w.wo, dim, dim);
    for (int i = 0; i < dim; ++i) x_[to_size(i)] += xb_[to_size(i)];
}

// The query heads sharing `kv_head` attend over kept_; their outputs go to xb2_.
void Transformer::attend_group(int layer, int kv_head, StepAttention* record) {
    const int head_size = config_.head_size(), group = config_.group();
    const int n = static_cast<int>(kept_.size());
    const float scale = std::sqrt(static_cast<float>(head_size));
    scores_.resize(to_size(n));
    std::vector<float>* importance = nullptr;
    if (record) {
        const std::size_t slot = to_size(layer * config_.kv_heads + kv_head);
        record->positions[slot].clear();
        for (const KvEntry& e : kept_) record->positions[slot].push_back(e.position);
        importance = &record->importance[slot];
        importance->assign(to_size(n), 0.0f);
    }
    for (int head = kv_head * group; head < (kv_head + 1) * group; ++head) {
        const float* q = &q_[to_size(head * head_size)];
        float* out = &xb2_[to_size(head * head_size)];
        std::fill(out, out + head_size, 0.0f);
        if (n == 0) continue;
        for (int t = 0; t < n; ++t) {
            float score = 0.0f;
            for (int i = 0; i < head_size; ++i) score += q[i] * kept_[to_size(t)].k[i];
            scores_[to_size(t)] = score / scale;
        }
        softmax(scores_.data(), n);
        for (int t = 0; t < n; ++t) {
            const float a = scores_[to_size(t)];
            const float* v = kept_[to_size(t)].v;
            for (int i = 0; i < head_size; ++i) out[i] += a * v[i];
        }
        if (record) {
            record->probabilities[to_size(layer * config_.heads + head)].assign(scores_.begin(), scores_.end());
            for (int t = 0; t < n; ++t) (*importance)[to_size(t)] += scores_[to_size(t)];
        }
    }
}

void Transformer::feed_forward(int layer) {
    const LayerWeights& w = checkpoint_.layer(layer);
    const int dim = config_.dim, hidden = config_.hidden_dim;
    rmsnorm(xb_.data(), x_.data(), w.rms_ffn, dim);
    matmul(hb_.data(), xb_.data(), w.w1, dim, hidden);
    matmul(hb2_.data(), xb_.data(), w.w3, dim, hidden);
    for (int i = 0; i < hidden; ++i) {
        const float gate = hb_[to_size(i)];
        hb_[to_size(i)] = gate * (1.0f / (1.0f + std::exp(-gate))) * hb2_[to_size(i)];
    }
    matmul(xb_.data(), hb_.data(), w.w2, hidden, dim);
    for (int i = 0; i < dim; ++i) x_[to_size(i)] += xb_[to_size(i)];
}

void project_kv(const Checkpoint& checkpoint, int layer, int position, const float* x, float* k, float* v) {
    const ModelConfig& c = checkpoint.config();
    const LayerWeights& w = checkpoint.layer(layer);
    matmul(k, x, w.wk, c.dim, c.kv_dim());
    matmul(v, x, w.wv, c.dim, c.kv_dim());
    rope(k, c.kv_dim(), c.head_size(), position);
}

int argmax(const std::vector<float>& logits) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(logits.size()); ++i)
        if (logits[to_size(i)] > logits[to_size(best)]) best = i;
    return best;
}

}  // namespace kelle
