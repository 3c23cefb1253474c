// The checkpoint reader on bad files: each is one line naming the file and the field, and none
// allocates what its header asks for (the huge headers below would need terabytes).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "checkpoint_files.h"
#include "common/error.h"
#include "model/checkpoint.h"

using namespace kelle;
using kelle_test::temp_path;
using kelle_test::write_checkpoint;

namespace {

const std::string kCheckpoint = std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin";

// The committed checkpoint's header and size (models/README.md): 7 int32, then floats.
const std::vector<std::int32_t> kGoodHeader = {64, 172, 5, 8, 4, 512, 512};
constexpr std::size_t kGoodFloats = (1056540 - 28) / 4;

std::string error_of(const std::string& path) {
    try {
        load_checkpoint(path);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

// A header with one value replaced, followed by the good checkpoint's float count.
std::string with_header_value(const std::string& name, int index, std::int32_t value) {
    std::vector<std::int32_t> header = kGoodHeader;
    header[static_cast<std::size_t>(index)] = value;
    return write_checkpoint(name, header, std::vector<float>(kGoodFloats));
}

void check_one_line(const std::string& message, const std::string& path, const std::string& field) {
    INFO(message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.rfind(path + ": " + field + ": ", 0) == 0);
}

}  // namespace

TEST_CASE("the size the reader expects is the layout's hand count", "[model][checkpoint]") {
    // vocab x dim 32768; per layer 2 x 64 + 2 x 64^2 + 2 x 32 x 64 + 3 x 172 x 64 = 45440, x 5;
    // final norm 64; RoPE tables 512 x 8; so 264128 floats, 1056512 bytes, plus the 28-byte header.
    const Checkpoint c = load_checkpoint(kCheckpoint);
    CHECK(checkpoint_bytes(c.config()) == 1056540u);
    // A negative vocab_size adds the classifier: vocab x dim more floats.
    ModelConfig unshared = c.config();
    unshared.shared_classifier = false;
    CHECK(checkpoint_bytes(unshared) == 1056540u + 512u * 64u * 4u);
}

TEST_CASE("files that are not checkpoints are refused by name", "[model][checkpoint]") {
    const std::string missing = temp_path("no-such-checkpoint.bin");
    std::remove(missing.c_str());
    check_one_line(error_of(missing), missing, "file");
    check_one_line(error_of(KELLE_TEST_TMP), KELLE_TEST_TMP, "file");
    check_one_line(error_of("/dev/zero"), "/dev/zero", "file");
    const std::string fifo = temp_path("checkpoint.fifo");
    std::remove(fifo.c_str());
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    check_one_line(error_of(fifo), fifo, "file");  // returns at once: a FIFO is never opened
    std::remove(fifo.c_str());
}

TEST_CASE("a file too short for its header or its tensors is refused", "[model][checkpoint]") {
    const std::string path = temp_path("short.bin");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << "0123456789";
    check_one_line(error_of(path), path, "header");

    std::vector<float> one_short(kGoodFloats - 1);
    const std::string truncated = write_checkpoint("truncated.bin", kGoodHeader, one_short);
    check_one_line(error_of(truncated), truncated, "size");
    const std::string longer = write_checkpoint("longer.bin", kGoodHeader, std::vector<float>(kGoodFloats + 1));
    check_one_line(error_of(longer), longer, "size");
    // The same floats under a negative vocab_size lack the classifier's 512 x 64.
    const std::string unshared = with_header_value("unshared.bin", 5, -512);
    check_one_line(error_of(unshared), unshared, "size");
    CHECK(error_of(with_header_value("good-copy.bin", 0, 64)).empty());  // the control: a good file reads
}

TEST_CASE("a weight that is not a finite number is refused, naming its tensor", "[model][checkpoint]") {
    // The first W_K float: after the embedding (512 x 64), rms_att (5 x 64) and W_Q (5 x 64 x 64).
    std::vector<float> floats(kGoodFloats, 0.0f);
    floats[512 * 64 + 5 * 64 + 5 * 64 * 64] = std::numeric_limits<float>::quiet_NaN();
    const std::string path = write_checkpoint("nan-weight.bin", kGoodHeader, floats);
    check_one_line(error_of(path), path, "wk");
}

TEST_CASE("absurd header values are refused before anything is allocated", "[model][checkpoint]") {
    struct Case {
        const char* name;
        int index;
        std::int32_t value;
        const char* field;
    };
    const Case cases[] = {
        {"dim-zero.bin", 0, 0, "dim"},
        {"dim-negative.bin", 0, -64, "dim"},
        {"dim-huge.bin", 0, INT_MAX, "dim"},
        {"hidden-zero.bin", 1, 0, "hidden_dim"},
        {"layers-negative.bin", 2, -1, "n_layers"},
        {"layers-huge.bin", 2, 1 << 20, "n_layers"},
        {"heads-zero.bin", 3, 0, "n_heads"},
        {"heads-past-dim.bin", 3, 128, "n_heads"},
        {"heads-not-dividing.bin", 3, 7, "n_heads"},       // 64 / 7
        {"head-size-odd.bin", 3, 64, "n_heads"},  // head size 64 / 64 = 1: no RoPE pair
        {"kv-heads-zero.bin", 4, 0, "n_kv_heads"},
        {"kv-heads-not-dividing.bin", 4, 3, "n_kv_heads"},  // 8 / 3
        {"kv-heads-past-heads.bin", 4, 16, "n_kv_heads"},
        {"vocab-zero.bin", 5, 0, "vocab_size"},
        {"vocab-most-negative.bin", 5, INT_MIN, "vocab_size"},  // its magnitude does not fit an int32
        {"seq-len-zero.bin", 6, 0, "seq_len"},
        {"seq-len-huge.bin", 6, INT_MAX, "seq_len"},
    };
    for (const Case& c : cases) {
        const std::string path = with_header_value(c.name, c.index, c.value);
        check_one_line(error_of(path), path, c.field);
    }
}

TEST_CASE("sizes within each limit whose product is past the total limit are refused", "[model][checkpoint]") {
    // Every value at its limit (head size 2): 1024 layers x 3 x 2^16 x 2^16 FFN floats alone are
    // 2^48 bytes, past 2^40.
    const std::vector<std::int32_t> huge = {1 << 16, 1 << 16, 1 << 10, 1 << 15, 1 << 15, 1 << 20, 1 << 20};
    const std::string path = write_checkpoint("product-huge.bin", huge, {});
    check_one_line(error_of(path), path, "header");
    // LLaMA-2-7B's header (about 27 GB of floats) over a file of 28 bytes: the size is refused
    // by comparing numbers, without reserving 27 GB.
    const std::vector<std::int32_t> llama_7b = {4096, 11008, 32, 32, 32, 32000, 4096};
    const std::string small = write_checkpoint("llama-7b-header-only.bin", llama_7b, {});
    check_one_line(error_of(small), small, "size");
}
