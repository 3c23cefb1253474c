// Execution-driven decode (--checkpoint): the model inside the platform, its quality against
// the clean reference run, and its timing against the captured trace's replay.
//
// Expected values come from the model's equations run here, in process, by the reference
// forward pass (model/transformer.h) with K/V held as binary16 (the platform's format): the same
// arithmetic in the same order as the platform's run gives bit-identical logits, so agreement,
// KL and token ids compare exactly.
#include <catch2/catch.hpp>
#include <cmath>

#include "model/decode.h"
#include "system/run_tool.h"

using namespace kelle;
using namespace kelle_test;

namespace {

const std::string kCheckpoint = source_path("models/stories260K.bin");
constexpr int kDecode = 48;

std::string exec_arguments(int decode, const std::string& extra) {
    return "--checkpoint " + kCheckpoint + " --decode " + std::to_string(decode) + " " + extra;
}

// The reference's ids after BOS: greedy decoding with K/V held exactly as binary16 (the
// platform's format; decode.h's greedy_decode keeps float32, which picks other tokens here).
std::vector<int> reference_continuation(const Checkpoint& c, int decode) {
    const ModelConfig& m = c.config();
    Transformer transformer(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len, true);
    std::vector<int> ids;
    int token = kBosToken;
    for (int position = 0; position <= decode; ++position) {
        token = argmax(transformer.forward(token, position, kv));
        ids.push_back(token);
    }
    return ids;
}

// Teacher-forced on BOS + `continuation` (all but its last id), with `evicted` masked, K/V as binary16.
NextTokenLogProbs forced(const Checkpoint& c, const std::vector<int>& continuation, const EvictedPositions* evicted) {
    const ModelConfig& m = c.config();
    Transformer transformer(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len, true);
    std::vector<int> tokens = {kBosToken};
    tokens.insert(tokens.end(), continuation.begin(), continuation.end() - 1);
    return teacher_force(transformer, kv, tokens, evicted);
}

std::vector<int> ids(const nlohmann::json& array) { return array.get<std::vector<int>>(); }

}  // namespace

TEST_CASE("execution-driven with exact storage and the full policy matches the reference", "[execution]") {
    // SRAM holds K/V exactly: the run is the reference, so agreement 1, KL 0, and its perplexity
    // is the reference continuation's under the reference pass run here (decode.h's perplexity).
    const nlohmann::json s = run_stats("exec_exact", exec_arguments(kDecode, "--config " + source_path("platforms/original_sram.ini") +
                                                                         " --set kv.policy=full"));
    const Checkpoint c = load_checkpoint(kCheckpoint);
    const std::vector<int> continuation = reference_continuation(c, kDecode);
    CHECK(ids(s["execution"]["prompt_ids"]) == std::vector<int>{kBosToken});
    CHECK(ids(s["execution"]["reference_ids"]) == continuation);
    const NextTokenLogProbs reference = forced(c, continuation, nullptr);
    // Steps 1..decode of the forced run are the platform's decode steps (step 0 is the prompt's).
    std::vector<int> targets(continuation.begin() + 1, continuation.end());
    NextTokenLogProbs decode_part;
    decode_part.vocab = reference.vocab;
    decode_part.values.assign(reference.values.begin() + reference.vocab, reference.values.end());
    CHECK(s["quality"]["steps"] == kDecode);
    CHECK(s["quality"]["top1_agreement"].get<double>() == 1.0);
    CHECK(s["quality"]["mean_kl_nats"].get<double>() == 0.0);
    CHECK(s["quality"]["perplexity"].get<double>() == Approx(perplexity(decode_part, targets)).epsilon(1e-12));
    CHECK(s["quality"]["reference_perplexity"].get<double>() == s["quality"]["perplexity"].get<double>());
    CHECK(ids(s["execution"]["generated_ids"]) == targets);
}

TEST_CASE("an evicted token receives no attention: the window run is the masked model's", "[execution]") {
    // kv.policy=window, budget 8: each head holds the 8 most recent positions (the new one
    // included), so the model's attention must be the reference pass with every older position
    // masked. Its predictions must equal that masked pass's, and differ from the full cache's.
    constexpr int kBudget = 8;
    const nlohmann::json s =
        run_stats("exec_window", exec_arguments(kDecode, "--config " + source_path("platforms/original_sram.ini") +
                                                             " --set kv.policy=window --set kv.budget_tokens=8"));
    const Checkpoint c = load_checkpoint(kCheckpoint);
    const ModelConfig& m = c.config();
    const std::vector<int> continuation = reference_continuation(c, kDecode);
    // A masked pass position by position: at position p, positions up to p - budget are gone.
    Transformer transformer(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len, true);
    EvictedPositions evicted(m.layers, m.kv_heads, m.seq_len);
    std::vector<int> masked_predictions;
    std::vector<int> tokens = {kBosToken};
    tokens.insert(tokens.end(), continuation.begin(), continuation.end() - 1);
    for (int p = 0; p < static_cast<int>(tokens.size()); ++p) {
        for (int l = 0; l < m.layers; ++l)
            for (int h = 0; h < m.kv_heads; ++h)
                if (p - kBudget >= 0) evicted.evict(l, h, static_cast<std::uint32_t>(p - kBudget));
        const int predicted = argmax(transformer.forward(tokens[static_cast<std::size_t>(p)], p, kv, &evicted));
        if (p >= 1) masked_predictions.push_back(predicted);
    }
    const std::vector<int> full(continuation.begin() + 1, continuation.end());
    CHECK(ids(s["execution"]["generated_ids"]) == masked_predictions);
    CHECK(masked_predictions != full);
    CHECK(s["quality"]["top1_agreement"].get<double>() < 1.0);
    CHECK(s["kv"]["evictions"].get<int>() > 0);
}

