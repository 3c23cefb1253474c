#include "edram/edram_controller.h"

#include <algorithm>
#include <cmath>

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
                          "periodic: every row; lifetime: only rows holding live KV data (2DRP is not built yet)")
                         .one_of({"periodic", "lifetime"}));
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

EdramController::EdramController(sc_core::sc_module_name name, const EdramConfig& config)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      config_(config),
      write_p_fail_(RetentionModel(config.retention_safe_us, config.retention_safe_p_fail, config.retention_tail_us,
                                   config.retention_tail_p_fail)
                        .p_fail(config.refresh_interval_us)),
      port_(edram_geometry(config), config.pj_per_byte),
      scheduler_("refresh_scheduler", *this, config.banks, config.refresh_interval_us),
      liveness_(config.capacity_bytes() / config.row_bytes, config.row_bytes, config.banks),
      skip_dead_rows_(config.refresh_policy == "lifetime"),
      refresh_end_ns_(static_cast<std::size_t>(config.banks), 0.0),
      read_activity_("read_activity"),
      write_activity_("write_activity") {
    target_socket.register_b_transport(this, &EdramController::b_transport);
    stats_.rows_refreshed_per_bank.assign(static_cast<std::size_t>(config.banks), 0);
    for (int bank = 0; bank < config.banks; ++bank)
        refresh_activity_.push_back(
            std::make_unique<ActivityTrace>(("refresh_activity_" + std::to_string(bank)).c_str()));
}

void EdramController::trace(sc_core::sc_trace_file* file) {
    read_activity_.trace(file, "edram.read");
    write_activity_.trace(file, "edram.write");
    for (int bank = 0; bank < config_.banks; ++bank)
        refresh_activity_[bank]->trace(file, "edram.refresh_bank" + std::to_string(bank));
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
    if (const LivenessHint* hint = payload.get_extension<LivenessHint>()) return apply_hint(*hint, payload);
    const std::uint64_t address = payload.get_address();
    const std::uint64_t bytes = payload.get_data_length();
    if (bytes == 0 || address + bytes > config_.capacity_bytes()) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const double arrival_ns = now_ns() + to_ns(delay);
    stats_.refresh_stall_ns += std::max(0.0, refresh_stall_ns(arrival_ns, address, bytes));
    const AccessTiming timing = port_.serve(payload, delay);
    if (payload.is_response_error()) return;
    if (payload.is_write()) {
        stats_.expected_bit_flips += static_cast<double>(bytes * 8) * write_p_fail_;
        write_activity_.mark(timing.start_ns, timing.complete_ns);
    } else {
        read_activity_.mark(timing.start_ns, timing.complete_ns);
    }
}

void EdramController::refresh_bank(int bank) {
    const std::uint64_t rows = skip_dead_rows_ ? liveness_.live_rows(bank) : config_.rows_per_bank();
    stats_.rows_skipped += config_.rows_per_bank() - rows;
    if (rows == 0) return;  // lifetime: nothing live in this bank, no burst
    const double duration_ns = static_cast<double>(rows) * config_.refresh_row_cycles * config_.ns_per_cycle();
    const double start_ns = port_.timing().reserve(bank, now_ns(), duration_ns);
    refresh_end_ns_[bank] = start_ns + duration_ns;
    refresh_activity_[bank]->mark(start_ns, start_ns + duration_ns);

    ++stats_.refresh_bursts;
    stats_.rows_refreshed += rows;
    stats_.rows_refreshed_per_bank[static_cast<std::size_t>(bank)] += rows;
    stats_.refresh_energy_pj += static_cast<double>(rows) * config_.refresh_pj_per_row;
}

EdramStats EdramController::stats() const {
    EdramStats result = stats_;
    result.access = port_.stats();
    return result;
}

}  // namespace kelle
