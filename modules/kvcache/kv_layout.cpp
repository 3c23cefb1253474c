#include "kvcache/kv_layout.h"

#include <algorithm>

namespace kelle {

namespace {
std::uint64_t u64(int v) { return static_cast<std::uint64_t>(v); }
std::uint64_t ffn_in_rows(const ModelShape& m) { return (m.gated_ffn ? 2 : 1) * u64(m.ffn); }
}  // namespace

KvLayout::KvLayout(const ModelShape& model, std::uint64_t region_slots, std::uint64_t onchip_bytes)
    : model_(model),
      kv_heads_(model.kv_heads),
      slot_bytes_(2 * u64(model.head_dim) * u64(model.dtype_bytes)),
      region_slots_(region_slots),
      onchip_slots_(onchip_bytes / slot_bytes_) {
    const std::uint64_t d = u64(model.hidden);
    layer_weight_elements_ = (d + 2 * u64(model.kv_dim())) * d + d * d + ffn_in_rows(model) * d + d * u64(model.ffn);
    const std::uint64_t weights_bytes = layer_weight_elements_ * u64(model.dtype_bytes) * u64(model.layers);
    spill_base_address_ = (weights_bytes + 4095) / 4096 * 4096;
}

SlotLocation KvLayout::locate_linear(std::uint64_t linear) const {
    if (linear < onchip_slots_) return {true, linear * slot_bytes_};
    return {false, spill_base_address_ + (linear - onchip_slots_) * slot_bytes_};
}

SlotLocation KvLayout::locate(int region, std::uint64_t slot) const {
    return locate_linear(first_linear(region) + slot);
}

SlotLocation KvLayout::spill_base(int region) const {
    return locate_linear(std::max(first_linear(region), onchip_slots_));
}

KvLayout::Matrix KvLayout::matrix(int layer, std::uint64_t offset_elements, std::uint64_t out_rows,
                                  std::uint64_t in_cols) const {
    const std::uint64_t dtype = u64(model_.dtype_bytes);
    const std::uint64_t address = (u64(layer) * layer_weight_elements_ + offset_elements) * dtype;
    return {out_rows, in_cols, address, out_rows * in_cols * dtype};
}

KvLayout::Matrix KvLayout::qkv(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, 0, d + 2 * u64(model_.kv_dim()), d);
}

KvLayout::Matrix KvLayout::out_proj(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d, d, d);
}

KvLayout::Matrix KvLayout::ffn_in(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d + d * d, ffn_in_rows(model_), d);
}

KvLayout::Matrix KvLayout::ffn_out(int layer) const {
    const std::uint64_t d = u64(model_.hidden);
    return matrix(layer, (d + 2 * u64(model_.kv_dim())) * d + d * d + ffn_in_rows(model_) * d, d,
                  u64(model_.ffn));
}

}  // namespace kelle
