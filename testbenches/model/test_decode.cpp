// Teacher forcing, the quality metrics on hand-checked distributions, and prompt files.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>

#include "checkpoint_files.h"
#include "common/error.h"
#include "model/decode.h"

using namespace kelle;

namespace {

NextTokenLogProbs two_token(std::initializer_list<double> probabilities) {
    NextTokenLogProbs r;
    r.vocab = 2;
    for (const double p : probabilities) r.values.push_back(static_cast<float>(std::log(p)));
    return r;
}

}  // namespace

TEST_CASE("the metrics on two-token distributions match a hand count", "[model][quality]") {
    // Step 0: reference (0.5, 0.5), run (0.25, 0.75); step 1: reference (0.9, 0.1), run (0.8, 0.2).
    const NextTokenLogProbs reference = two_token({0.5, 0.5, 0.9, 0.1});
    const NextTokenLogProbs run = two_token({0.25, 0.75, 0.8, 0.2});
    // Top-1: the reference's tie goes to id 0, the run picks 1; step 1 both pick 0.
    CHECK(top1_agreement(reference, run) == Approx(0.5));
    // KL step 0: 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln(4/3) = 0.143841;
    // step 1: 0.9 ln(0.9/0.8) + 0.1 ln(0.1/0.2) = 0.106004 - 0.069315 = 0.036690. Mean 0.0902655.
    CHECK(mean_kl_divergence(reference, run) == Approx(0.0902655).epsilon(1e-5));
    CHECK(mean_kl_divergence(reference, reference) == Approx(0.0).margin(1e-12));
    // Targets 1 then 0 under the run: exp(-(ln 0.75 + ln 0.8) / 2) = 1 / sqrt(0.6) = 1.290994.
    CHECK(perplexity(run, {1, 0}) == Approx(1.290994).epsilon(1e-6));
}

TEST_CASE("teacher forcing on the greedy continuation predicts it, with agreement 1 and KL 0", "[model][quality]") {
    const Checkpoint c = load_checkpoint(std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin");
    const ModelConfig& m = c.config();
    const std::vector<int> generated = greedy_decode(c, {kBosToken}, 32);
    std::vector<int> tokens = {kBosToken};
    tokens.insert(tokens.end(), generated.begin(), generated.end() - 1);
    Transformer t(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len);
    const NextTokenLogProbs forced = teacher_force(t, kv, tokens);
    REQUIRE(forced.steps() == 32);
    for (int s = 0; s < forced.steps(); ++s) {
        double total = 0;
        int best = 0;
        for (int id = 0; id < m.vocab; ++id) {
            total += std::exp(static_cast<double>(forced.at(s)[id]));
            if (forced.at(s)[id] > forced.at(s)[best]) best = id;
        }
        CHECK(total == Approx(1.0).epsilon(1e-5));
        CHECK(best == generated[static_cast<std::size_t>(s)]);  // greedy picked the most likely id
    }
    CHECK(top1_agreement(forced, forced) == 1.0);
    // Each target is its step's most likely id, so its probability is at least 1/512: perplexity <= 512.
    const double ppl = perplexity(forced, generated);
    CHECK(ppl >= 1.0);
    CHECK(ppl <= 512.0);
}

TEST_CASE("a prompt file gives its ids; a bad id names file and line", "[model][quality]") {
    const std::string good = kelle_test::temp_path("prompt.ids");
    std::ofstream(good, std::ios::trunc) << "# a prompt\n461 401\n\n  378 # trailing comment\n";
    CHECK(read_token_ids(good, 512, 16) == std::vector<int>{461, 401, 378});
    const std::string bad = kelle_test::temp_path("bad-prompt.ids");
    std::ofstream(bad, std::ios::trunc) << "461\n401 512\n";
    try {
        read_token_ids(bad, 512, 16);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).rfind(bad + ":2: 512: ", 0) == 0);
    }
    CHECK_THROWS_AS(read_token_ids(good, 512, 2), InputError);  // three ids, at most two allowed
    CHECK_THROWS_AS(read_token_ids("/dev/zero", 512, 2), InputError);
}
