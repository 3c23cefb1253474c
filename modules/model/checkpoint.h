// A LLaMA-architecture checkpoint in the llama2.c format (models/README.md gives the layout):
// a header of 7 little-endian int32 values (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len; a negative vocab_size means the classifier is a tensor of its own), then
// float32 tensors. The two RoPE tables the format stores are skipped: RoPE is recomputed.
//
// load_checkpoint checks everything it can before it allocates: the path is a regular file (not
// a directory, a FIFO or a device such as /dev/zero), every header value is in range and
// consistent, and the file's size is exactly what the header implies. Any failure is one
// InputError naming the file and the field; nothing is guessed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kelle {

// Limits on a header, so that a corrupt one is an error rather than an attempt to allocate
// terabytes. Each is far above any published LLaMA model (LLaMA-3-70B: dim 8192, hidden 28672,
// 80 layers, 64 heads, vocab 128256, context 8192; about 280 GB as float32).
constexpr std::int64_t kMaxCheckpointDim = 1 << 16;      // dim and hidden_dim
constexpr std::int64_t kMaxCheckpointLayers = 1 << 10;
constexpr std::int64_t kMaxCheckpointVocab = 1 << 20;
constexpr std::int64_t kMaxCheckpointSeqLen = 1 << 20;
constexpr std::uint64_t kMaxCheckpointBytes = std::uint64_t{1} << 40;  // 1 TiB of weights

struct ModelConfig {
    int dim = 0;         // the residual stream's width
    int hidden_dim = 0;  // the FFN's intermediate width
    int layers = 0;
    int heads = 0;       // query heads
    int kv_heads = 0;    // K/V heads; heads / kv_heads query heads share each (grouped-query)
    int vocab = 0;
    int seq_len = 0;     // the longest context the model was trained for
    bool shared_classifier = true;  // the classifier is the token embedding's transpose

    int head_size() const { return dim / heads; }
    int kv_dim() const { return kv_heads * head_size(); }
    int group() const { return heads / kv_heads; }  // query heads per K/V head
};

// One layer's weights, row-major with the output index outer ([out][in]), as llama2.c stores them.
struct LayerWeights {
    const float* rms_att;  // [dim]
    const float* wq;       // [dim][dim]
    const float* wk;       // [kv_dim][dim]
    const float* wv;       // [kv_dim][dim]
    const float* wo;       // [dim][dim]
    const float* rms_ffn;  // [dim]
    const float* w1;       // [hidden][dim] (gate)
    const float* w2;       // [dim][hidden] (down)
    const float* w3;       // [hidden][dim] (up)
};

class Checkpoint {
public:
    Checkpoint(Checkpoint&&) = default;  // the tensors' pointers stay valid: the vector's buffer moves
    Checkpoint& operator=(Checkpoint&&) = default;
    Checkpoint(const Checkpoint&) = delete;
    Checkpoint& operator=(const Checkpoint&) = delete;

    const ModelConfig& config() const { return config_; }
    const std::string& path() const { return path_; }
    const float* token_embedding() const { return embedding_; }  // [vocab][dim]
    const LayerWeights& layer(int l) const { return layers_[static_cast<std::size_t>(l)]; }
    const float* rms_final() const { return rms_final_; }        // [dim]
    const float* classifier() const { return classifier_; }      // [vocab][dim]

private:
    Checkpoint() = default;
    friend Checkpoint load_checkpoint(const std::string& path);
    std::string path_;
    ModelConfig config_;
    std::vector<float> data_;  // every tensor the format stores, RoPE tables included
    const float* embedding_ = nullptr;
    std::vector<LayerWeights> layers_;
    const float* rms_final_ = nullptr;
    const float* classifier_ = nullptr;
};

// InputError(path, 0, field, ...) for any bad file.
Checkpoint load_checkpoint(const std::string& path);

// The size of the file at `path`; an InputError(path, 0, "file", ...) unless it is a regular
// file (opening a FIFO would block, and a device such as /dev/zero never ends).
std::uint64_t regular_file_bytes(const std::string& path);

// The number of bytes a file with this (checked) config must have.
std::uint64_t checkpoint_bytes(const ModelConfig& config);

}  // namespace kelle
