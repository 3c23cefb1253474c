// Where a trace's text comes from (trace/trace_source.h): gzip-compressed files and recipes
// read as the text they stand for, and their errors still name the file, the line and the key.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <sstream>

#include "common/error.h"
#include "trace/gzip_file.h"
#include "trace/trace.h"
#include "common/trace_files.h"
#include "trace/trace_generator.h"

using namespace kelle;
using namespace kelle_test;

namespace {

GeneratorOptions small_options() {
    GeneratorOptions o;
    o.model = model_preset("llama-3.2-1b");
    o.model.layers = 2;
    o.prompt_tokens = 40;
    o.decode_steps = 6;
    o.topk = 8;
    o.seed = 3;
    return o;
}

std::string text_of(const GeneratorOptions& o) {
    std::ostringstream out;
    write_trace(o, out);
    return out.str();
}

// `text` gzip-compressed by the writer kelle-tracegen uses.
std::string gzip_bytes(const std::string& text) {
    // ctest runs test cases in parallel processes: the pid keeps their files apart.
    const std::string path = std::string(KELLE_TEST_TMP) + "/" + std::to_string(getpid()) + "_compressing.gz";
    GzipWriter out(path);
    REQUIRE(out.is_open());
    REQUIRE(out.write(text));
    REQUIRE(out.close());
    return slurp_bytes(path);
}

// Every step of both traces, entry by entry, and the prefill block.
void check_same_steps(const std::string& path_a, const std::string& path_b) {
    TraceReader a(path_a), b(path_b);
    CHECK(a.header().model.name == b.header().model.name);
    CHECK(a.header().decode_steps == b.header().decode_steps);
    REQUIRE(a.prefill() != nullptr);
    REQUIRE(b.prefill() != nullptr);
    StepScores step_a, step_b;
    int steps = 0;
    while (a.next(step_a)) {
        REQUIRE(b.next(step_b));
        REQUIRE(step_a.heads.size() == step_b.heads.size());
        for (std::size_t h = 0; h < step_a.heads.size(); ++h) {
            REQUIRE(step_a.heads[h].top.size() == step_b.heads[h].top.size());
            for (std::size_t i = 0; i < step_a.heads[h].top.size(); ++i) {
                CHECK(step_a.heads[h].top[i].position == step_b.heads[h].top[i].position);
                CHECK(step_a.heads[h].top[i].score == step_b.heads[h].top[i].score);
            }
        }
        ++steps;
    }
    CHECK_FALSE(b.next(step_b));
    CHECK(steps == small_options().decode_steps);
}

}  // namespace

TEST_CASE("a gzip trace reads as its text, recognised by its magic bytes whatever its name", "[trace][gzip]") {
    const std::string text = text_of(small_options());
    const std::string plain = write("plain.trace", text);
    const std::string gz = gzip_bytes(text);
    CHECK(gz.substr(0, 2) == "\x1f\x8b");  // RFC 1952's magic, so this is gzip
    CHECK(gz.size() < text.size() / 2);
    check_same_steps(plain, write("compressed.trace.gz", gz));
    check_same_steps(plain, write("renamed.trace", gz));
    // gzip members one after another (cat a.gz b.gz) are one text, as gzip -d reads them.
    const std::string members = gzip_bytes(text.substr(0, text.size() / 3)) + gzip_bytes(text.substr(text.size() / 3));
    check_same_steps(plain, write("members.trace", members));
}

TEST_CASE("an error in a gzip trace names the line of the decompressed text", "[trace][gzip]") {
    std::string text = text_of(small_options());
    // The first score of step 2's first head line (the line after "step 2 ...") becomes -1.
    const std::size_t step2 = text.find("step 2 context");
    const std::size_t head_line = text.find('\n', step2) + 1;
    const std::size_t score = text.find(':', head_line) + 1;
    text.replace(score, text.find(' ', score) - score, "-1");
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(head_line), '\n'));
    CHECK_THAT(error_of("plain_bad_score.trace", text), Catch::Contains(":" + std::to_string(line) + ": score"));
    CHECK_THAT(error_of("bad_score.trace.gz", gzip_bytes(text)),
               Catch::Contains("bad_score.trace.gz:" + std::to_string(line) + ": score"));
}

