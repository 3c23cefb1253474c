// Where the forward pass keeps and reads K and V, and which positions it must not see.
//
// The attention of every layer writes the new token's K and V through a KvSource and reads
// the K/V it attends over back from it, so a platform can hold them where its hardware would
// (eDRAM with retention flips, SRAM, DRAM) and hand back what that storage returns. The
// default, ExactKvStore, keeps them in memory as float32, or rounded to binary16 as the
// platform stores them (kv_to_half below).
//
// K and V of a token are kv_dim = kv_heads x head_size floats each, K/V head h at
// [h * head_size, (h + 1) * head_size). K is stored after RoPE at the token's position.
#pragma once

#include <cstdint>
#include <vector>

namespace kelle {

struct KvEntry {
    std::uint32_t position;
    const float* k;  // head_size floats, RoPE applied
    const float* v;  // head_size floats
};

class KvSource {
public:
    virtual ~KvSource() = default;
    // The token at `position` of `layer` has K and V (kv_dim floats each), computed from the
    // layer input `x` (dim floats; Transformer::layer_input): keep them, or keep x and recompute
    // K and V with project_kv when they are read (Kelle's AERP x-tier). Positions come in order.
    virtual void write(int layer, std::uint32_t position, const float* x, const float* k, const float* v) = 0;
    // `out` := the entries of (layer, kv_head) the token at `position` attends over: the positions
    // at or before it the source holds, in any order, with K and V as the storage returns them.
    // The pointers stay valid until the next read or write.
    virtual void read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) = 0;
};

// Every written position, exactly as written (or rounded to binary16 when `half_precision`).
class ExactKvStore : public KvSource {
public:
    ExactKvStore(int layers, int kv_heads, int head_size, int seq_len, bool half_precision = false);
    void write(int layer, std::uint32_t position, const float* x, const float* k, const float* v) override;
    void read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) override;
    void clear();  // forget every position (a new sequence)

private:
    std::size_t offset(int layer, std::uint32_t position) const;
    int kv_heads_, head_size_, seq_len_;
    bool half_precision_;
    std::vector<float> k_, v_;           // [layer][position][kv_dim]
    std::vector<std::uint32_t> written_;  // per layer: positions 0 .. written_-1 are present
};

// Per (layer, KV head), the positions an eviction policy removed: the attention gives them
// zero probability and renormalises over the rest.
class EvictedPositions {
public:
    EvictedPositions(int layers, int kv_heads, int seq_len);
    void evict(int layer, int kv_head, std::uint32_t position);
    void restore(int layer, int kv_head, std::uint32_t position);
    bool evicted(int layer, int kv_head, std::uint32_t position) const {
        return flags_[index(layer, kv_head, position)] != 0;
    }
    void clear();

private:
    std::size_t index(int layer, int kv_head, std::uint32_t position) const {
        return (static_cast<std::size_t>(layer) * static_cast<std::size_t>(kv_heads_) + static_cast<std::size_t>(kv_head)) *
                   static_cast<std::size_t>(seq_len_) + position;
    }
    int kv_heads_, seq_len_;
    std::vector<std::uint8_t> flags_;
};

// One K/V head's K and V as the platform's 16-bit values (IEEE binary16, round to nearest
// even), K's head_size values then V's: the value order of a slot in kvcache/kv_values.h, whose
// encode_piece/decode_pieces split them into bytes or high/low byte planes.
void kv_to_half(const float* k, const float* v, int head_size, std::uint16_t* out);
void half_to_kv(const std::uint16_t* values, int head_size, float* k, float* v);

}  // namespace kelle
