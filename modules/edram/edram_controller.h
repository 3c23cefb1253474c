// EdramController: the embedded-DRAM KV cache store, a TLM target, with its refresh.
//
// Geometry: `banks` banks of `row_bytes` rows, capacity_mb in all; addresses are interleaved
// across banks row by row (row r of the address space is in bank r % banks; docs/edram.md).
// Each bank moves `bytes_per_cycle` per cycle of `clock_mhz` after `access_cycles` of latency;
// there is no row buffer (gain-cell eDRAM macros read a row per access).
//
// Refresh: the RefreshScheduler asks for a burst per (bank, interval); a burst reserves the
// bank for rows x refresh_row_cycles and costs rows x refresh_pj_per_row. An access that
// reaches a bank under refresh waits for it (counted as refresh stall); a burst due while an
// access is in flight starts when the access ends. Policies (edram.refresh_policy):
//   periodic  every row of the bank, live or not (the conventional baseline);
//   lifetime  only the rows that hold live data (Kelle's lifetime-aware control, as in RANA):
//             the KV cache manager's LivenessHints say which slots hold tokens; the others are
//             counted as rows_skipped. Data reaching the end of its life before its retention
//             deadline is not a case decode produces (a token lives for many decode steps,
//             each far longer than the interval), so no refresh is skipped on that ground.
//   2drp      Kelle's two-dimensional policy: the store is cut into (importance class, bit
//             plane) areas (common/kv_areas.h), each a refresh group with its own interval
//             (edram.2drp.*_us), combined with lifetime skipping.
// Every area of the plan is a refresh group; stats are kept per group.
// Which model schedules the bursts is edram.refresh_impl: tlm (RefreshScheduler) or rtl (the
// Verilog scheduler, verilated; edram/refresh_driver.h, docs/cosim.md). Both give the same bursts.
// Retention monitor: with edram.retention_min_us > 0 (a screened minimum retention), a group
// refreshed at or below it promises no loss; if a burst of such a group, delayed behind
// accesses, reaches a live row later than that after its previous burst, the violation is
// recorded and kelle-sim fails at the end of the run (exit status 4, no stats written).
//
// Retention. A cell whose retention time is shorter than the longest gap between
// refreshes loses the value written into it, and a refresh restores the flipped value, not the
// original: so every bit written may be lost with p_fail(its group's interval) (RetentionModel),
// once per write. Expected flips = bits written x p_fail(interval), per group. In functional
// mode (edram.functional) the controller also stores the bytes written and flips each written
// bit with that probability (seeded by --seed), so reads return the corrupted values; flips are
// drawn when the data is written, which is when they are decided: a read comes decode steps
// later, far past one interval. Data that dies within one interval is counted all the same,
// which decode's KV data never does (a token lives for whole decode steps).
//
// Sockets: `target_socket`. Parameters: section [edram] (EdramConfig::declare).
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
#include "common/random.h"
#include "edram/refresh_driver.h"
#include "edram/retention_model.h"
#include "edram/row_liveness.h"

namespace kelle {

class ParamRegistry;

struct EdramConfig {
    double capacity_mb = 0;
    int banks = 0;
    std::uint64_t row_bytes = 0;
    double clock_mhz = 0;
    double bytes_per_cycle = 0;
    double access_cycles = 0;
    double refresh_row_cycles = 0;
    double refresh_interval_us = 0;
    std::string refresh_policy;
    std::string refresh_impl = "tlm";  // which model schedules the bursts (edram/refresh_driver.h)
    double important_share = 0;  // 2DRP: share of rows (and of each head's slots) in the important class
    double interval_2drp_us[2][2] = {};  // [class: important, unimportant][plane: MSB, LSB]
    bool functional = false;
    double retention_min_us = 0;
    std::uint64_t seed = 1;  // of the functional mode's bit flips (the run's --seed)
    double pj_per_byte = 0;
    double refresh_pj_per_row = 0;
    double static_mw_per_mb = 0;
    double retention_safe_us = 0, retention_safe_p_fail = 0;
    double retention_tail_us = 0, retention_tail_p_fail = 0;

    std::uint64_t capacity_bytes() const;
    std::uint64_t rows_per_bank() const;
    double ns_per_cycle() const { return 1e3 / clock_mhz; }

    static void declare(ParamRegistry& registry);
    static EdramConfig from(const ParamRegistry& registry);  // checks the geometry adds up
};

struct RefreshGroupStats {
    std::string name;
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

class EdramController : public sc_core::sc_module, public RefreshTarget {
public:
    tlm_utils::simple_target_socket<EdramController> target_socket;

    // plan: the refresh groups, one per area (the platform makes it; common/kv_areas.h).
    EdramController(sc_core::sc_module_name name, const EdramConfig& config, const KvAreaPlan& plan);

    // The area plan this policy needs: two-dimensional for 2drp, plain otherwise.
    static KvAreaPlan area_plan(const EdramConfig& config);

    void refresh_bank(int group, int bank, double at_ns) override;
    // Brings refresh up to `now_ns` (bursts issued on demand, refresh_driver.h): the platform
    // calls it before reading stats mid-run and at the end.
    void settle_refresh(double now_ns) { scheduler_->settle(now_ns); }

    EdramStats stats() const;
    // Non-empty when the retention monitor saw a violation: the first one, where and when.
    const std::string& retention_violation() const { return violation_; }
    double group_interval_us(const KvArea& area) const;
    const EdramConfig& config() const { return config_; }
    double static_mw() const { return config_.static_mw_per_mb * config_.capacity_mb; }
    void trace(sc_core::sc_trace_file* file);
    // Without a waveform to drive, bursts need no kernel event each: they are issued on demand.
    void start_of_simulation() override;

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void apply_hint(const LivenessHint& hint, tlm::tlm_generic_payload& payload);
    void store(const tlm::tlm_generic_payload& payload, std::size_t group);
    void check_deadline(int group, int bank, double last_ns, double refreshed_ns);
    double refresh_stall_ns(double arrival_ns, std::uint64_t address, std::uint64_t bytes);

    EdramConfig config_;
    KvAreaPlan plan_;
    RetentionModel retention_;
    std::vector<int> group_of_row_;
    std::vector<double> write_p_fail_;  // per group: p_fail(its interval), the chance a written bit is lost
    MemoryPort port_;
    std::unique_ptr<RefreshDriver> scheduler_;
    EdramStats stats_;
    RowLiveness liveness_;
    bool traced_ = false;  // a VCD marks bursts as they happen, so the scheduler must wake at each
    bool skip_dead_rows_;
    std::vector<double> refresh_end_ns_;        // per bank: end of its latest burst
    ActivityTrace read_activity_;
    ActivityTrace write_activity_;
    std::vector<std::unique_ptr<ActivityTrace>> refresh_activity_;  // per bank
    std::vector<std::unique_ptr<ActivityTrace>> group_activity_;    // per refresh group
    ActivityTrace stall_activity_;
    std::vector<unsigned char> memory_;  // functional mode: the array's contents
    SplitMix64 flip_rng_;
    std::vector<double> last_refresh_ns_;  // per (group, bank): start of its last burst
    std::string violation_;
};

}  // namespace kelle
