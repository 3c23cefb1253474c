// KvCacheManager's KV traffic: compacted bursts in timing mode, slot-exact writes and checked
// reads of real values in functional mode (the class is declared in kv_cache_manager.h).
#include <algorithm>
#include <cmath>

#include "common/fp16.h"
#include "kvcache/kv_cache_manager.h"
#include "kvcache/kv_values.h"

namespace kelle {

double KvCacheManager::transfer_region(int region, tlm::tlm_command command, double t_ns) {
    std::uint64_t onchip[2] = {0, 0}, spilled[2] = {0, 0};
    for (const KvToken& token : heads_[static_cast<std::size_t>(region)].tokens())
        ++(layout_.slot_onchip(region, token.slot) ? onchip : spilled)[layout_.class_of(token.slot)];
    double done_ns = t_ns;
    for (int c = 0; c < layout_.classes(); ++c) {
        for (int plane = 0; plane < layout_.planes() && onchip[c] > 0; ++plane) {
            const Extent burst = layout_.onchip_burst(region, c, plane, onchip[c]);
            done_ns = std::max(done_ns, issuer_.memory(kv_socket, command, burst.address, burst.bytes, t_ns));
        }
        if (spilled[c] > 0) {
            const Extent burst = layout_.spill_burst(region, c, spilled[c]);
            done_ns = std::max(done_ns, issuer_.memory(dram_socket, command, burst.address, burst.bytes, t_ns));
        }
    }
    return done_ns;
}

void KvCacheManager::pristine_values(int region, std::uint32_t position, std::uint16_t* values) const {
    const int layer = region / header_.model.kv_heads, kv_head = region % header_.model.kv_heads;
    for (int e = 0; e < values_per_slot(); ++e) values[e] = pristine_kv_value(layer, kv_head, position, e);
}

double KvCacheManager::write_slot(int region, std::uint32_t slot, const std::uint16_t* values, double t_ns) {
    Extent pieces[2];
    const int count = layout_.pieces(region, slot, pieces);
    double done_ns = t_ns;
    for (int i = 0; i < count; ++i) {
        if (functional_)
            encode_piece(values, values_per_slot(), pieces[i].onchip ? layout_.planes() : 1, i,
                         issuer_.data(pieces[i].bytes));
        auto& socket = pieces[i].onchip ? kv_socket : dram_socket;
        done_ns = std::max(done_ns, issuer_.memory(socket, tlm::TLM_WRITE_COMMAND, pieces[i].address, pieces[i].bytes, t_ns));
    }
    return done_ns;
}

double KvCacheManager::read_slot(int region, const KvToken& token, std::uint16_t* values, double t_ns) {
    Extent pieces[2];
    const int count = layout_.pieces(region, token.slot, pieces);
    double done_ns = t_ns;
    for (int i = 0; i < count; ++i) {
        auto& socket = pieces[i].onchip ? kv_socket : dram_socket;
        done_ns = std::max(done_ns, issuer_.memory(socket, tlm::TLM_READ_COMMAND, pieces[i].address, pieces[i].bytes, t_ns));
        if (functional_) piece_bytes_[i].assign(issuer_.data(pieces[i].bytes), issuer_.data(pieces[i].bytes) + pieces[i].bytes);
    }
    if (!functional_) return done_ns;
    if (!pieces[0].onchip) {  // off-chip DRAM stores no bytes and loses none: the values are intact
        pristine_values(region, token.position, values);
        return done_ns;
    }
    const unsigned char* const bytes[2] = {piece_bytes_[0].data(), piece_bytes_[1].data()};
    decode_pieces(bytes, layout_.planes(), values_per_slot(), values);
    return done_ns;
}

void KvCacheManager::check_values(int region, std::uint32_t position, const std::uint16_t* values) {
    pristine_values(region, position, reference_.data());
    for (int e = 0; e < values_per_slot(); ++e) {
        const double want = half_to_float(reference_[e]);
        const double got = half_to_float(values[e]);
        // A flip into the exponent can make inf or NaN: count it as the largest finite error.
        const double error = std::isfinite(got) ? got - want : 65504.0;
        stats_.values_checked++;
        stats_.corrupted_values += values[e] != reference_[e] ? 1 : 0;
        stats_.value_error_sq += error * error;
        stats_.value_reference_sq += want * want;
    }
}

double KvCacheManager::read_region_checked(int region, double t_ns) {
    double done_ns = t_ns;
    for (const KvToken& token : heads_[static_cast<std::size_t>(region)].tokens()) {
        done_ns = std::max(done_ns, read_slot(region, token, values_a_.data(), t_ns));
        check_values(region, token.position, values_a_.data());
    }
    return done_ns;
}

double KvCacheManager::write_region(int region, double t_ns) {
    if (!functional_) return transfer_region(region, tlm::TLM_WRITE_COMMAND, t_ns);
    double done_ns = t_ns;
    for (const KvToken& token : heads_[static_cast<std::size_t>(region)].tokens()) {
        pristine_values(region, token.position, values_a_.data());
        done_ns = std::max(done_ns, write_slot(region, token.slot, values_a_.data(), t_ns));
    }
    return done_ns;
}

}  // namespace kelle
