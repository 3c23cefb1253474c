// EdramConfig: the parameters of the eDRAM KV store, section [edram] (bind() lists them with
// their units and defaults; docs/edram.md explains them).
//
// group_intervals_us() is the one place the refresh intervals (edram.refresh_interval_us and the
// 2DRP ones) become each refresh group's interval: the scheduler, the array's retention
// accounting, the retention monitor and the stats all take that list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "common/kv_areas.h"
#include "edram/bank_layout.h"
#include "edram/refresh_manager.h"

namespace kelle {

// Which rows a burst refreshes and at which intervals (docs/edram.md): periodic every row at
// refresh_interval_us; lifetime only live rows; two_dim (2DRP) live rows at one interval per
// (importance class, bit plane).
enum class RefreshPolicy { periodic, lifetime, two_dim };
inline const Choices<RefreshPolicy> kRefreshPolicies{
    {"periodic", RefreshPolicy::periodic}, {"lifetime", RefreshPolicy::lifetime}, {"2drp", RefreshPolicy::two_dim}};

struct EdramConfig {
    double capacity_mb = 0;
    int banks = 0;
    BankLayout layout = BankLayout::interleaved;  // how addresses and refresh groups sit on the banks (bank_layout.h)
    std::uint64_t row_bytes = 0;
    double clock_mhz = 0;
    double bytes_per_cycle = 0;
    double access_cycles = 0;
    double refresh_row_cycles = 0;
    double refresh_interval_us = 0;
    RefreshPolicy refresh_policy = RefreshPolicy::periodic;
    RefreshImpl refresh_impl = RefreshImpl::tlm;  // which model schedules the bursts (edram/refresh_manager.h)
    double important_share = 0;  // 2DRP: share of rows (and of each head's slots) in the important class
    double interval_2drp_us[2][2] = {};  // [class: important, unimportant][plane: MSB, LSB]
    bool functional = false;
    double retention_stress = 1;  // scales every p_fail (capped at 1): a study's stress, not a cell property
    double retention_min_us = 0;
    std::uint64_t seed = 1;  // of the functional mode's bit flips (the run's --seed)
    double pj_per_byte = 0;
    double refresh_pj_per_row = 0;
    double static_mw_per_mb = 0;
    double area_mm2_per_mb = 0;             // reported with the capacity assumption (platform.h)
    std::uint64_t refresh_subarrays = 1;    // rows a bank refreshes at once, one per sub-array
    double retention_safe_us = 0, retention_safe_p_fail = 0;
    double retention_tail_us = 0, retention_tail_p_fail = 0;

    std::uint64_t capacity_bytes() const;
    // The share of a bank's time its bursts take when every row is live, in the busiest bank:
    // over the refresh groups, (the group's rows in the bank x a row's refresh time) / the
    // group's interval.
    double refresh_demand() const;
    std::uint64_t rows_per_bank() const;
    double ns_per_cycle() const { return 1e3 / clock_mhz; }

    // Its rules check that the geometry adds up and that refresh leaves a bank time to spare.
    void bind(ParamBinder& p);
    void bind_2drp_intervals(ParamBinder& p);
};

// The area plan this refresh policy needs: two-dimensional for 2drp, plain otherwise.
KvAreaPlan refresh_area_plan(const EdramConfig& config);

// The refresh interval of every area of `plan`, in its order: each area is a refresh group.
// 2drp gives each (importance class, bit plane) area its own; every other policy one for all.
std::vector<double> group_intervals_us(const EdramConfig& config, const KvAreaPlan& plan);

}  // namespace kelle
