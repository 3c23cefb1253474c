#include "edram/edram_array.h"

#include <cmath>
#include <cstring>

namespace kelle {

namespace {
std::vector<int> groups_by_row(const KvAreaPlan& plan) {
    std::vector<int> group_of_row;
    for (std::size_t g = 0; g < plan.areas.size(); ++g) group_of_row.insert(group_of_row.end(), plan.areas[g].rows, static_cast<int>(g));
    return group_of_row;
}
}  // namespace

EdramArray::EdramArray(const EdramConfig& config, const KvAreaPlan& plan, const std::vector<double>& group_intervals_us)
    : row_bytes_(config.row_bytes),
      functional_(config.functional),
      group_of_row_(groups_by_row(plan)),
      flip_rng_(config.seed),
      group_expected_flips_(plan.areas.size(), 0.0),
      group_actual_flips_(plan.areas.size(), 0) {
    const RetentionModel retention(config.retention_safe_us, config.retention_safe_p_fail, config.retention_tail_us,
                                   config.retention_tail_p_fail, config.retention_min_us);
    for (const double interval_us : group_intervals_us) write_p_fail_.push_back(retention.p_fail(interval_us));
    if (functional_) cells_.assign(config.capacity_bytes(), 0);
}

void EdramArray::write(std::uint64_t address, const unsigned char* data, std::uint64_t bytes) {
    const auto group = static_cast<std::size_t>(group_of(address));
    const double flips = static_cast<double>(bytes * 8) * write_p_fail_[group];
    expected_flips_ += flips;
    group_expected_flips_[group] += flips;
    if (functional_) store_with_flips(address, data, bytes, group);
}

void EdramArray::read(std::uint64_t address, unsigned char* data, std::uint64_t bytes) const {
    if (functional_) std::memcpy(data, &cells_[address], bytes);
}

void EdramArray::store_with_flips(std::uint64_t address, const unsigned char* data, std::uint64_t bytes,
                                  std::size_t group) {
    unsigned char* cells = &cells_[address];
    const std::uint64_t bits = bytes * 8;
    std::memcpy(cells, data, bytes);
    // Each written bit is lost with p = p_fail(interval): draw the gaps between lost bits
    // (geometric), not a coin per bit, so a write of N bits costs O(flips), not O(N).
    const double p = write_p_fail_[group];
    if (p <= 0) return;
    const double log_keep = std::log1p(-p);
    // In doubles: at p ~ 1e-21 a gap exceeds any integer type, and only "past the end" matters.
    auto gap = [&] { return std::floor(std::log1p(-flip_rng_.uniform()) / log_keep); };
    for (double bit = gap(); bit < static_cast<double>(bits); bit += 1 + gap()) {
        const auto index = static_cast<std::uint64_t>(bit);
        cells[index / 8] ^= static_cast<unsigned char>(1u << (index % 8));
        ++actual_flips_;
        ++group_actual_flips_[group];
    }
}

}  // namespace kelle
