#include "common/banked_timing.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

BankedTiming::BankedTiming(const BankGeometry& geometry)
    : geometry_(geometry),
      busy_until_ns_(static_cast<std::size_t>(geometry.banks), 0.0),
      split_(geometry.banks) {
    if (geometry.banks <= 0 || geometry.interleave_bytes == 0 || geometry.bank_bytes_per_ns <= 0)
        throw std::logic_error("BankedTiming: banks, interleave and bandwidth must be positive");
}

const std::vector<std::uint64_t>& BankedTiming::split(std::uint64_t address, std::uint64_t bytes) {
    split_.clear();
    if (bytes == 0) return split_.bytes();
    if (bank_map_)
        bank_map_->split(address, bytes, split_);
    else
        split_interleaved(address, bytes);
    return split_.bytes();
}

void BankedTiming::split_interleaved(std::uint64_t address, std::uint64_t bytes) {
    const std::uint64_t unit = geometry_.interleave_bytes;
    const std::uint64_t banks = static_cast<std::uint64_t>(geometry_.banks);
    const std::uint64_t end = address + bytes;
    const std::uint64_t first_unit = address / unit;
    const std::uint64_t last_unit = (end - 1) / unit;
    if (first_unit == last_unit) {
        split_.add(first_unit % banks, bytes);
        return;
    }
    // Partial first and last units, then whole units dealt round-robin from first_unit + 1;
    // fewer whole units than banks reach only that many banks.
    split_.add(first_unit % banks, (first_unit + 1) * unit - address);
    split_.add(last_unit % banks, end - last_unit * unit);
    const std::uint64_t whole_units = last_unit - first_unit - 1;
    const std::uint64_t per_bank = whole_units / banks;
    const std::uint64_t extra = whole_units % banks;
    std::uint64_t bank = (first_unit + 1) % banks;
    for (std::uint64_t i = 0; i < std::min(whole_units, banks); ++i) {
        split_.add(bank, (per_bank + (i < extra ? 1 : 0)) * unit);
        if (++bank == banks) bank = 0;
    }
}

AccessTiming BankedTiming::access(double arrival_ns, std::uint64_t address, std::uint64_t bytes) {
    AccessTiming timing{arrival_ns, arrival_ns, 0.0};
    bool first = true;
    const auto& chunks = split(address, bytes);
    // Banks in the split's order, not bank order: min and max are exact, so the order is moot.
    for (const int bank : split_.touched()) {
        const double start = std::max(arrival_ns, busy_until_ns_[bank]);
        busy_until_ns_[bank] = start + static_cast<double>(chunks[bank]) / geometry_.bank_bytes_per_ns;
        timing.start_ns = first ? start : std::min(timing.start_ns, start);
        timing.complete_ns = std::max(timing.complete_ns, busy_until_ns_[bank] + geometry_.access_latency_ns);
        timing.wait_ns = std::max(timing.wait_ns, start - arrival_ns);
        first = false;
    }
    return timing;
}

}  // namespace kelle
