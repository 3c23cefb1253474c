#include "model/kv_source.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/fp16.h"

namespace kelle {

ExactKvStore::ExactKvStore(int layers, int kv_heads, int head_size, int seq_len, bool half_precision)
    : kv_heads_(kv_heads), head_size_(head_size), seq_len_(seq_len), half_precision_(half_precision),
      k_(static_cast<std::size_t>(layers) * static_cast<std::size_t>(seq_len) * static_cast<std::size_t>(kv_heads * head_size)),
      v_(k_.size()), written_(static_cast<std::size_t>(layers), 0) {}

std::size_t ExactKvStore::offset(int layer, std::uint32_t position) const {
    return (static_cast<std::size_t>(layer) * static_cast<std::size_t>(seq_len_) + position) *
           static_cast<std::size_t>(kv_heads_ * head_size_);
}

void ExactKvStore::write(int layer, std::uint32_t position, const float*, const float* k, const float* v) {
    // Positions arrive in order (a decode), so "present" is a prefix of each layer.
    if (position != written_[static_cast<std::size_t>(layer)] || static_cast<int>(position) >= seq_len_)
        throw std::invalid_argument("ExactKvStore: position " + std::to_string(position) + " written out of order");
    const int kv_dim = kv_heads_ * head_size_;
    float* k_out = &k_[offset(layer, position)];
    float* v_out = &v_[offset(layer, position)];
    for (int i = 0; i < kv_dim; ++i) {
        k_out[i] = half_precision_ ? half_to_float(float_to_half(k[i])) : k[i];
        v_out[i] = half_precision_ ? half_to_float(float_to_half(v[i])) : v[i];
    }
    written_[static_cast<std::size_t>(layer)] = position + 1;
}

void ExactKvStore::read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) {
    out.clear();
    const std::uint32_t end = std::min(position + 1, written_[static_cast<std::size_t>(layer)]);
    const std::size_t head = static_cast<std::size_t>(kv_head * head_size_);
    for (std::uint32_t p = 0; p < end; ++p) out.push_back({p, &k_[offset(layer, p) + head], &v_[offset(layer, p) + head]});
}

void ExactKvStore::clear() { std::fill(written_.begin(), written_.end(), 0u); }

EvictedPositions::EvictedPositions(int layers, int kv_heads, int seq_len)
    : kv_heads_(kv_heads), seq_len_(seq_len),
      flags_(static_cast<std::size_t>(layers) * static_cast<std::size_t>(kv_heads) * static_cast<std::size_t>(seq_len), 0) {}

void EvictedPositions::evict(int layer, int kv_head, std::uint32_t position) { flags_[index(layer, kv_head, position)] = 1; }

void EvictedPositions::restore(int layer, int kv_head, std::uint32_t position) {
    flags_[index(layer, kv_head, position)] = 0;
}

void EvictedPositions::clear() { std::fill(flags_.begin(), flags_.end(), std::uint8_t{0}); }

void kv_to_half(const float* k, const float* v, int head_size, std::uint16_t* out) {
    for (int i = 0; i < head_size; ++i) {
        out[i] = float_to_half(k[i]);
        out[head_size + i] = float_to_half(v[i]);
    }
}

void half_to_kv(const std::uint16_t* values, int head_size, float* k, float* v) {
    for (int i = 0; i < head_size; ++i) {
        k[i] = half_to_float(values[i]);
        v[i] = half_to_float(values[head_size + i]);
    }
}

}  // namespace kelle
