// Trace format v1: the reader on hand-written files, the generator's determinism and shape.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "trace/trace.h"
#include "common/trace_files.h"
#include "trace/trace_generator.h"

using namespace kelle;
using namespace kelle_test;

namespace {
const char* const kHeader =
    "kelle-trace 1\n"
    "# a comment\n"
    "model name=hand layers=1 heads=2 kv_heads=1 head_dim=2 hidden=4 ffn=8 dtype_bytes=2 gated_ffn=0\n"
    "prompt_tokens 3\n"
    "decode_steps 2\n"
    "topk 2\n"
    "begin\n";  // line 7
}  // namespace

TEST_CASE("a hand-written trace reads back exactly", "[trace]") {
    const std::string text = std::string(kHeader) +
                             "step 0 context 4\n"
                             "0 0 3:0.5 0:0.25\n"
                             "0 1 1:0.125\n"
                             "\n"
                             "step 1 context 5\n"
                             "0 0 4:0.75\n"
                             "0 1\n";
    TraceReader reader(write("hand.trace", text));
    const TraceHeader& h = reader.header();
    CHECK(h.model.name == "hand");
    CHECK(h.model.heads == 2);
    CHECK_FALSE(h.model.gated_ffn);
    CHECK(h.prompt_tokens == 3);
    StepScores step;
    REQUIRE(reader.next(step));
    CHECK(step.context_tokens == 4);
    REQUIRE(step.at(0, 0).top.size() == 2);
    CHECK(step.at(0, 0).top[0].position == 3);
    CHECK(step.at(0, 0).top[1].score == 0.25f);
    CHECK(step.at(0, 0).residual == Approx(0.25));   // 1 - 0.5 - 0.25
    CHECK(step.at(0, 1).residual == Approx(0.875));  // 1 - 0.125
    REQUIRE(reader.next(step));
    CHECK(step.step == 1);
    CHECK(step.at(0, 1).top.empty());
    CHECK(step.at(0, 1).residual == Approx(1.0));
    CHECK_FALSE(reader.next(step));
}

TEST_CASE("malformed traces name the file, the line and the key", "[trace]") {
    const std::string h = kHeader;
    // Line 8 is the step line, 9 and 10 its head lines.
    CHECK_THAT(error_of("t1.trace", h + "step 0 context 9\n"), Catch::Contains("t1.trace:8: context"));
    CHECK_THAT(error_of("t2.trace", h + "step 1 context 5\n"), Catch::Contains("t2.trace:8: step"));
    CHECK_THAT(error_of("t3.trace", h + "step 0 context 4\n0 0 4:0.5\n"), Catch::Contains("t3.trace:9: position"));
    CHECK_THAT(error_of("t4.trace", h + "step 0 context 4\n0 0 1:0.5 1:0.1\n"), Catch::Contains("t4.trace:9: position"));
    CHECK_THAT(error_of("t5.trace", h + "step 0 context 4\n0 0 1:0.5 2:0.1 3:0.1\n"), Catch::Contains("t5.trace:9: topk"));
    CHECK_THAT(error_of("t6.trace", h + "step 0 context 4\n0 0 1:0.9 2:0.2\n"), Catch::Contains("t6.trace:9: score"));
    CHECK_THAT(error_of("t7.trace", h + "step 0 context 4\n0 0 1:-0.1\n"), Catch::Contains("t7.trace:9: score"));
    CHECK_THAT(error_of("t8.trace", h + "step 0 context 4\n0 1 1:0.1\n"), Catch::Contains("t8.trace:9: head"));
    CHECK_THAT(error_of("t9.trace", h + "step 0 context 4\n0 0 1:0.1\n"), Catch::Contains("truncated"));
    CHECK_THAT(error_of("t10.trace", h + "step 0 context 4\n0 0\n0 1\n"), Catch::Contains("truncated: expected step 1"));
    CHECK_THAT(error_of("t11.trace", h + "step 0 context 4\n0 0\n0 1\nstep 1 context 5\n0 0\n0 1\nextra\n"),
               Catch::Contains("t11.trace:14"));
}

TEST_CASE("malformed headers are refused", "[trace]") {
    CHECK_THAT(error_of("h1.trace", ""), Catch::Contains("empty file"));
    CHECK_THAT(error_of("h2.trace", std::string("\x01\x02\x03", 3)), Catch::Contains("binary"));
    CHECK_THAT(error_of("h3.trace", "kelle-trace 2\n"), Catch::Contains("h3.trace:1: version"));
    CHECK_THAT(error_of("h4.trace", "kelle-trace 1\nprompt_tokens 3\nbegin\n"), Catch::Contains("model"));
    CHECK_THAT(error_of("h5.trace",
                        "kelle-trace 1\nmodel name=x layers=1 heads=3 kv_heads=2 head_dim=2 hidden=6 ffn=8 "
                        "dtype_bytes=2 gated_ffn=1\n"),
               Catch::Contains("h5.trace:2: model.kv_heads"));
    CHECK_THAT(error_of("h6.trace",
                        "kelle-trace 1\nmodel name=x layers=0 heads=1 kv_heads=1 head_dim=2 hidden=2 ffn=8 "
                        "dtype_bytes=2 gated_ffn=1\n"),
               Catch::Contains("h6.trace:2: model.layers"));
    CHECK_THAT(error_of("h7.trace", std::string(kHeader).replace(std::string(kHeader).find("topk 2"), 6, "topk -2")),
               Catch::Contains("h7.trace:6: topk"));
}

