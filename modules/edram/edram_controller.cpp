#include "edram/edram_controller.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/config.h"
#include "common/error.h"
#include "common/units.h"

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

namespace {
BankGeometry edram_geometry(const EdramConfig& c) {
    return BankGeometry{c.banks, c.row_bytes, c.bytes_per_cycle / c.ns_per_cycle(),
                        c.access_cycles * c.ns_per_cycle()};
}
}  // namespace

KvAreaPlan EdramController::area_plan(const EdramConfig& c) {
    return c.refresh_policy == "2drp"
               ? two_dimensional_area_plan(c.capacity_bytes(), c.row_bytes, c.banks, c.important_share)
               : plain_area_plan(c.capacity_bytes(), c.row_bytes);
}

double EdramController::group_interval_us(const KvArea& area) const {
    if (config_.refresh_policy != "2drp" || area.importance_class < 0) return config_.refresh_interval_us;
    return config_.interval_2drp_us[area.importance_class][area.plane];
}

namespace {
std::vector<int> groups_by_row(const KvAreaPlan& plan) {
    std::vector<int> group_of_row;
    for (std::size_t g = 0; g < plan.areas.size(); ++g) group_of_row.insert(group_of_row.end(), plan.areas[g].rows, static_cast<int>(g));
    return group_of_row;
}
}  // namespace

EdramController::EdramController(sc_core::sc_module_name name, const EdramConfig& config, const KvAreaPlan& plan)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      config_(config),
      plan_(plan),
      retention_(config.retention_safe_us, config.retention_safe_p_fail, config.retention_tail_us,
                 config.retention_tail_p_fail, config.retention_min_us),
      group_of_row_(groups_by_row(plan)),
      port_(edram_geometry(config), config.pj_per_byte),
      scheduler_(make_refresh_driver(config.refresh_impl, "refresh_scheduler", *this, config.banks, [&] {
          std::vector<double> intervals;
          for (const KvArea& area : plan.areas) intervals.push_back(group_interval_us(area));
          return intervals;
      }())),
      liveness_(group_of_row_, config.row_bytes, config.banks, static_cast<int>(plan.areas.size())),
      skip_dead_rows_(config.refresh_policy != "periodic"),
      refresh_end_ns_(static_cast<std::size_t>(config.banks), 0.0),
      read_activity_("read_activity"),
      write_activity_("write_activity"),
      stall_activity_("stall_activity"),
      flip_rng_(config.seed),
      last_refresh_ns_(plan.areas.size() * static_cast<std::size_t>(config.banks), 0.0) {
    if (config.functional) memory_.assign(config.capacity_bytes(), 0);
    target_socket.register_b_transport(this, &EdramController::b_transport);
    stats_.rows_refreshed_per_bank.assign(static_cast<std::size_t>(config.banks), 0);
    for (const KvArea& area : plan.areas) {
        const double interval_us = group_interval_us(area);
        write_p_fail_.push_back(retention_.p_fail(interval_us));
        RefreshGroupStats group;
        group.name = area.name;
        group.interval_us = interval_us;
        group.rows = area.rows;
        stats_.groups.push_back(group);
        group_activity_.push_back(std::make_unique<ActivityTrace>(("group_activity_" + area.name).c_str()));
    }
    for (int bank = 0; bank < config.banks; ++bank)
        refresh_activity_.push_back(
            std::make_unique<ActivityTrace>(("refresh_activity_" + std::to_string(bank)).c_str()));
}

void EdramController::trace(sc_core::sc_trace_file* file) {
    read_activity_.trace(file, "edram.read");
    write_activity_.trace(file, "edram.write");
    for (int bank = 0; bank < config_.banks; ++bank)
        refresh_activity_[bank]->trace(file, "edram.refresh_bank" + std::to_string(bank));
    for (std::size_t g = 0; g < plan_.areas.size(); ++g)
        group_activity_[g]->trace(file, "edram.refresh_group_" + plan_.areas[g].name);
    stall_activity_.trace(file, "edram.refresh_stall");
    scheduler_->trace(file, "edram.refresh_scheduler");
    traced_ = true;
}

double EdramController::refresh_stall_ns(double arrival_ns, std::uint64_t address, std::uint64_t bytes) {
    const auto& chunks = port_.timing().split(address, bytes);
    double stall = 0;
    for (int bank = 0; bank < config_.banks; ++bank)
        if (chunks[bank] != 0) stall = std::max(stall, refresh_end_ns_[bank] - arrival_ns);
    return stall;
}

