#include "sequencer/weight_map.h"

namespace kelle {

namespace {
std::uint64_t u64(int v) { return static_cast<std::uint64_t>(v); }
std::uint64_t ffn_in_rows(const ModelShape& m) { return (m.gated_ffn ? 2 : 1) * u64(m.ffn); }
}  // namespace

WeightMap::WeightMap(const ModelShape& model, std::uint64_t weight_bytes) : model_(model), weight_bytes_(weight_bytes) {
    const std::uint64_t d = u64(model.hidden);
    layer_elements_ = (d + 2 * u64(model.kv_dim())) * d + d * d + ffn_in_rows(model) * d + d * u64(model.ffn);
    const std::uint64_t weights_bytes = layer_elements_ * weight_bytes * u64(model.layers);
    end_address_ = (weights_bytes + 4095) / 4096 * 4096;
}

WeightMap::Matrix WeightMap::matrix(int layer, std::uint64_t offset_elements, std::uint64_t out_rows,
                                    std::uint64_t in_cols) const {
    const std::uint64_t address = (u64(layer) * layer_elements_ + offset_elements) * weight_bytes_;
    return {out_rows, in_cols, address, out_rows * in_cols * weight_bytes_};
}

WeightMap::Matrix WeightMap::qkv(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, 0, d + 2 * u64(model_.kv_dim()), d);
}

WeightMap::Matrix WeightMap::out_proj(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d, d, d);
}

WeightMap::Matrix WeightMap::ffn_in(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d + d * d, ffn_in_rows(model_), d);
}

WeightMap::Matrix WeightMap::ffn_out(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d + d * d + ffn_in_rows(model_) * d, d,
                  u64(model_.ffn));
}

}  // namespace kelle
