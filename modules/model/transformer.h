// The reference forward pass of a llama2.c checkpoint, in float32, one token at a time:
//
//   x = embedding[token]
//   per layer l:  xn = RMSNorm(x) * rms_att[l]                        (the layer input, below)
//                 q = Wq xn, k = Wk xn, v = Wv xn; RoPE on q and k at the token's position
//                 x += Wo attention(q, the K/V of every present, unevicted position)
//                 x += W2 (silu(W1 xn') * (W3 xn')),  xn' = RMSNorm(x) * rms_ffn[l]
//   logits = classifier (RMSNorm(x) * rms_final)
//
// RMSNorm: x / sqrt(mean(x^2) + 1e-5). RoPE: in every head, the pair (2i, 2i+1) rotates by the
// angle position * 10000^(-2i / head_size). Attention (grouped-query: query head h reads K/V
// head h / group): softmax over the entries of q.k / sqrt(head_size), then the weighted sum of V.
// The loops and the order of every sum follow llama2.c's run.c, so greedy decoding gives its
// token ids (testbenches/model/test_transformer.cpp).
//
// What a platform plugs in: K and V go through a KvSource (kv_source.h), positions an eviction
// policy removed are masked (EvictedPositions), and each step can report its attention
// probabilities (StepAttention) and every layer's input x, from which project_kv recomputes a
// token's K and V (Kelle's AERP keeps x instead of K/V for some tokens).
#pragma once

#include <cstdint>
#include <vector>

#include "model/checkpoint.h"
#include "model/kv_source.h"

namespace kelle {

// The attention of one step (one token, every layer).
struct StepAttention {
    int heads = 0, kv_heads = 0;
    // [layer * kv_heads + kv_head]: the positions attended over, in the order the KvSource listed
    // them, without the evicted ones (those have probability zero).
    std::vector<std::vector<std::uint32_t>> positions;
    // [layer * heads + head]: that query head's probability of each entry of its K/V head's positions.
    std::vector<std::vector<float>> probabilities;
    // [layer * kv_heads + kv_head]: the sum of probabilities over the query heads sharing the K/V
    // head; what the platform's importance scores accumulate.
    std::vector<std::vector<float>> importance;

    const std::vector<std::uint32_t>& kv_positions(int layer, int kv_head) const {
        return positions[static_cast<std::size_t>(layer * kv_heads + kv_head)];
    }
    const std::vector<float>& query(int layer, int head) const {
        return probabilities[static_cast<std::size_t>(layer * heads + head)];
    }
    const std::vector<float>& kv_importance(int layer, int kv_head) const {
        return importance[static_cast<std::size_t>(layer * kv_heads + kv_head)];
    }
};

class Transformer {
public:
    explicit Transformer(const Checkpoint& checkpoint);

    // Runs `token` at `position` through every layer and returns the logits [vocab]. Writes the
    // token's K/V to `kv` and attends over what `kv` returns, minus `evicted` (null: nothing
    // evicted); fills `attention` when given. Positions must come in order from 0 with `kv`
    // holding the earlier ones. A (layer, K/V head) left with no entry contributes zero.
    const std::vector<float>& forward(int token, int position, KvSource& kv, const EvictedPositions* evicted = nullptr,
                                      StepAttention* attention = nullptr);

    // forward() in three parts, for a caller that runs each layer when its platform reaches it
    // (execution-driven decode): begin(token), run_layer(0 .. layers-1) in order, finish(); the
    // same arithmetic in the same order, so the logits are forward()'s bit for bit.
    void begin(int token, StepAttention* attention = nullptr);
    void run_layer(int layer, int position, KvSource& kv, const EvictedPositions* evicted = nullptr,
                   StepAttention* attention = nullptr);
    const std::vector<float>& finish();

    // The input of `layer` for the token last forwarded: x = RMSNorm(residual) * rms_att[layer],
    // the dim floats Wq, Wk and Wv multiply, so K = RoPE(Wk x) and V = Wv x (project_kv).
    const float* layer_input(int layer) const { return &layer_inputs_[static_cast<std::size_t>(layer * config_.dim)]; }

    const Checkpoint& checkpoint() const { return checkpoint_; }

private:
    void attention(int layer, int position, KvSource& kv, const EvictedPositions* evicted, StepAttention* record);
    void attend_group(int layer, int kv_head, StepAttention* record);
    void feed_forward(int layer);

    const Checkpoint& checkpoint_;
    const ModelConfig& config_;
    std::vector<float> x_, xb_, xb2_, q_, k_, v_, hb_, hb2_, logits_, scores_, layer_inputs_;
    std::vector<KvEntry> entries_, kept_;
};

// A token's K and V (kv_dim floats each) for `layer`, from its layer input x (Transformer::
// layer_input) at `position`: K = RoPE(Wk x), V = Wv x; bit for bit what the forward pass wrote.
void project_kv(const Checkpoint& checkpoint, int layer, int position, const float* x, float* k, float* v);

// The id of the largest logit; the lowest id among equal ones (llama2.c's greedy sampler).
int argmax(const std::vector<float>& logits);

}  // namespace kelle
