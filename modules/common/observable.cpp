#include "common/observable.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace kelle {

nlohmann::ordered_json& StatsReport::at(const std::string& path) {
    nlohmann::ordered_json* node = &json_;
    std::size_t begin = 0;
    while (true) {
        const std::size_t dot = path.find('.', begin);
        node = &(*node)[path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin)];
        if (dot == std::string::npos) return *node;
        begin = dot + 1;
    }
}

namespace {
// stats.json's top-level order (docs/stats.md).
const char* const kSectionOrder[] = {
    "schema",       "platform",   "trace",          "model",     "prompt_tokens",     "batch",
    "tokens",       "sim_time_s", "wall_time_s",    "decode_wall_time_s", "tlm_transactions",
    "latency_per_token_ms",       "ttft_ms",        "energy_pj", "energy_pj_prefill", "energy_pj_first_step",
    "static_mw",    "refresh",    "kv",             "retention", "traffic_bytes",     "pe",
    "sched",        "act",        "energy",
};
// Sections that several modules add into, in the order of the data path (energy totals are
// summed in this order, so it fixes their last bits too).
const std::vector<std::pair<const char*, std::vector<const char*>>> kSummedSections = {
    {"energy", {"compute", "sram", "sram_weights", "edram_access", "edram_refresh", "act_edram_refresh", "dram"}},
    {"static_mw", {"pe_array", "evictor", "sram_buffer", "sram_kv", "sram_weights", "edram", "act_edram", "dram"}},
    {"traffic_bytes", {"dram_read", "dram_write", "edram_read", "edram_write", "sram_read", "sram_write",
                       "sram_weights_read", "sram_weights_write"}},
};

// `order`'s keys first, then the object's others as written.
template <class Names>
nlohmann::ordered_json ordered(const nlohmann::ordered_json& object, const Names& order) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const char* key : order)
        if (object.contains(key)) out[key] = object.at(key);
    for (const auto& item : object.items())
        if (!out.contains(item.key())) out[item.key()] = item.value();
    return out;
}
}  // namespace

nlohmann::ordered_json StatsReport::json() const {
    nlohmann::ordered_json out = ordered(json_, kSectionOrder);
    for (const auto& [section, order] : kSummedSections)
        if (out.contains(section)) out[section] = ordered(out[section], order);
    return out;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::max<std::size_t>(rank, 1) - 1];
}

}  // namespace kelle
