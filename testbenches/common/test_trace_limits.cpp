// Bounded trace reading (issue 15): sizes a run cannot hold, overflowing products and long
// offending text are refused with a short message before anything large is allocated.
#include <catch2/catch.hpp>

#include "trace/trace.h"
#include "common/trace_files.h"

using namespace kelle;
using namespace kelle_test;

namespace {
std::string header(const std::string& model, int prompt_tokens, int decode_steps) {
    return "kelle-trace 1\nmodel " + model + "\nprompt_tokens " + std::to_string(prompt_tokens) + "\ndecode_steps " +
           std::to_string(decode_steps) + "\ntopk 2\nbegin\n";
}

const std::string kSmallModel = "name=m layers=1 heads=2 kv_heads=1 head_dim=2 hidden=4 ffn=8 dtype_bytes=2 gated_ffn=0";
}  // namespace

TEST_CASE("a header asking for more head lines per step than a run holds is refused", "[trace][limits]") {
    // 2^24 layers x 2 heads: the old reader sized a step to 2^25 head lines (gigabytes) first.
    const std::string model = "name=m layers=16777216 heads=2 kv_heads=1 head_dim=2 hidden=4 ffn=8 dtype_bytes=2 gated_ffn=0";
    const std::string error = error_of("many_layers.trace", header(model, 3, 1) + "step 0 context 4\n");
    CHECK_THAT(error, Catch::Contains("model.layers") && Catch::Contains("33554432 head lines"));
}

TEST_CASE("a header asking for more context than a run holds is refused", "[trace][limits]") {
    // 2^30 prompt tokens: the KV cache manager would allocate per position.
    const std::string error = error_of("long_prompt.trace", header(kSmallModel, 1 << 30, 1));
    CHECK_THAT(error, Catch::Contains("prompt_tokens") && Catch::Contains("1073741825"));
}

TEST_CASE("heads x head_dim is computed without int overflow", "[trace][limits]") {
    // 65536 x 65537 = 2^32 + 65536 wraps to 65536 in int: the old check passed hidden=65536.
    const std::string model = "name=m layers=1 heads=65536 kv_heads=1 head_dim=65537 hidden=65536 ffn=8 dtype_bytes=2 gated_ffn=0";
    CHECK_THAT(error_of("overflow.trace", header(model, 3, 1)), Catch::Contains("model.hidden"));
}

TEST_CASE("an error echoes at most 80 characters of the offending text", "[trace][limits]") {
    const std::string junk(500000, 'z');
    const std::string error = error_of("long_token.trace", header(kSmallModel, 3, 1) + "step 0 context 4\n0 0 " + junk + "\n");
    CHECK_THAT(error, Catch::Contains("long_token.trace:8: position") && Catch::Contains(std::string(80, 'z') + "..."));
    CHECK(error.find(std::string(81, 'z')) == std::string::npos);
}

TEST_CASE("a line without end is refused after 1 MiB", "[trace][limits]") {
    const std::string error = error_of("endless.trace", std::string(3 << 20, 'a'));
    CHECK_THAT(error, Catch::Contains("endless.trace:1") && Catch::Contains("longer than 1 MiB"));
}

TEST_CASE("a model name that is not UTF-8 is refused at the header", "[trace][limits]") {
    // The JSON writer threw on it after the whole run (exit 3).
    const std::string model = "name=m\xff\xfe layers=1 heads=2 kv_heads=1 head_dim=2 hidden=4 ffn=8 dtype_bytes=2 gated_ffn=0";
    CHECK_THAT(error_of("latin1.trace", header(model, 3, 1)), Catch::Contains("model.name") && Catch::Contains("UTF-8"));
    const std::string utf8 = "name=mod\xc3\xa8le layers=1 heads=2 kv_heads=1 head_dim=2 hidden=4 ffn=8 dtype_bytes=2 gated_ffn=0";
    TraceReader reader(write("utf8.trace", header(utf8, 3, 1)));
    CHECK(reader.header().model.name == "mod\xc3\xa8le");
}

TEST_CASE("the header's seed takes every 64-bit value the generator takes", "[trace][limits]") {
    // kelle-tracegen --seed 18446744073709551615 wrote a trace the reader refused.
    const std::string text = "kelle-trace 1\nmodel " + kSmallModel +
                             "\nprompt_tokens 3\ndecode_steps 1\ntopk 2\nseed 18446744073709551615\nbegin\n";
    TraceReader reader(write("max_seed.trace", text));
    CHECK(reader.header().seed == 18446744073709551615ULL);
    CHECK_THAT(error_of("over_seed.trace", "kelle-trace 1\nseed 18446744073709551616\n"), Catch::Contains("seed"));
}
