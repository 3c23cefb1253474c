#include "edram/edram_controller.h"

#include <algorithm>
#include <iomanip>

#include "common/log.h"
#include "common/units.h"
#include "edram/two_controller_refresh.h"

namespace kelle {

namespace {
BankGeometry edram_geometry(const EdramConfig& c) {
    return BankGeometry{c.banks, c.row_bytes, c.bytes_per_cycle / c.ns_per_cycle(),
                        c.access_cycles * c.ns_per_cycle()};
}

std::unique_ptr<RefreshManager> refresh_manager(const EdramConfig& c, const EdramBankMap& map,
                                                const std::vector<double>& group_intervals_us) {
    if (c.layout == BankLayout::byte_plane)
        return std::make_unique<TwoControllerRefresh>(c.refresh_impl, "refresh_scheduler", map, group_intervals_us);
    return make_refresh_manager(c.refresh_impl, "refresh_scheduler", c.banks, group_intervals_us);
}

std::vector<std::string> area_names(const KvAreaPlan& plan) {
    std::vector<std::string> names;
    for (const KvArea& area : plan.areas) names.push_back(area.name);
    return names;
}
}  // namespace

EdramController::EdramController(sc_core::sc_module_name name, const EdramConfig& config, const KvAreaPlan& plan)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      config_(config),
      capacity_bytes_(config.capacity_bytes()),
      plan_(plan),
      group_intervals_us_(group_intervals_us(config, plan)),
      bank_map_(std::make_shared<const EdramBankMap>(config.layout, plan, config.banks)),
      array_(config, plan, group_intervals_us_),
      port_(edram_geometry(config), config.pj_per_byte),
      refresh_manager_(refresh_manager(config, *bank_map_, group_intervals_us_)),
      monitor_(config.retention_min_us, group_intervals_us_, area_names(plan), config.banks),
      liveness_(*bank_map_),
      row_selection_(config.refresh_policy, liveness_),
      group_banks_(plan.areas.size() * static_cast<std::size_t>(config.banks)),
      bank_refresh_(static_cast<std::size_t>(config.banks)),
      read_activity_("read_activity"),
      write_activity_("write_activity"),
      stall_activity_("stall_activity") {
    target_socket.register_b_transport(this, &EdramController::b_transport);
    target_socket.register_transport_dbg(this, &EdramController::transport_dbg);
    // The interleaved layout keeps BankedTiming's own round-robin split, the fast path.
    if (config.layout == BankLayout::byte_plane) port_.timing().use_bank_map(bank_map_);
    KELLE_LOG(msg::edram, LogLevel::info,
              config.capacity_mb << " MB in " << config.banks << " banks (" << kBankLayouts.name(config.layout)
                                 << ") of " << config.rows_per_bank() << " rows of " << config.row_bytes << " B, "
                                 << kRefreshPolicies.name(config.refresh_policy) << " refresh by the "
                                 << kRefreshImpls.name(config.refresh_impl) << " scheduler");
    stats_.rows_refreshed_per_bank.assign(static_cast<std::size_t>(config.banks), 0);
    for (std::size_t g = 0; g < plan.areas.size(); ++g) {
        for (int bank = 0; bank < config.banks; ++bank)
            group_bank(static_cast<int>(g), bank).rows = bank_map_->rows_in_bank(static_cast<int>(g), bank);
        RefreshGroupStats group;
        group.name = plan.areas[g].name;
        group.controller = controller_name(bank_map_->controller_of(static_cast<int>(g)));
        group.interval_us = group_intervals_us_[g];
        group.rows = plan.areas[g].rows;
        stats_.groups.push_back(group);
        KELLE_LOG(msg::edram, LogLevel::info,
                  "refresh group " << group.name << ": " << group.rows << " rows every " << group.interval_us << " us");
        group_activity_.push_back(std::make_unique<ActivityTrace>(("group_activity_" + group.name).c_str()));
    }
    for (int bank = 0; bank < config.banks; ++bank)
        refresh_activity_.push_back(
            std::make_unique<ActivityTrace>(("refresh_activity_" + std::to_string(bank)).c_str()));
    SC_HAS_PROCESS(EdramController);
    SC_METHOD(wake_for_refresh);
}

void EdramController::trace(sc_core::sc_trace_file* file) {
    read_activity_.trace(file, "edram.read");
    write_activity_.trace(file, "edram.write");
    for (int bank = 0; bank < config_.banks; ++bank)
        refresh_activity_[bank]->trace(file, "edram.refresh_bank" + std::to_string(bank));
    for (std::size_t g = 0; g < plan_.areas.size(); ++g)
        group_activity_[g]->trace(file, "edram.refresh_group_" + plan_.areas[g].name);
    stall_activity_.trace(file, "edram.refresh_stall");
    refresh_manager_->trace(file, "edram.refresh_scheduler");
    traced_ = true;
}

void EdramController::catch_up_refresh(double now_ns) {
    // Catching up slice by slice keeps the buffer at a slice's bursts: a prefill of minutes of
    // simulated time with no eDRAM access in between would otherwise gather millions at once
    // (700 MB for LLaMA-2-7B at batch 16). Bursts come out in the same order either way.
    constexpr double kSliceNs = 1e6;
    double due_ns = refresh_manager_->next_due_ns();
    for (; due_ns <= now_ns; due_ns = refresh_manager_->next_due_ns()) {
        due_.clear();
        refresh_manager_->pop_due(std::min(now_ns, due_ns + kSliceNs), due_);
        for (const RefreshBurst& burst : due_) refresh(burst);
    }
    next_refresh_due_ns_ = due_ns;
}

void EdramController::wake_for_refresh() {
    if (!traced_) return;  // not triggered again: the other callers of refresh_until suffice
    const double now = now_ns();
    refresh_until(now);
    next_trigger(from_ns(next_refresh_due_ns_ - now));
}

double EdramController::refresh_stall_ns(double arrival_ns, std::uint64_t address, std::uint64_t bytes) {
    // Most accesses arrive after every burst has ended: then no bank can stall them, and the
    // bank split, a cost per transaction, is not needed.
    if (arrival_ns >= latest_refresh_end_ns_) return 0;
    double stall = 0;
    port_.timing().split(address, bytes);
    for (const int bank : port_.timing().split_banks()) {
        const auto b = static_cast<std::size_t>(bank);
        // A burst that itself waited behind accesses queued before this one delays it by its own
        // length, not by the queue's: the wait until the bursts begin is the accesses'.
        stall = std::max(stall, bank_refresh_[b].end_ns - std::max(arrival_ns, bank_refresh_[b].start_ns));
    }
    return stall;
}

void EdramController::apply_hint(const LivenessHint& hint, tlm::tlm_generic_payload& payload) {
    if (hint.bytes == 0 || hint.address + hint.bytes > capacity_bytes_) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    liveness_.mark(hint.address, hint.bytes, hint.live);
    port_.count_control();
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int EdramController::transport_dbg(tlm::tlm_generic_payload& payload) {
    const std::uint64_t address = payload.get_address();
    const std::uint64_t bytes = payload.get_data_length();
    if (!payload.is_read() || address + bytes > capacity_bytes_) return 0;
    array_.read(address, payload.get_data_ptr(), bytes);
    return static_cast<unsigned int>(bytes);
}

void EdramController::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const double now = now_ns();
    refresh_until(now);
    if (const LivenessHint* hint = payload.get_extension<LivenessHint>()) return apply_hint(*hint, payload);
    const std::uint64_t address = payload.get_address();
    const std::uint64_t bytes = payload.get_data_length();
    if (bytes == 0 || address + bytes > capacity_bytes_) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const double arrival_ns = now + to_ns(delay);
    const double stall_ns = std::max(0.0, refresh_stall_ns(arrival_ns, address, bytes));
    stats_.refresh_stall_ns += stall_ns;
    if (traced_) stall_activity_.mark(arrival_ns, arrival_ns + stall_ns);
    const AccessTiming timing = port_.serve(payload, delay, arrival_ns);
    if (payload.is_response_error()) return;
    if (payload.is_write()) {
        write_cells(payload);
        if (traced_) write_activity_.mark(timing.start_ns, timing.complete_ns);
    } else {
        array_.read(address, payload.get_data_ptr(), bytes);
        if (traced_) read_activity_.mark(timing.start_ns, timing.complete_ns);
    }
}

void EdramController::write_cells(const tlm::tlm_generic_payload& payload) {
    const std::uint64_t address = payload.get_address();
    const std::uint64_t bytes = payload.get_data_length();
    const int group = array_.group_of(address);
    if (address + bytes > array_.group_end(group))
        SC_REPORT_ERROR(name(), "a write spans two refresh groups: the KV layout and the area plan disagree");
    array_.write(group, address, payload.get_data_ptr(), bytes);
}

void EdramController::refresh(const RefreshBurst& burst) {
    GroupBank& gb = group_bank(burst.group, burst.bank);
    const std::uint64_t rows = row_selection_.rows_to_refresh(burst.group, burst.bank, gb.rows);
    gb.rows_skipped += gb.rows - rows;
    if (rows == 0) return monitor_.nothing_live(burst.group, burst.bank, burst.due_ns);

    if (gb.cost.rows != rows) gb.cost = burst_cost(rows);
    const double start_ns = port_.timing().reserve(burst.bank, burst.due_ns, gb.cost.duration_ns);
    const double end_ns = start_ns + gb.cost.duration_ns;
    monitor_.refreshed(burst.group, burst.bank, start_ns);
    // Back-to-back bursts hold the bank as one: an access before them waits for all of them.
    BankRefresh& bank = bank_refresh_[static_cast<std::size_t>(burst.bank)];
    if (start_ns != bank.end_ns) bank.start_ns = start_ns;
    bank.end_ns = end_ns;
    latest_refresh_end_ns_ = std::max(latest_refresh_end_ns_, end_ns);
    ++gb.bursts;
    gb.rows_refreshed += rows;
    if (traced_) trace_burst(burst.group, burst.bank, start_ns, end_ns);
    if (log_enabled(msg::edram, LogLevel::debug)) log_burst(burst, rows, start_ns);
}

EdramController::BurstCost EdramController::burst_cost(std::uint64_t rows) const {
    return {rows, static_cast<double>(rows) * config_.refresh_row_cycles * config_.ns_per_cycle() /
                      static_cast<double>(config_.refresh_subarrays)};
}

void EdramController::trace_burst(int group, int bank, double start_ns, double end_ns) {
    refresh_activity_[static_cast<std::size_t>(bank)]->mark(start_ns, end_ns);
    group_activity_[static_cast<std::size_t>(group)]->mark(start_ns, end_ns);
}

void EdramController::log_burst(const RefreshBurst& burst, std::uint64_t rows, double start_ns) const {
    KELLE_LOG(msg::edram, LogLevel::debug,
              "burst " << stats_.groups[static_cast<std::size_t>(burst.group)].name << " bank " << burst.bank << ": "
                       << rows << " rows due " << std::fixed << std::setprecision(3) << burst.due_ns * 1e-3
                       << " us, from " << start_ns * 1e-3 << " us");
}

EdramStats EdramController::stats() const {
    EdramStats result = stats_;
    for (std::size_t g = 0; g < result.groups.size(); ++g)
        for (int bank = 0; bank < config_.banks; ++bank) {
            const GroupBank& gb = group_bank(static_cast<int>(g), bank);
            RefreshGroupStats& group = result.groups[g];
            group.bursts += gb.bursts;
            group.rows_refreshed += gb.rows_refreshed;
            group.rows_skipped += gb.rows_skipped;
            result.refresh_bursts += gb.bursts;
            result.rows_refreshed += gb.rows_refreshed;
            result.rows_skipped += gb.rows_skipped;
            result.rows_refreshed_per_bank[static_cast<std::size_t>(bank)] += gb.rows_refreshed;
        }
    // Energy from the exact row counts: one rounding per group, not one per burst in time order.
    for (RefreshGroupStats& group : result.groups) {
        group.refresh_energy_pj = static_cast<double>(group.rows_refreshed) * config_.refresh_pj_per_row;
        result.refresh_energy_pj += group.refresh_energy_pj;
    }
    result.access = port_.stats();
    result.expected_bit_flips = array_.expected_bit_flips();
    result.actual_bit_flips = array_.actual_bit_flips();
    for (std::size_t g = 0; g < result.groups.size(); ++g) {
        result.groups[g].expected_bit_flips = array_.expected_bit_flips(static_cast<int>(g));
        result.groups[g].actual_bit_flips = array_.actual_bit_flips(static_cast<int>(g));
    }
    return result;
}

namespace {
nlohmann::ordered_json group_stats(const std::vector<RefreshGroupStats>& groups) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const RefreshGroupStats& g : groups)
        out.push_back({{"name", g.name},
                       {"controller", g.controller},
                       {"interval_us", g.interval_us},
                       {"rows", g.rows},
                       {"bursts", g.bursts},
                       {"rows_refreshed", g.rows_refreshed},
                       {"rows_skipped", g.rows_skipped},
                       {"energy_pj", g.refresh_energy_pj},
                       {"expected_bit_flips", g.expected_bit_flips},
                       {"actual_bit_flips", g.actual_bit_flips}});
    return out;
}
}  // namespace

