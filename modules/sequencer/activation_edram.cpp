#include "sequencer/activation_edram.h"

#include <algorithm>
#include <cmath>

#include "common/units.h"

namespace kelle {

void ActivationEdram::add_layer(double qkv_ns, double kv_read_ns, bool overlapped, std::uint64_t live_bytes) {
    if (!present()) return;
    const double t_sram_ns = qkv_ns / 3;     // one of W_Q, W_K, W_V
    const double t_edram_ns = kv_read_ns / 2;  // the K read or the V read
    const double lifetime_ns = overlapped ? 4 * t_sram_ns + t_edram_ns : 6 * t_sram_ns + 4 * t_edram_ns;
    lifetime_ns_ += lifetime_ns;
    const std::uint64_t held_bytes = std::min(live_bytes, config_.capacity_bytes);
    const std::uint64_t rows = (held_bytes + config_.row_bytes - 1) / config_.row_bytes;
    const auto refreshes = static_cast<std::uint64_t>(std::floor(lifetime_ns / (config_.refresh_interval_us * 1e3)));
    rows_refreshed_ += rows * refreshes;
}

double ActivationEdram::static_mw() const {
    return config_.static_mw_per_mb * static_cast<double>(config_.capacity_bytes) / kBytesPerMb;
}

}  // namespace kelle
