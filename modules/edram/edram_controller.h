// EdramController: the embedded-DRAM KV cache store's controller, a TLM target: bank timing,
// refresh, liveness and the stats and waveform of both. The cells are an EdramArray
// (edram_array.h: storage, bit flips, retention accounting); when to refresh is a
// RefreshManager's answer (refresh_manager.h), polled, never a callback.
//
// Geometry: `banks` banks of `row_bytes` rows, capacity_mb in all. edram.layout places addresses
// on banks (bank_layout.h, docs/edram.md): interleaved, row r of the address space in bank
// r % banks; or byte_plane, the paper's four bank groups (K high, K low, V high, V low byte).
// Each bank moves `bytes_per_cycle` per cycle of `clock_mhz` after `access_cycles` of latency;
// there is no row buffer (gain-cell eDRAM macros read a row per access).
//
// Refresh: the manager gives a burst per (group, bank, interval); a burst reserves the bank for
// rows x refresh_row_cycles and costs rows x refresh_pj_per_row (summed as rows, exact, and
// multiplied once per group when stats are read). An access that reaches a bank
// under refresh waits for it; a burst due while an access is in flight starts when the access
// ends. Refresh stall counts what the bursts add to an access's wait: for an access queued
// behind earlier accesses and a burst that waited for them, the burst's own length.
// Policies (edram.refresh_policy; row_selection.h):
//   periodic  every row of the bank, live or not (the conventional baseline);
//   lifetime  only the rows that hold live data (Kelle's lifetime-aware control, as in RANA):
//             the KV cache's LivenessHints say which slots hold tokens; the others are
//             counted as rows_skipped. Data reaching the end of its life before its retention
//             deadline is not a case decode produces (a token lives for many decode steps,
//             each far longer than the interval), so no refresh is skipped on that ground.
//   2drp      Kelle's two-dimensional policy: the store is cut into (importance class, bit
//             plane) areas (common/kv_areas.h), each a refresh group with its own interval
//             (edram.2drp.*_us), combined with lifetime skipping.
// Every area of the plan is a refresh group; stats are kept per group, each naming the refresh
// controller whose timer drives it (high- or low-byte banks, or both). Which model schedules the
// bursts is edram.refresh_impl: tlm (RefreshScheduler) or rtl (the Verilog scheduler, verilated;
// docs/cosim.md). Both give the same bursts. Under byte_plane the two controllers are two such
// schedulers over their own banks (TwoControllerRefresh), so a burst of one byte plane never
// holds up an access to the other.
//
// One refresh loop, refresh_until(now): it pops the due bursts and performs each at its own due
// time. It runs before every access and hint, when the platform asks (ends of prefill and
// decode, before reading stats), and, only when a waveform is traced (the VCD marks bursts as
// they happen), from a method woken at each next_due_ns(). Without a waveform no kernel event
// per burst is needed. A RetentionMonitor (retention_monitor.h) watches the gaps between bursts.
//
// Sockets: `target_socket` (reads, writes; a LivenessHint extension marks slots live or dead).
// Parameters: section [edram] (edram_config.h). Left out: row buffers, command-level DRAM
// timing, temperature.
#pragma once

#include <memory>
#include <string>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "common/activity_trace.h"
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
    void trace(sc_core::sc_trace_file* file) override;

private:
    void wake_for_refresh();  // the method: with a waveform, refreshes at each due time
    void catch_up_refresh(double now_ns);
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
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
