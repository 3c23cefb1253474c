// EdramController: the embedded-DRAM KV cache store's controller, a TLM target: bank timing,
// refresh, liveness and the stats and waveform of both. The cells are an EdramArray
// (edram_array.h: storage, bit flips, retention accounting); when to refresh is a
// RefreshManager's answer (refresh_manager.h), polled, never a callback.
//
// Each bank moves `bytes_per_cycle` per cycle after `access_cycles` of latency, with no row
// buffer; edram.layout places addresses on banks (bank_layout.h). A refresh burst per (group,
// bank, interval) reserves the bank for rows x refresh_row_cycles and costs rows x
// refresh_pj_per_row; an access to a bank under refresh waits for it. edram.refresh_policy
// chooses the rows (periodic: all; lifetime: the live ones, from the KV cache's LivenessHints;
// 2drp: per (importance class, bit plane) group intervals, with lifetime skipping), and
// edram.refresh_impl the scheduler (tlm, or the verilated RTL; both give the same bursts).
//
// One refresh loop, refresh_until(now), pops the due bursts and performs each at its own due
// time: before every access and hint, when the platform settles the modules for a report, and,
// only when a waveform is traced, from a method woken at each next due time.
//
// Policies, stalls, groups and the two refresh controllers of byte_plane: docs/edram.md.
// Sockets: `target_socket` (reads, writes; a LivenessHint extension marks slots live or dead).
// Parameters: section [edram] (edram_config.h). Left out: row buffers, command-level DRAM
// timing, temperature.
#pragma once

#include <memory>
#include <string>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "waveform/activity_trace.h"
#include "common/commands.h"
#include "common/kv_areas.h"
#include "common/memory_port.h"
#include "edram/bank_layout.h"
#include "edram/edram_array.h"
#include "common/observable.h"
#include "edram/edram_config.h"
#include "edram/refresh_manager.h"
#include "edram/retention_monitor.h"
#include "edram/row_liveness.h"
#include "edram/row_selection.h"

namespace kelle {

struct RefreshGroupStats {
    std::string name;
    std::string controller;  // "high", "low" or "both" (bank_layout.h)
    double interval_us = 0;
    std::uint64_t rows = 0;
    std::uint64_t bursts = 0;
    std::uint64_t rows_refreshed = 0;
    std::uint64_t rows_skipped = 0;
    double refresh_energy_pj = 0;
    double expected_bit_flips = 0;
    std::uint64_t actual_bit_flips = 0;  // functional mode
};

struct EdramStats {
    MemoryStats access;
    std::uint64_t refresh_bursts = 0;
    std::uint64_t rows_refreshed = 0;
    std::uint64_t rows_skipped = 0;
    double refresh_energy_pj = 0;
    double refresh_stall_ns = 0;
    double expected_bit_flips = 0;
    std::uint64_t actual_bit_flips = 0;  // functional mode: bits flipped in stored data
    std::vector<std::uint64_t> rows_refreshed_per_bank;
    std::vector<RefreshGroupStats> groups;
};

class EdramController : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_target_socket<EdramController> target_socket;

    // plan: the refresh groups, one per area (the platform makes it; common/kv_areas.h).
    EdramController(sc_core::sc_module_name name, const EdramConfig& config, const KvAreaPlan& plan);

    // Performs every burst due up to `now_ns` not performed yet, each at its own due time.
    // Called before every transaction: returns at once when nothing is due yet.
    void refresh_until(double now_ns) {
        if (now_ns >= next_refresh_due_ns_) catch_up_refresh(now_ns);
    }

