#include "model/checkpoint.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace kelle {
namespace {

constexpr int kHeaderInts = 7;
constexpr std::uint64_t kHeaderBytes = kHeaderInts * sizeof(std::int32_t);

[[noreturn]] void fail(const std::string& path, const std::string& field, const std::string& message) {
    throw InputError(path, 0, field, message);
}

// `limit` names what bounds the value: "the limit" or another header field.
void check_range(const std::string& path, const char* field, std::int64_t value, std::int64_t max,
                 const char* limit = "the limit") {
    if (value <= 0) fail(path, field, "must be positive, got " + std::to_string(value));
    if (value > max) fail(path, field, std::to_string(value) + " is past " + limit + " " + std::to_string(max));
}

// The header's values, checked one by one and against each other.
ModelConfig parse_header(const std::string& path, const std::int32_t (&h)[kHeaderInts]) {
    ModelConfig c;
    check_range(path, "dim", h[0], kMaxCheckpointDim);
    check_range(path, "hidden_dim", h[1], kMaxCheckpointDim);
    check_range(path, "n_layers", h[2], kMaxCheckpointLayers);
    check_range(path, "n_heads", h[3], h[0], "dim");
    check_range(path, "n_kv_heads", h[4], h[3], "n_heads");
    // A negative vocab_size flags the unshared classifier; its magnitude is the vocabulary.
    const std::int64_t vocab = h[5] < 0 ? -static_cast<std::int64_t>(h[5]) : h[5];
    check_range(path, "vocab_size", vocab, kMaxCheckpointVocab);
    check_range(path, "seq_len", h[6], kMaxCheckpointSeqLen);
    c.dim = h[0];
    c.hidden_dim = h[1];
    c.layers = h[2];
    c.heads = h[3];
    c.kv_heads = h[4];
    c.vocab = static_cast<int>(vocab);
    c.seq_len = h[6];
    c.shared_classifier = h[5] > 0;
    if (c.dim % c.heads != 0)
        fail(path, "n_heads", std::to_string(c.heads) + " does not divide dim " + std::to_string(c.dim));
    if (c.heads % c.kv_heads != 0)
        fail(path, "n_kv_heads", std::to_string(c.kv_heads) + " does not divide n_heads " + std::to_string(c.heads));
    if (c.head_size() % 2 != 0)
        fail(path, "n_heads", "head size dim / n_heads = " + std::to_string(c.head_size()) +
                                  " is odd; RoPE rotates pairs of elements");
    return c;
}

// Floats per tensor group, in file order. With every header value within its limit no product
// exceeds 2^45 floats, so nothing here overflows 64 bits.
std::uint64_t checkpoint_floats(const ModelConfig& c) {
    const std::uint64_t dim = static_cast<std::uint64_t>(c.dim), hidden = static_cast<std::uint64_t>(c.hidden_dim);
    const std::uint64_t layers = static_cast<std::uint64_t>(c.layers), kv = static_cast<std::uint64_t>(c.kv_dim());
    const std::uint64_t vocab = static_cast<std::uint64_t>(c.vocab);
    const std::uint64_t per_layer = 2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim;
    const std::uint64_t rope = static_cast<std::uint64_t>(c.seq_len) * static_cast<std::uint64_t>(c.head_size());
    return vocab * dim + layers * per_layer + dim + rope + (c.shared_classifier ? 0 : vocab * dim);
}

}  // namespace

std::uint64_t regular_file_bytes(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) fail(path, "file", std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) fail(path, "file", "is a directory, not a regular file");
    if (!S_ISREG(info.st_mode)) fail(path, "file", "is not a regular file (a FIFO, socket or device)");
    return static_cast<std::uint64_t>(info.st_size);
}

std::uint64_t checkpoint_bytes(const ModelConfig& config) {
    return kHeaderBytes + checkpoint_floats(config) * sizeof(float);
}

Checkpoint load_checkpoint(const std::string& path) {
    const std::uint64_t file_bytes = regular_file_bytes(path);
    if (file_bytes < kHeaderBytes)
        fail(path, "header", "the file has " + std::to_string(file_bytes) + " bytes, fewer than the " +
                                 std::to_string(kHeaderBytes) + "-byte header");
    std::ifstream in(path, std::ios::binary);
    std::int32_t header[kHeaderInts];
    if (!in.read(reinterpret_cast<char*>(header), sizeof header)) fail(path, "header", "cannot read the header");

    Checkpoint c;
    c.path_ = path;
    c.config_ = parse_header(path, header);
    const std::uint64_t expected = checkpoint_bytes(c.config_);
    if (expected > kMaxCheckpointBytes)
        fail(path, "header", "the sizes ask for " + std::to_string(expected) + " bytes, past the limit of " +
                                 std::to_string(kMaxCheckpointBytes));
    if (file_bytes != expected)
        fail(path, "size", "the file has " + std::to_string(file_bytes) + " bytes; its header implies " +
                               std::to_string(expected));

    c.data_.resize(static_cast<std::size_t>((expected - kHeaderBytes) / sizeof(float)));
    if (!in.read(reinterpret_cast<char*>(c.data_.data()), static_cast<std::streamsize>(expected - kHeaderBytes)))
        fail(path, "tensors", "cannot read the weights");

    const ModelConfig& m = c.config_;
    const std::size_t dim = static_cast<std::size_t>(m.dim), hidden = static_cast<std::size_t>(m.hidden_dim);
    const std::size_t kv = static_cast<std::size_t>(m.kv_dim()), layers = static_cast<std::size_t>(m.layers);
    const float* p = c.data_.data();
    // Each group holds every layer's tensor back to back: group g's layer l is at base_g + l * size.
    // A NaN or infinite weight would make every logit NaN and greedy decoding silently pick id 0.
    auto take = [&p, &path](const char* tensor, std::size_t floats) {
        const float* start = p;
        p += floats;
        for (std::size_t i = 0; i < floats; ++i)
            if (!std::isfinite(start[i])) fail(path, tensor, "value " + std::to_string(i) + " is not a finite number");
        return start;
    };
    c.embedding_ = take("token_embedding", static_cast<std::size_t>(m.vocab) * dim);
    const float* rms_att = take("rms_att", layers * dim);
    const float* wq = take("wq", layers * dim * dim);
    const float* wk = take("wk", layers * kv * dim);
    const float* wv = take("wv", layers * kv * dim);
    const float* wo = take("wo", layers * dim * dim);
    const float* rms_ffn = take("rms_ffn", layers * dim);
    const float* w1 = take("w1", layers * hidden * dim);
    const float* w2 = take("w2", layers * dim * hidden);
    const float* w3 = take("w3", layers * hidden * dim);
    c.rms_final_ = take("rms_final", dim);
    p += static_cast<std::size_t>(m.seq_len) * static_cast<std::size_t>(m.head_size());  // the RoPE tables, unused
    c.classifier_ = m.shared_classifier ? c.embedding_ : take("classifier", static_cast<std::size_t>(m.vocab) * dim);
    for (std::size_t l = 0; l < layers; ++l)
        c.layers_.push_back({rms_att + l * dim, wq + l * dim * dim, wk + l * kv * dim, wv + l * kv * dim,
                             wo + l * dim * dim, rms_ffn + l * dim, w1 + l * hidden * dim, w2 + l * dim * hidden,
                             w3 + l * hidden * dim});
    return c;
}

}  // namespace kelle
