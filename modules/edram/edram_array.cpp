#include "edram/edram_array.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kelle {

namespace {
// Areas tile the address space in plan order (kv_areas.h): each ends where the next begins.
std::vector<std::uint64_t> group_ends(const KvAreaPlan& plan) {
    std::vector<std::uint64_t> ends;
    std::uint64_t rows = 0;
    for (const KvArea& area : plan.areas) ends.push_back((rows += area.rows) * plan.row_bytes);
    return ends;
}
}  // namespace

EdramArray::EdramArray(const EdramConfig& config, const KvAreaPlan& plan, const std::vector<double>& group_intervals_us)
    : functional_(config.functional),
      group_end_(group_ends(plan)),
      flip_rng_(config.seed),
      group_expected_flips_(plan.areas.size(), 0.0),
      group_actual_flips_(plan.areas.size(), 0) {
    const RetentionModel retention(config.retention_safe_us, config.retention_safe_p_fail, config.retention_tail_us,
                                   config.retention_tail_p_fail, config.retention_min_us);
    for (const double interval_us : group_intervals_us)
        write_p_fail_.push_back(std::min(1.0, config.retention_stress * retention.p_fail(interval_us)));
    if (functional_) chunks_.resize((config.capacity_bytes() + kChunkBytes - 1) / kChunkBytes);
}

template <class F>
void EdramArray::for_each_chunk(std::uint64_t address, std::uint64_t bytes, F f) {
    for (std::uint64_t at = 0; at < bytes;) {
        const std::uint64_t offset = (address + at) % kChunkBytes;
        const std::uint64_t n = std::min(bytes - at, kChunkBytes - offset);
        f((address + at) / kChunkBytes, offset, at, n);
        at += n;
    }
}

unsigned char* EdramArray::chunk(std::uint64_t index) {
    std::unique_ptr<unsigned char[]>& stored = chunks_[index];
    if (!stored) stored = std::make_unique<unsigned char[]>(kChunkBytes);  // value-initialised: zeros
    return stored.get();
}

void EdramArray::write(int in_group, std::uint64_t address, const unsigned char* data, std::uint64_t bytes) {
    const auto group = static_cast<std::size_t>(in_group);
    const double flips = static_cast<double>(bytes * 8) * write_p_fail_[group];
    expected_flips_ += flips;
    group_expected_flips_[group] += flips;
    if (functional_) store_with_flips(address, data, bytes, group);
}

void EdramArray::read(std::uint64_t address, unsigned char* data, std::uint64_t bytes) const {
    if (!functional_) return;
    for_each_chunk(address, bytes, [&](std::uint64_t index, std::uint64_t offset, std::uint64_t at, std::uint64_t n) {
        const std::unique_ptr<unsigned char[]>& stored = chunks_[index];
        if (stored) std::memcpy(data + at, stored.get() + offset, n);
        else std::memset(data + at, 0, n);
    });
}

void EdramArray::store_with_flips(std::uint64_t address, const unsigned char* data, std::uint64_t bytes,
                                  std::size_t group) {
    for_each_chunk(address, bytes, [&](std::uint64_t index, std::uint64_t offset, std::uint64_t at, std::uint64_t n) {
        std::memcpy(chunk(index) + offset, data + at, n);
    });
    const std::uint64_t bits = bytes * 8;
    // Each written bit is lost with p = p_fail(interval): draw the gaps between lost bits
    // (geometric), not a coin per bit, so a write of N bits costs O(flips), not O(N).
    const double p = write_p_fail_[group];
    if (p <= 0) return;
    const double log_keep = std::log1p(-p);
    // In doubles: at p ~ 1e-21 a gap exceeds any integer type, and only "past the end" matters.
    auto gap = [&] { return std::floor(std::log1p(-flip_rng_.uniform()) / log_keep); };
    for (double bit = gap(); bit < static_cast<double>(bits); bit += 1 + gap()) {
        const auto index = static_cast<std::uint64_t>(bit);
        const std::uint64_t byte = address + index / 8;
        chunk(byte / kChunkBytes)[byte % kChunkBytes] ^= static_cast<unsigned char>(1u << (index % 8));
        ++actual_flips_;
        ++group_actual_flips_[group];
    }
}

}  // namespace kelle