    EdramStats stats() const;
    // Non-empty when the retention monitor saw a violation: the first one, where and when.
    const std::string& retention_violation() const { return monitor_.violation(); }
    const EdramConfig& config() const { return config_; }
    double static_mw() const { return config_.static_mw_per_mb * config_.capacity_mb; }
    void settle(double now_ns) override { refresh_until(now_ns); }
    void report_energy(StatsReport& report) const override;
    void report_stats(StatsReport& report) const override;
    // A platform without an eDRAM reports its zeros: the same keys, refresh policy "none".
    static void report_absent_energy(StatsReport& report);
    static void report_absent_stats(StatsReport& report);
    void trace(sc_core::sc_trace_file* file) override;

private:
    static void write_energy(StatsReport& report, const EdramStats& edram, double static_mw);
    static void write_stats(StatsReport& report, const EdramStats& edram, const std::string& policy,
                            double interval_us, bool functional);
    void wake_for_refresh();  // the method: with a waveform, refreshes at each due time
    void catch_up_refresh(double now_ns);
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    // Debug reads (TLM): the stored bytes, flips included, without time, energy or refresh.
    unsigned int transport_dbg(tlm::tlm_generic_payload& payload);
    void apply_hint(const LivenessHint& hint, tlm::tlm_generic_payload& payload);
    void write_cells(const tlm::tlm_generic_payload& payload);
    void refresh(const RefreshBurst& burst);
    // A burst's duration, by its rows.
    struct BurstCost {
        std::uint64_t rows = 0;
        double duration_ns = 0;
    };
    BurstCost burst_cost(std::uint64_t rows) const;
    // What a burst of a (group, bank) reads and counts, side by side: the bursts are the
    // controller's most frequent work (millions through a long prefill). The counts are summed
    // per group, per bank and in all when stats are asked for, integers, so in any order; the
    // energy is then a group's rows refreshed x refresh_pj_per_row.
    struct GroupBank {
        std::uint64_t rows = 0;  // the group's rows in the bank
        std::uint64_t bursts = 0;
        std::uint64_t rows_refreshed = 0;
        std::uint64_t rows_skipped = 0;
        // Its last burst's cost: rows change only at hints, so most bursts reuse it.
        BurstCost cost;
    };
    GroupBank& group_bank(int group, int bank) { return group_banks_[group_bank_index(group, bank)]; }
    const GroupBank& group_bank(int group, int bank) const { return group_banks_[group_bank_index(group, bank)]; }
    std::size_t group_bank_index(int group, int bank) const {
        return static_cast<std::size_t>(group) * static_cast<std::size_t>(config_.banks) + static_cast<std::size_t>(bank);
    }
    void trace_burst(int group, int bank, double start_ns, double end_ns);
    void log_burst(const RefreshBurst& burst, std::uint64_t rows, double start_ns) const;
    double refresh_stall_ns(double arrival_ns, std::uint64_t address, std::uint64_t bytes);

    EdramConfig config_;
    std::uint64_t capacity_bytes_;  // config_.capacity_bytes(), which rounds: checked at every access and hint
    KvAreaPlan plan_;
    std::vector<double> group_intervals_us_;
    std::shared_ptr<const EdramBankMap> bank_map_;  // shared with the bank timing
    EdramArray array_;
    MemoryPort port_;
    std::unique_ptr<RefreshManager> refresh_manager_;
    std::vector<RefreshBurst> due_;  // refresh_until's buffer: no allocation per access
    // The manager's next_due_ns(), which changes only when bursts are popped: kept so that a
    // transaction with nothing due makes no virtual calls. 0 at first, so the first call asks.
    double next_refresh_due_ns_ = 0;
    RetentionMonitor monitor_;
    EdramStats stats_;
    RowLiveness liveness_;
    // A waveform is traced. The activity traces ignore marks until then; without one the
    // controller does not call them, a saving per transaction and per burst.
    bool traced_ = false;
    RowSelection row_selection_;  // by edram.refresh_policy
    std::vector<GroupBank> group_banks_;  // per (group, bank)
    struct BankRefresh {
        double start_ns = 0;  // start of its latest bursts, back to back
        double end_ns = 0;    // end of its latest burst
    };
    std::vector<BankRefresh> bank_refresh_;  // per bank
    double latest_refresh_end_ns_ = 0;    // the latest of them
    ActivityTrace read_activity_;
    ActivityTrace write_activity_;
    std::vector<std::unique_ptr<ActivityTrace>> refresh_activity_;  // per bank
    std::vector<std::unique_ptr<ActivityTrace>> group_activity_;    // per refresh group
    ActivityTrace stall_activity_;
};

}  // namespace kelle