namespace {
std::string generate(std::uint64_t seed) {
    GeneratorOptions o;
    o.model = model_preset("llama-3.2-1b");
    o.model.layers = 2;
    o.prompt_tokens = 100;
    o.decode_steps = 4;
    o.topk = 16;
    o.seed = seed;
    std::ostringstream out;
    write_trace(o, out);
    return out.str();
}
}  // namespace

TEST_CASE("the generator is deterministic in its seed", "[trace][generator]") {
    CHECK(generate(5) == generate(5));
    CHECK(generate(5) != generate(6));
}

TEST_CASE("generated traces read back with every head summing to 1", "[trace][generator]") {
    const std::string path = write("generated.trace", generate(1));
    TraceReader reader(path);
    CHECK(reader.header().model.kv_heads == 8);
    StepScores step;
    int steps = 0;
    while (reader.next(step)) {
        ++steps;
        for (const HeadScores& head : step.heads) {
            double sum = head.residual;
            for (const ScoreEntry& e : head.top) sum += e.score;
            CHECK(sum == Approx(1.0).epsilon(1e-4));
            CHECK(head.top.size() == 16);
        }
    }
    CHECK(steps == 4);
    REQUIRE(reader.prefill() != nullptr);  // the generator writes the prefill block
}

TEST_CASE("generated attention has sinks and persistent heavy hitters", "[trace][generator]") {
    const std::string path = write("structure.trace", generate(2));
    TraceReader reader(path);
    StepScores step;
    int sink_listed = 0, heads_seen = 0;
    // Per head of layer 0: positions outside sinks (0..3) and the recent window (last 32) that
    // are listed at both the first and the last step are heavy hitters that persisted.
    std::vector<std::vector<std::uint32_t>> first(32), last(32);
    while (reader.next(step)) {
        for (int head = 0; head < 32; ++head) {
            auto& keep = step.step == 0 ? first[head] : last[head];
            keep.clear();
            for (const ScoreEntry& e : step.at(0, head).top) {
                if (e.position == 0) ++sink_listed;
                if (e.position >= 4 && e.position + 32 < static_cast<std::uint32_t>(step.context_tokens))
                    keep.push_back(e.position);
            }
            ++heads_seen;
        }
    }
    int persistent_heads = 0;
    for (int head = 0; head < 32; ++head)
        for (std::uint32_t p : first[head])
            if (std::find(last[head].begin(), last[head].end(), p) != last[head].end()) {
                ++persistent_heads;
                break;
            }
    CHECK(sink_listed == heads_seen);  // the first sink is in every head's top 16
    CHECK(persistent_heads >= 24);     // most heads keep a heavy hitter across the steps
}

TEST_CASE("unknown model presets are refused", "[trace][generator]") {
    CHECK_THROWS_AS(model_preset("gpt-5"), InputError);
}

TEST_CASE("the paper's tasks and models are presets", "[trace][generator]") {
    // kelle-paper.md section 6 [paper §7]: task = prompt / decode / N'.
    const TaskPreset pg19 = task_preset("pg19");
    CHECK(pg19.prompt_tokens == 512);
    CHECK(pg19.decode_steps == 8192);
    CHECK(pg19.budget_tokens == 2048);
    CHECK(task_preset("lambada").budget_tokens == 128);
    CHECK(task_presets().size() == 4);
    CHECK_THROWS_AS(task_preset("wikitext"), InputError);
    // LLaMA-3-8B is grouped-query: 32 query heads share 8 KV heads, so a token's K/V
    // (2 x 8 x 128 = 2048 elements) is half its layer input x (4096): AERP's x saves nothing.
    const ModelShape gqa = model_preset("llama-3-8b");
    CHECK(2 * gqa.kv_heads * gqa.head_dim < gqa.hidden);
    CHECK(model_preset("llama-2-13b").hidden == model_preset("llama-2-13b").heads * model_preset("llama-2-13b").head_dim);
}

TEST_CASE("an optional prefill block reads back per layer and head", "[trace]") {
    const std::string text = std::string(kHeader) +
                             "prefill\n"
                             "0 0 0:0.5\n"
                             "0 1 2:0.25 1:0.25\n"
                             "step 0 context 4\n0 0\n0 1\n"
                             "step 1 context 5\n0 0\n0 1\n";
    TraceReader reader(write("prefill.trace", text));
    REQUIRE(reader.prefill() != nullptr);
    CHECK(reader.prefill()->context_tokens == 3);  // the prompt
    CHECK(reader.prefill()->at(0, 0).top[0].position == 0);
    CHECK(reader.prefill()->at(0, 1).residual == Approx(0.5));
    StepScores step;
    CHECK(reader.next(step));
    CHECK(reader.next(step));
    CHECK_FALSE(reader.next(step));
    // Prefill positions must be prompt positions (0..2).
    CHECK_THAT(error_of("prefill_bad.trace", std::string(kHeader) + "prefill\n0 0 3:0.5\n"),
               Catch::Contains("prefill_bad.trace:9: position"));
}
