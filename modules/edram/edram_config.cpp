#include "edram/edram_config.h"

#include <algorithm>
#include <cmath>

#include "common/units.h"
#include "edram/refresh_manager.h"

namespace kelle {

// The four 2DRP intervals, [class][plane] (paper §4.2, Table 4).
void EdramConfig::bind_2drp_intervals(ParamBinder& p) {
    static const char* const kClassNames[2] = {"important", "unimportant"};
    static const char* const kPlaneNames[2] = {"msb", "lsb"};
    for (int importance = 0; importance < 2; ++importance)
        for (int plane = 0; plane < 2; ++plane)
            p.real(std::string("edram.2drp.") + kClassNames[importance] + "_" + kPlaneNames[plane] + "_us",
                   interval_2drp_us[importance][plane], "us",
                   std::string("2drp: refresh interval of ") + kClassNames[importance] + " tokens' " +
                       (plane == 0 ? "high" : "low") + " bytes")
                .between(1e-3, 1e7);
}

void EdramConfig::bind(ParamBinder& p) {
    p.real("edram.capacity_mb", capacity_mb, "MB", "KV cache eDRAM capacity").positive().at_most(1 << 20);
    p.integer("edram.banks", banks, "", "banks").positive().at_most(65536);
    p.choice("edram.layout", layout, kBankLayouts,
             "bank layout: interleaved (rows dealt over all banks; assumption) or byte_plane (4 bank groups: K high, K "
             "low, V high, V low byte, one address per token across them, and a refresh controller each for the high- "
             "and the low-byte banks; paper §5, kelle-paper.md §2); byte_plane needs banks a multiple of 4 (docs/edram.md)");
    p.integer("edram.row_bytes", row_bytes, "B",
              "row size, the refresh unit; at most 32 KB, as live bytes per row are "
              "counted in 16 bits").positive().at_most(1 << 15);
    p.real("edram.clock_mhz", clock_mhz, "MHz", "eDRAM array clock")
        .between(1, 1e5);
    p.real("edram.bytes_per_cycle", bytes_per_cycle, "B/cycle",
           "bytes one bank moves per cycle").between(1e-3, 1e6);
    p.real("edram.access_cycles", access_cycles, "cycles", "read/write latency")
        .non_negative().at_most(1e6);
    p.integer("edram.refresh_subarrays", refresh_subarrays, "rows",
              "rows a bank refreshes at once, one in each of its sub-arrays: a burst of n rows takes n / this x "
              "refresh_row_cycles (kv.onchip_capacity = retained multiplies it with the capacity, since the larger "
              "store is built from copies of the stated one that refresh in parallel)")
        .positive().at_most(1 << 30);
    p.real("edram.area_mm2_per_mb", area_mm2_per_mb, "mm2/MB",
           "silicon area per MB, reported beside the capacity assumption")
        .non_negative().at_most(1e6);
    p.real("edram.refresh_row_cycles", refresh_row_cycles, "cycles",
           "time to refresh one row, a row read + write").between(1e-3, 1e6);
    p.real("edram.refresh_interval_us", refresh_interval_us, "us",
           "refresh interval of periodic and lifetime refresh (2drp: edram.2drp.*)").between(1e-3, 1e7);
    p.choice("edram.refresh_policy", refresh_policy, kRefreshPolicies,
             "periodic: every row; lifetime: only rows holding live KV data; 2drp: per (importance, bit plane) "
             "intervals with lifetime skipping (docs/edram.md)");
    p.choice("edram.refresh_impl", refresh_impl, kRefreshImpls,
             "refresh scheduler model: tlm (SystemC) or rtl (rtl/refresh_scheduler.sv verilated, builds with "
             "verilator only; docs/cosim.md); both give the same bursts");
    p.real("edram.retention_min_us", retention_min_us, "us",
           "screened minimum retention: no cell fails sooner; a live row of a group refreshed at or below it that "
           "goes longer unrefreshed stops the run (0: no guarantee, no monitor)")
        .non_negative().at_most(1e7);
    p.flag("edram.functional", functional, "functional mode: store real bytes and flip real bits (seeded by --seed)");
    p.real("edram.retention_stress", retention_stress, "",
           "multiplies every group's bit-flip probability p_fail (capped at 1), expected and functional flips alike: "
           "a stress for quality studies (docs/edram.md); 1 = the retention model's rates")
        .non_negative().at_most(1e12);
    p.real("edram.2drp.important_share", important_share, "",
           "2drp: share of rows, and of each head's KV slots, for important tokens")
        .positive().at_most(1);
    bind_2drp_intervals(p);
    p.real("edram.pj_per_byte", pj_per_byte, "pJ/B", "access energy per byte moved")
        .non_negative().at_most(1e6);
    p.real("edram.refresh_pj_per_row", refresh_pj_per_row, "pJ",
           "energy of one row refresh: a row read + write back").non_negative().at_most(1e12);
    p.real("edram.static_mw_per_mb", static_mw_per_mb, "mW/MB",
           "leakage of the eDRAM array and periphery, refresh excluded").non_negative().at_most(1e6);
    p.real("edram.retention_safe_us", retention_safe_us, "us",
           "retention anchor 1: time (docs/edram.md, the log-normal retention model)").between(1e-3, 1e9);
    p.real("edram.retention_safe_p_fail", retention_safe_p_fail, "",
           "retention anchor 1: bit failure probability").positive().at_most(1);
    p.real("edram.retention_tail_us", retention_tail_us, "us",
           "retention anchor 2: time (docs/edram.md)").between(1e-3, 1e9);
    p.real("edram.retention_tail_p_fail", retention_tail_p_fail, "",
           "retention anchor 2: bit failure probability").positive().at_most(1);

    p.rule("edram.capacity_mb", [this] {
        const std::uint64_t bank_row_bytes = row_bytes * static_cast<std::uint64_t>(banks);
        const double rows = static_cast<double>(capacity_bytes()) / static_cast<double>(row_bytes);
        return capacity_bytes() % bank_row_bytes == 0 && rows >= banks
                   ? ""
                   : "capacity must be a whole number of rows in every bank (banks x row_bytes = " +
                         std::to_string(bank_row_bytes) + " B)";
    }, {"edram.banks", "edram.row_bytes"});
    p.rule("edram.layout", [this] {
        return layout != BankLayout::byte_plane || banks % 4 == 0
                   ? ""
                   : "byte_plane needs banks in four equal bank groups (K high, K low, V high, V low byte): a multiple "
                     "of 4, not " + std::to_string(banks);
    }, {"edram.banks"});
    p.rule("edram.refresh_interval_us", [this] {
        const double demand = refresh_demand();
        return demand <= 1 ? ""
                           : "refresh would need " + std::to_string(demand * 100) +
                                 "% of each bank's time (rows per bank x refresh_row_cycles / clock over the "
                                 "intervals); lengthen the interval or shorten the row refresh";
    }, {"edram.refresh_row_cycles", "edram.refresh_subarrays", "edram.clock_mhz", "edram.capacity_mb", "edram.banks", "edram.row_bytes",
        "edram.refresh_policy", "edram.layout", "edram.2drp.important_msb_us", "edram.2drp.important_lsb_us",
        "edram.2drp.unimportant_msb_us", "edram.2drp.unimportant_lsb_us"});
    // p_fail = 1 at the tail would make every bit fail at once: the fit through the two anchors
    // (retention_model.h) needs both probabilities strictly inside (0, 1).
    p.rule("edram.retention_tail_us", [this] {
        return retention_safe_us < retention_tail_us && retention_safe_p_fail < retention_tail_p_fail &&
                       retention_tail_p_fail < 1
                   ? ""
                   : "retention anchors need safe_us < tail_us and safe_p_fail < tail_p_fail < 1";
    }, {"edram.retention_safe_us", "edram.retention_safe_p_fail", "edram.retention_tail_p_fail"});
}

std::uint64_t EdramConfig::capacity_bytes() const {
    return static_cast<std::uint64_t>(std::llround(capacity_mb * kBytesPerMb));
}

std::uint64_t EdramConfig::rows_per_bank() const {
    return capacity_bytes() / row_bytes / static_cast<std::uint64_t>(banks);
}

KvAreaPlan refresh_area_plan(const EdramConfig& c) {
    return c.refresh_policy == RefreshPolicy::two_dim
               ? two_dimensional_area_plan(c.capacity_bytes(), c.row_bytes, c.banks, c.important_share)
               : plain_area_plan(c.capacity_bytes(), c.row_bytes);
}

double EdramConfig::refresh_demand() const {
    const KvAreaPlan plan = refresh_area_plan(*this);
    const EdramBankMap map(layout, plan, banks);
    const std::vector<double> intervals_us = group_intervals_us(*this, plan);
    const double row_refresh_ns = refresh_row_cycles * ns_per_cycle() / static_cast<double>(refresh_subarrays);
    double busiest = 0;
    for (int bank = 0; bank < banks; ++bank) {
        double demand = 0;
        for (int g = 0; g < map.areas(); ++g)
            demand += static_cast<double>(map.rows_in_bank(g, bank)) * row_refresh_ns /
                      (intervals_us[static_cast<std::size_t>(g)] * 1e3);
        busiest = std::max(busiest, demand);
    }
    return busiest;
}

std::vector<double> group_intervals_us(const EdramConfig& config, const KvAreaPlan& plan) {
    std::vector<double> intervals_us;
    for (const KvArea& area : plan.areas)
        intervals_us.push_back(config.refresh_policy != RefreshPolicy::two_dim || area.importance_class < 0
                                   ? config.refresh_interval_us
                                   : config.interval_2drp_us[area.importance_class][area.plane]);
    return intervals_us;
}

}  // namespace kelle
