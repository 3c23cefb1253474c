#include "kvcache/kv_traffic.h"

#include <algorithm>

#include "kvcache/kv_values.h"

namespace kelle {

KvTraffic::KvTraffic(const KvLayout& layout, KvStorePort& port, const KvSlots& slots, KvValueCheck* check,
                     const ModelShape& model)
    : layout_(layout), port_(port), slots_(slots), check_(check) {
    const auto values_per_slot = static_cast<std::size_t>(2 * model.head_dim);
    for (auto* buffer : {&values_a_, &values_b_}) buffer->resize(values_per_slot);
}

double KvTraffic::transfer_region(int region, tlm::tlm_command command, double t_ns) {
    // The region's K/V tokens hold exactly its slots in use (x tokens hold none).
    double done_ns = t_ns;
    for (int c = 0; c < layout_.classes(); ++c) {
        const std::uint64_t onchip = slots_.in_use(region, c, true);
        const std::uint64_t spilled = slots_.in_use(region, c, false);
        for (int plane = 0; plane < layout_.planes() && onchip > 0; ++plane)
            done_ns = std::max(done_ns, port_.transfer(layout_.onchip_burst(region, c, plane, onchip), command, t_ns));
        if (spilled > 0) done_ns = std::max(done_ns, port_.transfer(layout_.spill_burst(region, c, spilled), command, t_ns));
    }
    return done_ns;
}

double KvTraffic::write_slot(int region, std::uint32_t slot, const std::uint16_t* values, double t_ns) {
    Extent pieces[2];
    const int count = layout_.pieces(region, slot, pieces);
    double done_ns = t_ns;
    for (int i = 0; i < count; ++i) {
        if (check_)
            encode_piece(values, check_->values_per_slot(), pieces[i].onchip ? layout_.planes() : 1, i,
                         port_.data(pieces[i].bytes));
        done_ns = std::max(done_ns, port_.transfer(pieces[i], tlm::TLM_WRITE_COMMAND, t_ns));
    }
    return done_ns;
}

double KvTraffic::read_slot(int region, const KvToken& token, std::uint16_t* values, double t_ns) {
    Extent pieces[2];
    const int count = layout_.pieces(region, token.slot, pieces);
    double done_ns = t_ns;
    for (int i = 0; i < count; ++i) {
        done_ns = std::max(done_ns, port_.transfer(pieces[i], tlm::TLM_READ_COMMAND, t_ns));
        if (check_) piece_bytes_[i].assign(port_.data(pieces[i].bytes), port_.data(pieces[i].bytes) + pieces[i].bytes);
    }
    if (!check_) return done_ns;
    decode_slot(region, token, pieces, values);
    return done_ns;
}

void KvTraffic::peek(int region, const KvToken& token, std::uint16_t* values) {
    Extent pieces[2];
    const int count = layout_.pieces(region, token.slot, pieces);
    for (int i = 0; i < count && pieces[0].onchip; ++i) {
        piece_bytes_[i].resize(pieces[i].bytes);
        port_.peek(pieces[i], piece_bytes_[i].data());
    }
    decode_slot(region, token, pieces, values);
}

void KvTraffic::decode_slot(int region, const KvToken& token, const Extent* pieces, std::uint16_t* values) {
    if (!pieces[0].onchip) {  // off-chip DRAM stores no bytes and loses none: the values are intact
        check_->pristine(region, token.position, values);
        return;
    }
    const unsigned char* const bytes[2] = {piece_bytes_[0].data(), piece_bytes_[1].data()};
    decode_pieces(bytes, layout_.planes(), check_->values_per_slot(), values);
}

double KvTraffic::read_region(int region, const HeadCache& head, const StepScores& scores, KvStats& stats,
                              double t_ns) {
    if (!check_) return transfer_region(region, tlm::TLM_READ_COMMAND, t_ns);
    const auto& tokens = head.tokens();
    check_->start_region(tokens.size());
    double done_ns = t_ns;
    for (std::size_t j = 0; j < tokens.size(); ++j) {
        done_ns = std::max(done_ns, read_slot(region, tokens[j], values_a_.data(), t_ns));
        check_->check(region, j, tokens[j].position, values_a_.data(), stats);
    }
    check_->measure_output_error(region, tokens, scores, stats);
    return done_ns;
}

double KvTraffic::write_region(int region, const HeadCache& head, double t_ns) {
    if (!check_) return transfer_region(region, tlm::TLM_WRITE_COMMAND, t_ns);
    double done_ns = t_ns;
    for (const KvToken& token : head.tokens()) {
        check_->pristine(region, token.position, values_a_.data());
        done_ns = std::max(done_ns, write_slot(region, token.slot, values_a_.data(), t_ns));
    }
    return done_ns;
}

double KvTraffic::write_token(int region, const KvToken& token, double t_ns) {
    if (check_) check_->pristine(region, token.position, values_a_.data());
    return write_slot(region, token.slot, values_a_.data(), t_ns);
}

double KvTraffic::move(int region, const KvToken& token, std::uint32_t to_slot, double t_ns) {
    return write_slot(region, to_slot, values_a_.data(), read_slot(region, token, values_a_.data(), t_ns));
}

double KvTraffic::swap(int region, const KvToken& up, const KvToken& down, double t_ns) {
    // Read both, write each into the other's slot.
    const double read_ns = std::max(read_slot(region, up, values_a_.data(), t_ns),
                                    read_slot(region, down, values_b_.data(), t_ns));
    return std::max(write_slot(region, down.slot, values_a_.data(), read_ns),
                    write_slot(region, up.slot, values_b_.data(), read_ns));
}

}  // namespace kelle
