// Whole sequences through the forward pass: greedy decoding, teacher forcing, and the quality
// of a run's next-token predictions against a reference run's.
//
// Everything works in token ids (the checkpoints come without their tokenizer). A sequence
// starts with BOS (id 1) at position 0, as llama2.c's run.c starts every generation.
#pragma once

#include <string>
#include <vector>

#include "model/transformer.h"

namespace kelle {

constexpr int kBosToken = 1;

// The `steps` ids greedy decoding appends to `prompt` (non-empty; BOS first), K/V held exactly.
// Unlike run.c it does not stop at a generated BOS: the caller asked for `steps` ids.
std::vector<int> greedy_decode(const Checkpoint& checkpoint, const std::vector<int>& prompt, int steps);

// Per step, the log-probabilities (natural log) of every next token.
struct NextTokenLogProbs {
    int vocab = 0;
    std::vector<float> values;  // [step][vocab]
    int steps() const { return vocab == 0 ? 0 : static_cast<int>(values.size() / static_cast<std::size_t>(vocab)); }
    const float* at(int step) const { return &values[static_cast<std::size_t>(step) * static_cast<std::size_t>(vocab)]; }
};

// log_softmax(logits) into out[logits.size()], in double and rounded once.
void log_softmax(const std::vector<float>& logits, float* out);

// Feeds tokens[i] at position i (i = 0 .. size-1) whatever the model predicts; step i holds the
// distribution of the token after tokens[i]. K/V go through `kv`, which must be empty.
NextTokenLogProbs teacher_force(Transformer& transformer, KvSource& kv, const std::vector<int>& tokens,
                                const EvictedPositions* evicted = nullptr);

// One step's measures: the most likely token (lowest id on ties), and KL(reference || run) in nats,
// sum_t p_ref(t) (log p_ref(t) - log p_run(t)), of two log-probability rows [vocab].
int most_likely(const float* log_probs, int vocab);
double kl_divergence(const float* reference, const float* run, int vocab);

// The share of steps (of the shorter run) whose most likely token (lowest id on ties) agrees.
double top1_agreement(const NextTokenLogProbs& reference, const NextTokenLogProbs& run);
// The mean over steps of KL(reference || run) in nats: sum_t p_ref(t) (log p_ref(t) - log p_run(t)).
double mean_kl_divergence(const NextTokenLogProbs& reference, const NextTokenLogProbs& run);
// exp of the mean of -log p_run(targets[i]) at step i (steps: targets.size()): the perplexity of
// a continuation (targets[i] = the token fed at step i + 1) under the run.
double perplexity(const NextTokenLogProbs& run, const std::vector<int>& targets);

// A prompt's token ids from a text file: whitespace-separated decimal ids, each in [0, vocab),
// at most `max_ids` of them; `#` starts a comment to the end of its line. A bad id, a line past
// 1 MiB or a file that is not a regular one is an InputError naming the file and line.
std::vector<int> read_token_ids(const std::string& path, int vocab, int max_ids);

}  // namespace kelle