TEST_CASE("stressed retention flips corrupt the stored K/V and the model's output", "[execution]") {
    // Periodic refresh at 7.2 ms: p_fail = 4.9e-3 per bit (base.ini's tail anchor); x 150 gives
    // p = 0.735, so most bits of every stored byte, the high bytes too, are flipped: K's signs
    // and exponents are noise and attention over the cache is meaningless. Agreement must fall
    // below 0.5 (a run that ignored the stored bytes would keep 1.0).
    const std::string functional =
        "--config " + source_path("platforms/kelle.ini") +
        " --set kv.policy=full --set edram.functional=true --set sched.order=serial --set kv.size_rule=model "
        "--set edram.refresh_policy=periodic --set edram.refresh_interval_us=7200 ";
    const nlohmann::json stressed = run_stats("exec_stress", exec_arguments(kDecode, functional + "--set edram.retention_stress=150"));
    CHECK(stressed["retention"]["actual_bit_flips"].get<double>() > 0);
    CHECK(stressed["quality"]["top1_agreement"].get<double>() < 0.5);
    CHECK(stressed["quality"]["nonfinite_steps"].get<int>() + stressed["quality"]["mean_kl_nats"].get<double>() > 0.1);
    // Unstressed at 45 us (p_fail 1e-8) nothing flips in this short run: the reference's output.
    const nlohmann::json safe = run_stats("exec_safe", exec_arguments(kDecode, functional + "--set edram.refresh_interval_us=45"));
    CHECK(safe["retention"]["actual_bit_flips"] == 0);
    CHECK(safe["quality"]["top1_agreement"].get<double>() == 1.0);
    CHECK(safe["quality"]["mean_kl_nats"].get<double>() == 0.0);
}

TEST_CASE("quality is in the summary table and per step in the waveform", "[execution]") {
    const std::string vcd = tmp_path("exec_quality.vcd");
    const RunResult r = sim(exec_arguments(8, "--vcd " + vcd));
    REQUIRE(r.status == 0);
    CHECK(r.out.find("top-1 agreement") != std::string::npos);
    CHECK(r.out.find("mean KL divergence") != std::string::npos);
    const std::string waveform = slurp(vcd);  // scope `quality`, one var per signal
    CHECK(waveform.find("$scope module quality $end") != std::string::npos);
    for (const char* signal : {"top1_agree", "kl_unats", "nll_unats"}) CHECK(waveform.find(signal) != std::string::npos);
}

TEST_CASE("execution-driven runs are deterministic", "[execution]") {
    const std::string args = exec_arguments(16, "--set edram.functional=true --set kv.policy=h2o --set sched.order=serial "
                                                "--set kv.size_rule=model --set edram.retention_stress=1000 --seed 3");
    nlohmann::json a = run_stats("exec_det_a", args), b = run_stats("exec_det_b", args);
    for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb"}) a.erase(key), b.erase(key);
    CHECK(a == b);
}

TEST_CASE("a captured trace replayed gives the execution-driven run's timing and energy", "[execution]") {
    // kelle-tracegen --checkpoint writes the full cache's attention rounded as the run rounds
    // it; with the full policy and exact storage both runs make the same decisions, so every
    // stat but the source's own (execution, quality, trace path, wall times) must be equal, and
    // kv.attention_mass_retained: the trace writer holds K/V as float32, the platform as
    // binary16, so the scores differ in their last digits (not in any decision, as the rest shows).
    const std::string trace = make_trace("exec_capture.trace", "--checkpoint " + kCheckpoint + " --decode 32");
    const std::string config = "--config " + source_path("platforms/kelle.ini") + " --set kv.policy=full ";
    nlohmann::json replay = run_stats("exec_replay", config + "--trace " + trace);
    nlohmann::json run = run_stats("exec_run", config + exec_arguments(32, ""));
    for (const char* key : {"wall_time_s", "decode_wall_time_s", "peak_rss_mb", "trace", "execution", "quality"})
        replay.erase(key), run.erase(key);
    CHECK(replay["kv"]["attention_mass_retained"]["mean"].get<double>() ==
          Approx(run["kv"]["attention_mass_retained"]["mean"].get<double>()).epsilon(1e-5));
    replay["kv"].erase("attention_mass_retained"), run["kv"].erase("attention_mass_retained");
    CHECK(replay.dump(1) == run.dump(1));
    CHECK(replay["energy_pj"]["total"].get<double>() > 0);
}

TEST_CASE("bad input to --checkpoint is one line", "[execution][bad-input]") {
    CHECK(sim("--checkpoint " + kCheckpoint + " --trace x.trace").status == 2);
    CHECK(sim("--decode 5").status == 2);
    CHECK(sim("--checkpoint " + kCheckpoint + " --decode 0").status == 2);
    const RunResult too_long = sim("--checkpoint " + kCheckpoint + " --decode 600");
    CHECK(too_long.status == 2);
    CHECK(too_long.err.find("--decode") != std::string::npos);
    const RunResult missing = sim("--checkpoint /nonexistent.bin");
    CHECK(missing.status == 1);
    CHECK(std::count(missing.err.begin(), missing.err.end(), '\n') == 1);
}
