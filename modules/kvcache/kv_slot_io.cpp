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
        if (!token.as_x) ++(layout_.slot_onchip(region, token.slot) ? onchip : spilled)[layout_.class_of(token.slot)];
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

double KvCacheManager::read_region_checked(int region, const StepScores& scores, double t_ns) {
    const auto head_dim = static_cast<std::size_t>(header_.model.head_dim);
    const auto& tokens = heads_[static_cast<std::size_t>(region)].tokens();
    read_v_.resize(tokens.size() * head_dim);
    double done_ns = t_ns;
    for (std::size_t j = 0; j < tokens.size(); ++j) {
        done_ns = std::max(done_ns, read_slot(region, tokens[j], values_a_.data(), t_ns));
        check_values(region, tokens[j].position, values_a_.data());
        for (std::size_t d = 0; d < head_dim; ++d) read_v_[j * head_dim + d] = half_to_float(values_a_[head_dim + d]);
    }
    measure_output_error(region, scores);
    return done_ns;
}

void KvCacheManager::add_to_full_cache(int region, std::uint32_t position) {
    const auto head_dim = static_cast<std::size_t>(header_.model.head_dim);
    pristine_values(region, position, reference_.data());
    float* sum = &full_cache_v_sum_[static_cast<std::size_t>(region) * head_dim];
    for (std::size_t d = 0; d < head_dim; ++d) sum[d] += half_to_float(reference_[head_dim + d]);
}

void KvCacheManager::measure_output_error(int region, const StepScores& scores) {
    const ModelShape& m = header_.model;
    const auto head_dim = static_cast<std::size_t>(m.head_dim);
    const int group = m.heads / m.kv_heads;
    const int layer = region / m.kv_heads, kv_head = region % m.kv_heads;
    const auto& tokens = heads_[static_cast<std::size_t>(region)].tokens();
    const float* full_sum = &full_cache_v_sum_[static_cast<std::size_t>(region) * head_dim];
    std::vector<double>& out = output_, &reference = reference_output_;
    for (int q = kv_head * group; q < (kv_head + 1) * group; ++q) {
        const HeadScores& head = scores.at(layer, q);
        const std::size_t unlisted = static_cast<std::size_t>(scores.context_tokens) - head.top.size();
        const double share = unlisted > 0 ? head.residual / static_cast<double>(unlisted) : 0.0;
        auto weight = [&](std::uint32_t position) {
            for (const ScoreEntry& e : head.top)
                if (e.position == position) return static_cast<double>(e.score);
            return share;
        };
        // What this cache gives: the retained tokens' values as read, weights renormalised over them.
        out.assign(head_dim, 0.0);
        double kept = 0;
        for (std::size_t j = 0; j < tokens.size(); ++j) {
            const double a = weight(tokens[j].position);
            kept += a;
            for (std::size_t d = 0; d < head_dim; ++d) out[d] += a * read_v_[j * head_dim + d];
        }
        // What the full, error-free cache gives: share x (sum of every value) + the listed excess.
        for (std::size_t d = 0; d < head_dim; ++d) reference[d] = share * full_sum[d];
        for (const ScoreEntry& e : head.top) {
            pristine_values(region, e.position, reference_.data());
            for (std::size_t d = 0; d < head_dim; ++d)
                reference[d] += (e.score - share) * half_to_float(reference_[head_dim + d]);
        }
        double error_sq = 0, reference_sq = 0;
        for (std::size_t d = 0; d < head_dim; ++d) {
            const double got = kept > 0 ? out[d] / kept : 0.0;
            const double diff = std::isfinite(got) ? got - reference[d] : 65504.0;
            error_sq += diff * diff;
            reference_sq += reference[d] * reference[d];
        }
        stats_.output_rel_errors.push_back(reference_sq > 0 ? std::sqrt(error_sq / reference_sq) : 0.0);
    }
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