void EdramController::apply_hint(const LivenessHint& hint, tlm::tlm_generic_payload& payload) {
    if (hint.bytes == 0 || hint.address + hint.bytes > config_.capacity_bytes()) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    liveness_.mark(hint.address, hint.bytes, hint.live);
    port_.count_control();
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void EdramController::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    settle_refresh(now_ns());
    if (const LivenessHint* hint = payload.get_extension<LivenessHint>()) return apply_hint(*hint, payload);
    const std::uint64_t address = payload.get_address();
    const std::uint64_t bytes = payload.get_data_length();
    if (bytes == 0 || address + bytes > config_.capacity_bytes()) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const double arrival_ns = now_ns() + to_ns(delay);
    const double stall_ns = std::max(0.0, refresh_stall_ns(arrival_ns, address, bytes));
    stats_.refresh_stall_ns += stall_ns;
    stall_activity_.mark(arrival_ns, arrival_ns + stall_ns);
    const AccessTiming timing = port_.serve(payload, delay);
    if (payload.is_response_error()) return;
    if (payload.is_write()) {
        const auto group = static_cast<std::size_t>(group_of_row_[address / config_.row_bytes]);
        if (group_of_row_[(address + bytes - 1) / config_.row_bytes] != group_of_row_[address / config_.row_bytes])
            SC_REPORT_ERROR(name(), "a write spans two refresh groups: the KV layout and the area plan disagree");
        const double flips = static_cast<double>(bytes * 8) * write_p_fail_[group];
        stats_.expected_bit_flips += flips;
        stats_.groups[group].expected_bit_flips += flips;
        if (config_.functional) store(payload, group);
        write_activity_.mark(timing.start_ns, timing.complete_ns);
    } else {
        if (config_.functional) std::memcpy(payload.get_data_ptr(), &memory_[address], bytes);
        read_activity_.mark(timing.start_ns, timing.complete_ns);
    }
}

void EdramController::store(const tlm::tlm_generic_payload& payload, std::size_t group) {
    unsigned char* cells = &memory_[payload.get_address()];
    const std::uint64_t bits = std::uint64_t{payload.get_data_length()} * 8;
    std::memcpy(cells, payload.get_data_ptr(), payload.get_data_length());
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
        ++stats_.actual_bit_flips;
        ++stats_.groups[group].actual_bit_flips;
    }
}

void EdramController::check_deadline(int group, int bank, double last_ns, double refreshed_ns) {
    const double deadline_us = config_.retention_min_us;
    const double interval_us = stats_.groups[static_cast<std::size_t>(group)].interval_us;
    // Only groups promised to lose nothing (interval within the screened retention) are held to it.
    if (deadline_us <= 0 || interval_us > deadline_us || !violation_.empty()) return;
    const double gap_us = (refreshed_ns - last_ns) * 1e-3;
    if (gap_us <= deadline_us) return;
    char message[200];
    std::snprintf(message, sizeof message,
                  "retention monitor: a live row of group %s in bank %d went %.3f us without refresh "
                  "(edram.retention_min_us = %.3f), at %.3f us of simulated time",
                  stats_.groups[static_cast<std::size_t>(group)].name.c_str(), bank, gap_us, deadline_us,
                  refreshed_ns * 1e-3);
    violation_ = message;  // the run goes on to its end (stopping threads mid-transaction is unsafe); it then fails
}

void EdramController::start_of_simulation() {
    if (!traced_) scheduler_->issue_on_demand();
}

void EdramController::refresh_bank(int group, int bank, double at_ns) {
    RefreshGroupStats& g = stats_.groups[static_cast<std::size_t>(group)];
    const std::uint64_t group_rows = g.rows / static_cast<std::uint64_t>(config_.banks);
    const std::uint64_t rows = skip_dead_rows_ ? liveness_.live_rows(group, bank) : group_rows;
    g.rows_skipped += group_rows - rows;
    stats_.rows_skipped += group_rows - rows;
    double& last_ns = last_refresh_ns_[static_cast<std::size_t>(group) * static_cast<std::size_t>(config_.banks) +
                                       static_cast<std::size_t>(bank)];
    if (rows == 0) {  // nothing live in this group of the bank: no burst, and no deadline running
        last_ns = at_ns;
        return;
    }

    const double duration_ns = static_cast<double>(rows) * config_.refresh_row_cycles * config_.ns_per_cycle();
    const double start_ns = port_.timing().reserve(bank, at_ns, duration_ns);
    // Every row of a burst keeps its offset inside it from one burst to the next, so a row's
    // gap between refreshes is the gap between burst starts.
    check_deadline(group, bank, last_ns, start_ns);
    last_ns = start_ns;
    refresh_end_ns_[bank] = start_ns + duration_ns;
    refresh_activity_[bank]->mark(start_ns, start_ns + duration_ns);
    group_activity_[static_cast<std::size_t>(group)]->mark(start_ns, start_ns + duration_ns);

    const double energy_pj = static_cast<double>(rows) * config_.refresh_pj_per_row;
    ++g.bursts;
    g.rows_refreshed += rows;
    g.refresh_energy_pj += energy_pj;
    ++stats_.refresh_bursts;
    stats_.rows_refreshed += rows;
    stats_.rows_refreshed_per_bank[static_cast<std::size_t>(bank)] += rows;
    stats_.refresh_energy_pj += energy_pj;
}

EdramStats EdramController::stats() const {
    EdramStats result = stats_;
    result.access = port_.stats();
    return result;
}

}  // namespace kelle
