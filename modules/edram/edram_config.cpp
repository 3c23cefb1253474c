#include "edram/edram_config.h"

#include <cmath>

#include "common/config.h"
#include "common/error.h"
#include "common/units.h"
#include "edram/refresh_manager.h"

namespace kelle {

void EdramConfig::declare(ParamRegistry& registry) {
    registry.declare(param(ParamType::real, "edram.capacity_mb", "8", "MB",
                          "KV cache eDRAM capacity (assumption, kelle-paper.md)").positive());
    registry.declare(param(ParamType::integer, "edram.banks", "16", "",
                          "banks (assumption, kelle-paper.md)").positive());
    registry.declare(param(ParamType::integer, "edram.row_bytes", "2048", "B",
                          "row size, the refresh unit (assumption, kelle-paper.md)").positive());
    registry.declare(param(ParamType::real, "edram.clock_mhz", "500", "MHz",
                          "array clock, ~1/2 of SRAM speed (assumption, kelle-paper.md)").positive());
    registry.declare(param(ParamType::real, "edram.bytes_per_cycle", "64", "B/cycle",
                          "bytes one bank moves per cycle (assumption, kelle-paper.md)").positive());
    registry.declare(param(ParamType::real, "edram.access_cycles", "2", "cycles",
                          "read/write latency (assumption, kelle-paper.md)").non_negative());
    registry.declare(param(ParamType::real, "edram.refresh_row_cycles", "2", "cycles",
                          "time to refresh one row, a row read + write (assumption)").positive());
    registry.declare(param(ParamType::real, "edram.refresh_interval_us", "45", "us",
                          "refresh interval; 45 us is RANA's (ISCA 2018) worst-case retention (assumption)").positive());
    registry.declare(param(ParamType::text, "edram.refresh_policy", "periodic", "",
                          "periodic: every row; lifetime: only rows holding live KV data; 2drp: per (importance, "
                          "bit plane) intervals with lifetime skipping (docs/edram.md)")
                         .one_of({"periodic", "lifetime", "2drp"}));
    registry.declare(param(ParamType::text, "edram.refresh_impl", "tlm", "",
                          "refresh scheduler model: tlm (SystemC) or rtl (rtl/refresh_scheduler.sv verilated, "
                          "builds with verilator only; docs/cosim.md); both give the same bursts")
                         .one_of({"tlm", "rtl"}));
    registry.declare(param(ParamType::real, "edram.retention_min_us", "0", "us",
                          "screened minimum retention: no cell fails sooner; a live row of a group refreshed "
                          "at or below it that goes longer unrefreshed stops the run (0: no guarantee, no "
                          "monitor) (assumption)")
                         .non_negative());
    registry.declare(param(ParamType::boolean, "edram.functional", "false", "",
                          "functional mode: store real bytes and flip real bits (seeded by --seed)"));
    registry.declare(param(ParamType::real, "edram.2drp.important_share", "0.5", "",
                          "2drp: share of rows, and of each head's KV slots, for important tokens (assumption)")
                         .positive().at_most(1));
    registry.declare(param(ParamType::real, "edram.2drp.important_msb_us", "45", "us",
                          "2drp: interval of important tokens' high bytes, the safe interval (assumption, kelle-paper.md)")
                         .positive());
    registry.declare(param(ParamType::real, "edram.2drp.important_lsb_us", "90", "us",
                          "2drp: interval of important tokens' low bytes, 2x safe (assumption, kelle-paper.md)")
                         .positive());
    registry.declare(param(ParamType::real, "edram.2drp.unimportant_msb_us", "180", "us",
                          "2drp: interval of unimportant tokens' high bytes, 4x safe (assumption, kelle-paper.md)")
                         .positive());
    registry.declare(param(ParamType::real, "edram.2drp.unimportant_lsb_us", "360", "us",
                          "2drp: interval of unimportant tokens' low bytes, 8x safe (assumption, kelle-paper.md)")
                         .positive());
    registry.declare(param(ParamType::real, "edram.pj_per_byte", "1.0", "pJ/B",
                          "access energy, 0.5x the SRAM's (assumption, kelle-paper.md)").non_negative());
    registry.declare(param(ParamType::real, "edram.refresh_pj_per_row", "4096", "pJ",
                          "refresh of one row = read + write of 2048 B at 1.0 pJ/B (assumption, kelle-paper.md)").non_negative());
    registry.declare(param(ParamType::real, "edram.static_mw_per_mb", "4", "mW/MB",
                          "leakage of the eDRAM array and periphery, refresh excluded (assumption)").non_negative());
    registry.declare(param(ParamType::real, "edram.retention_safe_us", "45", "us",
                          "retention anchor 1: time (RANA ISCA 2018 worst case; assumption)").positive());
    registry.declare(param(ParamType::real, "edram.retention_safe_p_fail", "1e-9", "",
                          "retention anchor 1: bit failure probability (assumption)").positive().at_most(1));
    registry.declare(param(ParamType::real, "edram.retention_tail_us", "700", "us",
                          "retention anchor 2: time (Teman DATE 2015 gain cells; assumption)").positive());
    registry.declare(param(ParamType::real, "edram.retention_tail_p_fail", "1e-5", "",
                          "retention anchor 2: bit failure probability (assumption)").positive().at_most(1));
}

EdramConfig EdramConfig::from(const ParamRegistry& registry) {
    EdramConfig c;
    c.capacity_mb = registry.get_real("edram.capacity_mb");
    c.banks = static_cast<int>(registry.get_int("edram.banks"));
    c.row_bytes = static_cast<std::uint64_t>(registry.get_int("edram.row_bytes"));
    c.clock_mhz = registry.get_real("edram.clock_mhz");
    c.bytes_per_cycle = registry.get_real("edram.bytes_per_cycle");
    c.access_cycles = registry.get_real("edram.access_cycles");
    c.refresh_row_cycles = registry.get_real("edram.refresh_row_cycles");
    c.refresh_interval_us = registry.get_real("edram.refresh_interval_us");
    c.refresh_policy = registry.get_text("edram.refresh_policy");
    c.refresh_impl = registry.get_text("edram.refresh_impl");
    c.functional = registry.get_bool("edram.functional");
    c.retention_min_us = registry.get_real("edram.retention_min_us");
    c.important_share = registry.get_real("edram.2drp.important_share");
    c.interval_2drp_us[0][0] = registry.get_real("edram.2drp.important_msb_us");
    c.interval_2drp_us[0][1] = registry.get_real("edram.2drp.important_lsb_us");
    c.interval_2drp_us[1][0] = registry.get_real("edram.2drp.unimportant_msb_us");
    c.interval_2drp_us[1][1] = registry.get_real("edram.2drp.unimportant_lsb_us");
    c.pj_per_byte = registry.get_real("edram.pj_per_byte");
    c.refresh_pj_per_row = registry.get_real("edram.refresh_pj_per_row");
    c.static_mw_per_mb = registry.get_real("edram.static_mw_per_mb");
    c.retention_safe_us = registry.get_real("edram.retention_safe_us");
    c.retention_safe_p_fail = registry.get_real("edram.retention_safe_p_fail");
    c.retention_tail_us = registry.get_real("edram.retention_tail_us");
    c.retention_tail_p_fail = registry.get_real("edram.retention_tail_p_fail");

    const double rows = static_cast<double>(c.capacity_bytes()) / static_cast<double>(c.row_bytes);
    if (c.capacity_bytes() % (c.row_bytes * static_cast<std::uint64_t>(c.banks)) != 0 || rows < c.banks)
        throw InputError(registry.origin_of("edram.capacity_mb"), 0, "edram.capacity_mb",
                         "capacity must be a whole number of rows in every bank (banks x row_bytes = " +
                             std::to_string(c.row_bytes * static_cast<std::uint64_t>(c.banks)) + " B)");
    if (!has_refresh_impl(c.refresh_impl))
        throw InputError(registry.origin_of("edram.refresh_impl"), 0, "edram.refresh_impl",
                         c.refresh_impl + ": this build has no verilator (install it and re-run cmake; docs/cosim.md)");
    if (!(c.retention_safe_us < c.retention_tail_us && c.retention_safe_p_fail < c.retention_tail_p_fail))
        throw InputError(registry.origin_of("edram.retention_tail_us"), 0, "edram.retention_tail_us",
                         "retention anchors need safe_us < tail_us and safe_p_fail < tail_p_fail");
    return c;
}

std::uint64_t EdramConfig::capacity_bytes() const {
    return static_cast<std::uint64_t>(std::llround(capacity_mb * kBytesPerMb));
}

std::uint64_t EdramConfig::rows_per_bank() const {
    return capacity_bytes() / row_bytes / static_cast<std::uint64_t>(banks);
}

std::vector<double> group_intervals_us(const EdramConfig& config, const KvAreaPlan& plan) {
    std::vector<double> intervals_us;
    for (const KvArea& area : plan.areas)
        intervals_us.push_back(config.refresh_policy != "2drp" || area.importance_class < 0
                                   ? config.refresh_interval_us
                                   : config.interval_2drp_us[area.importance_class][area.plane]);
    return intervals_us;
}

}  // namespace kelle