TEST_CASE("truncated or corrupt gzip data is one error naming the file and the line", "[trace][gzip]") {
    const std::string text = text_of(small_options());
    const std::string gz = gzip_bytes(text);
    const std::string truncated = error_of("cut.trace.gz", gz.substr(0, gz.size() / 2));
    CHECK_THAT(truncated, Catch::Contains("cut.trace.gz:") && Catch::Contains(": gzip: truncated"));
    // Cut inside the 8-byte trailer (CRC-32 and length, RFC 1952): all the text is there, the check is not.
    CHECK_THAT(error_of("no_trailer.trace.gz", gz.substr(0, gz.size() - 3)),
               Catch::Contains("no_trailer.trace.gz:") && Catch::Contains("gzip: truncated"));
    std::string flipped = gz;
    flipped[flipped.size() - 6] ^= 0x55;  // inside the CRC-32: zlib's "incorrect data check"
    CHECK_THAT(error_of("bad_crc.trace.gz", flipped),
               Catch::Contains("bad_crc.trace.gz:") && Catch::Contains("gzip: corrupt compressed data"));
    CHECK_THAT(error_of("garbage_after.trace.gz", gz + "garbage"),
               Catch::Contains("garbage_after.trace.gz:") && Catch::Contains("after gzip member 1"));
    CHECK_THAT(error_of("magic_only.trace.gz", "\x1f\x8b"), Catch::Contains("magic_only.trace.gz:1: gzip: truncated"));
    // 0x1f without gzip's second byte is not gzip, and not text either.
    CHECK_THAT(error_of("not_gzip.trace", "\x1f" "kelle-trace 1\n"), Catch::Contains("not_gzip.trace:1: binary data"));
}

TEST_CASE("a recipe reads as the trace the generator writes from its arguments", "[trace][recipe]") {
    // small_options() written as kelle-tracegen arguments; llama-3.2-1b's preset otherwise.
    const std::string recipe = write("small.recipe",
                                     "# a comment, then the arguments\n"
                                     "--model llama-3.2-1b --layers 2 --prompt 40 --decode 6 --topk 8 --seed 3\n");
    check_same_steps(write("small_plain.trace", text_of(small_options())), recipe);
}

TEST_CASE("a recipe's errors name the recipe, its line of arguments and the option", "[trace][recipe]") {
    const std::string valid = "--model tiny --prompt 2 --decode 3 --topk 2";
    CHECK_THAT(error_of("r1.recipe", valid + " --sed 7\n"), Catch::Contains("/r1.recipe:1: --sed: "));
    CHECK_THAT(error_of("r2.recipe", "--model tiny --prompt abc --decode 3\n"), Catch::Contains("/r2.recipe:1: --prompt: "));
    CHECK_THAT(error_of("r3.recipe", "--model tiny --prompt 0 --decode 3\n"),
               Catch::Contains("/r3.recipe:1: --prompt: must be > 0"));
    CHECK_THAT(error_of("r4.recipe", "--model gpt-5 --prompt 2 --decode 3\n"), Catch::Contains("/r4.recipe:1: --model: "));
    CHECK_THAT(error_of("r5.recipe", "--model tiny --task pg19 --prompt 2\n"), Catch::Contains("/r5.recipe:1: --task: "));
    CHECK_THAT(error_of("r6.recipe", "--model tiny --task wikitext\n"), Catch::Contains("/r6.recipe:1: --task: "));
    CHECK_THAT(error_of("r7.recipe", "\n# the arguments are on line 3\n" + valid + " extra\n"),
               Catch::Contains("/r7.recipe:3: extra: "));
    CHECK_THAT(error_of("r8.recipe", valid + " --output t.trace\n"), Catch::Contains("/r8.recipe:1: --output: "));
    CHECK_THAT(error_of("r9.recipe", valid + "\n" + valid + "\n"), Catch::Contains("/r9.recipe:2: "));
    CHECK_THAT(error_of("r10.recipe", "# nothing but a comment\n"), Catch::Contains("/r10.recipe: "));
    CHECK_THAT(error_of("r11.recipe", "--model tiny --decode 3\n"), Catch::Contains("/r11.recipe:1: --prompt: "));
}

TEST_CASE("a recipe's sizes are checked before the generator allocates its heads", "[trace][recipe][limits]") {
    // 100000 layers x 1000 heads = 10^8 head lines a step, past the 2^16 a run holds
    // (docs/trace-format.md, "Limits"): the generator would have made 10^8 head states first.
    const std::string error = error_of(
        "huge.recipe", "--model tiny --layers 100000 --heads 1000 --kv-heads 1000 --head-dim 1 --hidden 1000 --prompt 2 --decode 3\n");
    CHECK_THAT(error, Catch::Contains("/huge.recipe:1: model.layers: ") && Catch::Contains("100000000 head lines"));
}
