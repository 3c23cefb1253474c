#include "common/banked_timing.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

BankedTiming::BankedTiming(const BankGeometry& geometry)
    : geometry_(geometry),
      busy_until_ns_(static_cast<std::size_t>(geometry.banks), 0.0),
      bank_bytes_(static_cast<std::size_t>(geometry.banks), 0) {
    if (geometry.banks <= 0 || geometry.interleave_bytes == 0 || geometry.bank_bytes_per_ns <= 0)
        throw std::logic_error("BankedTiming: banks, interleave and bandwidth must be positive");
}

const std::vector<std::uint64_t>& BankedTiming::split(std::uint64_t address, std::uint64_t bytes) {
    std::fill(bank_bytes_.begin(), bank_bytes_.end(), 0);
    if (bytes == 0) return bank_bytes_;
    if (bank_map_)
        bank_map_->split(address, bytes, bank_bytes_);
    else
        split_interleaved(address, bytes);
    return bank_bytes_;
}

void BankedTiming::split_interleaved(std::uint64_t address, std::uint64_t bytes) {
    const std::uint64_t unit = geometry_.interleave_bytes;
    const std::uint64_t banks = static_cast<std::uint64_t>(geometry_.banks);
    const std::uint64_t end = address + bytes;
    const std::uint64_t first_unit = address / unit;
    const std::uint64_t last_unit = (end - 1) / unit;
    if (first_unit == last_unit) {
        bank_bytes_[first_unit % banks] = bytes;
        return;
    }
    // Partial first and last units, then whole units dealt round-robin from first_unit + 1.
    bank_bytes_[first_unit % banks] += (first_unit + 1) * unit - address;
    bank_bytes_[last_unit % banks] += end - last_unit * unit;
    const std::uint64_t whole_units = last_unit - first_unit - 1;
    const std::uint64_t per_bank = whole_units / banks;
    const std::uint64_t extra = whole_units % banks;
    for (std::uint64_t i = 0; i < banks; ++i) {
        const std::uint64_t bank = (first_unit + 1 + i) % banks;
        bank_bytes_[bank] += (per_bank + (i < extra ? 1 : 0)) * unit;
    }
}

AccessTiming BankedTiming::access(double arrival_ns, std::uint64_t address, std::uint64_t bytes) {
    const auto& chunks = split(address, bytes);
    AccessTiming timing{arrival_ns, arrival_ns, 0.0};
    bool first = true;
    for (int bank = 0; bank < geometry_.banks; ++bank) {
        if (chunks[bank] == 0) continue;
        const double start = std::max(arrival_ns, busy_until_ns_[bank]);
        busy_until_ns_[bank] = start + static_cast<double>(chunks[bank]) / geometry_.bank_bytes_per_ns;
        timing.start_ns = first ? start : std::min(timing.start_ns, start);
        timing.complete_ns = std::max(timing.complete_ns, busy_until_ns_[bank] + geometry_.access_latency_ns);
        timing.wait_ns = std::max(timing.wait_ns, start - arrival_ns);
        first = false;
    }
    return timing;
}

double BankedTiming::reserve(int bank, double earliest_ns, double duration_ns) {
    const double start = std::max(earliest_ns, busy_until_ns_[bank]);
    busy_until_ns_[bank] = start + duration_ns;
    return start;
}

}  // namespace kelle
