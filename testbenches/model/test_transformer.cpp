// The forward pass against an independent implementation: llama2.c's run.c on the committed
// checkpoint, greedy from BOS.
//
// kReferenceIds are run.c's output, not ours. Provenance:
//   repository github.com/karpathy/llama2.c, commit 350e04fe35433e6d2941dce5a1f53308f87058eb
//   (2024-05-29), file run.c, built outside this project with `gcc -O2 -o run_ids run_ids.c -lm`
//   after three changes, all to its printing and tokenizer (tok512.bin is not available):
//     - in generate(): `encode(tokenizer, prompt, 1, 0, prompt_tokens, &num_prompt_tokens);`
//       became `prompt_tokens[0] = 1; num_prompt_tokens = 1;` (the prompt is BOS alone);
//     - in generate(): `char* piece = decode(tokenizer, token, next); safe_printf(piece);`
//       became `printf("%d ", next);`
//     - in main(): the `build_tokenizer(...)` and `free_tokenizer(...)` calls were removed.
//   Command: ./run_ids models/stories260K.bin -t 0 -n 512   (temperature 0: argmax sampling)
//   It printed 512 ids (no BOS among them, so it never stopped early); the first 256 are here.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "model/decode.h"

using namespace kelle;

namespace {

const std::string kCheckpoint = std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin";

const std::vector<int> kReferenceIds = {
    461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264,
    283, 452, 288, 13, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431,
    431, 293, 430, 417, 363, 416, 315, 342, 418, 424, 400, 442, 402, 303, 266, 299,
    374, 466, 396, 303, 271, 362, 390, 469, 306, 469, 423, 314, 347, 305, 356, 333,
    333, 333, 333, 425, 377, 354, 304, 304, 304, 304, 304, 330, 341, 382, 468, 473,
    473, 402, 402, 299, 299, 483, 456, 473, 456, 473, 465, 465, 465, 341, 317, 436,
    363, 454, 315, 377, 360, 408, 472, 453, 327, 316, 266, 417, 277, 299, 369, 283,
    266, 417, 264, 277, 277, 277, 439, 456, 407, 407, 309, 341, 436, 330, 466, 377,
    422, 436, 472, 465, 466, 407, 407, 407, 407, 407, 465, 466, 473, 330, 330, 386,
    431, 304, 304, 472, 453, 380, 299, 299, 483, 475, 452, 477, 295, 412, 302, 330,
    275, 377, 271, 341, 438, 452, 287, 302, 341, 438, 303, 303, 303, 283, 266, 417,
    277, 277, 277, 409, 281, 303, 303, 462, 402, 402, 402, 402, 299, 299, 277, 333,
    333, 333, 333, 333, 299, 299, 299, 292, 325, 329, 382, 374, 458, 465, 465, 466,
    465, 466, 465, 442, 456, 407, 465, 465, 473, 473, 473, 473, 473, 407, 465, 465,
    473, 473, 473, 407, 465, 465, 465, 466, 465, 465, 465, 466, 465, 465, 465, 465,
    473, 465, 465, 465, 465, 473, 330, 327, 435, 445, 435, 396, 454, 388, 369, 367,
};

}  // namespace

TEST_CASE("the committed checkpoint's header is the one models/README.md gives", "[model]") {
    const Checkpoint c = load_checkpoint(kCheckpoint);
    const ModelConfig& m = c.config();
    CHECK(m.dim == 64);
    CHECK(m.hidden_dim == 172);
    CHECK(m.layers == 5);
    CHECK(m.heads == 8);
    CHECK(m.kv_heads == 4);
    CHECK(m.vocab == 512);
    CHECK(m.seq_len == 512);
    CHECK(m.shared_classifier);
    CHECK(m.head_size() == 8);
    CHECK(m.group() == 2);
}

TEST_CASE("greedy decoding from BOS gives llama2.c run.c's token ids", "[model]") {
    const Checkpoint c = load_checkpoint(kCheckpoint);
    const std::vector<int> ids = greedy_decode(c, {kBosToken}, static_cast<int>(kReferenceIds.size()));
    REQUIRE(ids.size() == kReferenceIds.size());
    std::size_t first_difference = 0;
    while (first_difference < ids.size() && ids[first_difference] == kReferenceIds[first_difference]) ++first_difference;
    INFO("first differing step: " << first_difference);
    CHECK(ids == kReferenceIds);
}
