// Functional mode's checks (edram.functional): the K/V values read back against their pristine
// values, and the attention output the retained values give against the full, error-free cache.
//
// A value check compares every value read with the one written (kv_values.h): stats
// values_checked, corrupted_values, value_rel_error. The output check, per query head, sums
// score x V over the retained tokens (values as read, weights renormalised over them) and
// compares it with the full cache's sum over every position, kept as a running sum of pristine
// V per KV head so memory stays bounded (stats: output_rel_errors). The scores are the trace's:
// corrupted K would also change them, which this does not model.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "trace/trace.h"
#include "kvcache/eviction_policy.h"

namespace kelle {

struct KvStats;

class KvValueCheck {
public:
    // regions: (layer, KV head) pairs, numbered as kv_layout.h's regions.
    KvValueCheck(const ModelShape& model, std::size_t regions);

    int values_per_slot() const { return 2 * model_.head_dim; }
    // Where the values written come from: by default kv_values.h's pseudo-random function; an
    // execution-driven run gives the model's own K and V (values: K then V, binary16).
    using ValueSource = std::function<void(int layer, int kv_head, std::uint32_t position, std::uint16_t* values)>;
    void set_value_source(ValueSource source) { source_ = std::move(source); }
    // The values written for (region, position): K then V, binary16.
    void pristine(int region, std::uint32_t position, std::uint16_t* values) const;
    // A new token's V joins the full cache's running sum.
    void add_to_full_cache(int region, std::uint32_t position);

    // Before a region's tokens are checked one by one (index = its place in the head's tokens).
    void start_region(std::size_t tokens);
    void check(int region, std::size_t index, std::uint32_t position, const std::uint16_t* values, KvStats& stats);
    // After every token of the region was checked: one output error per query head of the group.
    void measure_output_error(int region, const std::vector<KvToken>& tokens, const StepScores& scores, KvStats& stats);

private:
    ModelShape model_;
    ValueSource source_;
    std::vector<std::uint16_t> reference_;  // one slot's pristine values, reused
    std::vector<float> read_v_;             // V of one region's resident tokens as read, this step
    std::vector<float> full_cache_v_sum_;   // per region: sum of the pristine V of every position so far
    std::vector<double> output_, reference_output_;
};

}  // namespace kelle