void EdramController::report_energy(StatsReport& report) const {
    write_energy(report, stats(), static_mw());
}

void EdramController::write_energy(StatsReport& report, const EdramStats& edram, double static_mw) {
    report.add("energy.edram_access", edram.access.access_energy_pj);
    report.add("energy.edram_refresh", edram.refresh_energy_pj);
    report.set("static_mw.edram", static_mw);
}

void EdramController::report_stats(StatsReport& report) const {
    write_stats(report, stats(), kRefreshPolicies.name(config_.refresh_policy), config_.refresh_interval_us,
                config_.functional);
}

void EdramController::report_absent_energy(StatsReport& report) { write_energy(report, EdramStats{}, 0); }

void EdramController::report_absent_stats(StatsReport& report) { write_stats(report, EdramStats{}, "none", 0, false); }

void EdramController::write_stats(StatsReport& report, const EdramStats& edram, const std::string& policy,
                                  double interval_us, bool functional) {
    report.add("tlm_transactions", edram.access.transactions);
    report.set("refresh", {{"policy", policy},
                           {"interval_us", interval_us},
                           {"bursts", edram.refresh_bursts},
                           {"rows_refreshed", edram.rows_refreshed},
                           {"rows_skipped", edram.rows_skipped},
                           {"rows_refreshed_per_bank", edram.rows_refreshed_per_bank},
                           {"groups", group_stats(edram.groups)},
                           {"stall_ns", edram.refresh_stall_ns}});
    report.set("retention", {{"expected_bit_flips", edram.expected_bit_flips},
                             {"functional", functional},
                             {"actual_bit_flips", edram.actual_bit_flips}});
    report.add("traffic_bytes.edram_read", edram.access.read_bytes);
    report.add("traffic_bytes.edram_write", edram.access.write_bytes);
}

}  // namespace kelle
