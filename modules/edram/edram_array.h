// EdramArray: the eDRAM cells, apart from the controller that times their accesses (as DRAMSys
// keeps the device apart from its controller): what each write may lose, and in functional mode
// the bytes themselves.
//
// Retention. A cell whose retention time is shorter than the longest gap between refreshes
// loses the value written into it, and a refresh restores the flipped value, not the original:
// so every bit written may be lost with p_fail(its group's interval) (RetentionModel), once per
// write. Expected flips = bits written x p_fail(interval), per refresh group. In functional mode
// (edram.functional) the array also stores the bytes written and flips each written bit with
// that probability (seeded by --seed), so reads return the corrupted values; flips are drawn when
// the data is written, which is when they are decided: a read comes decode steps later, far past
// one interval. Data that dies within one interval is counted all the same, which decode's KV
// data never does (a token lives for whole decode steps).
//
// Functional mode keeps the bytes in chunks of 1 MiB made at their first write (a chunk never
// written reads as zeros, as the array starts): memory follows the data written, not the
// capacity, so a 64 GB store costs what its data does.
//
// Rows belong to refresh groups in the order of the area plan (common/kv_areas.h). Addresses are
// checked by the controller; a write must stay inside one group. Timing, refresh and liveness are
// the controller's; this class holds no simulated time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/kv_areas.h"
#include "common/random.h"
#include "edram/edram_config.h"
#include "edram/retention_model.h"

namespace kelle {

class EdramArray {
public:
    // group_intervals_us: per area of `plan`, its refresh interval (edram_config.h).
    EdramArray(const EdramConfig& config, const KvAreaPlan& plan, const std::vector<double>& group_intervals_us);

    int group_of(std::uint64_t address) const {
        return static_cast<int>(std::upper_bound(group_end_.begin(), group_end_.end(), address) - group_end_.begin());
    }

    // The address past the last byte of `group`.
    std::uint64_t group_end(int group) const { return group_end_[static_cast<std::size_t>(group)]; }

    // Counts the bits the write may lose; in functional mode stores them, some flipped.
    void write(std::uint64_t address, const unsigned char* data, std::uint64_t bytes) {
        write(group_of(address), address, data, bytes);
    }
    // The same, for a caller that has the write's group, group_of(address), at hand already.
    void write(int group, std::uint64_t address, const unsigned char* data, std::uint64_t bytes);
    // Functional mode: the stored bytes; otherwise leaves `data` as it is.
    void read(std::uint64_t address, unsigned char* data, std::uint64_t bytes) const;

    double expected_bit_flips() const { return expected_flips_; }
    double expected_bit_flips(int group) const { return group_expected_flips_[static_cast<std::size_t>(group)]; }
    std::uint64_t actual_bit_flips() const { return actual_flips_; }
    std::uint64_t actual_bit_flips(int group) const { return group_actual_flips_[static_cast<std::size_t>(group)]; }

private:
    static constexpr std::uint64_t kChunkBytes = 1 << 20;

    void store_with_flips(std::uint64_t address, const unsigned char* data, std::uint64_t bytes, std::size_t group);
    // Calls f(chunk index, offset in it, offset in the range, bytes) for each chunk's part of the range.
    template <class F>
    static void for_each_chunk(std::uint64_t address, std::uint64_t bytes, F f);
    // The chunk, made (all zeros) if it was never written.
    unsigned char* chunk(std::uint64_t index);

    bool functional_;
    std::vector<std::uint64_t> group_end_;  // per group, in address order: the address past its last byte
    std::vector<double> write_p_fail_;  // per group: p_fail(its interval), the chance a written bit is lost
    std::vector<std::unique_ptr<unsigned char[]>> chunks_;  // functional mode: the contents, kChunkBytes each
    SplitMix64 flip_rng_;
    double expected_flips_ = 0;
    std::uint64_t actual_flips_ = 0;
    std::vector<double> group_expected_flips_;
    std::vector<std::uint64_t> group_actual_flips_;
};

}  // namespace kelle
