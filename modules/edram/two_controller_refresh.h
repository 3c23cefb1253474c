// TwoControllerRefresh: the paper's two refresh controllers [paper §5, kelle-paper.md §2], one for
// the high-byte banks and one for the low-byte banks, each with one timer per refresh group it
// holds rows of (under 2DRP: important and unimportant), behind the one RefreshManager the eDRAM
// controller polls. Used with edram.layout = byte_plane, where the two own disjoint banks.
//
// Each controller is a RefreshManager of the configured kind (edram.refresh_impl: the TLM
// scheduler, the RTL one or the lockstep of both) over its own banks and groups: group g of its
// groups refreshes its bank n % banks_c at interval_g x (n + 1) / banks_c, banks_c = banks / 2.
// A group with rows under both controllers (whole values, `unused`) has a timer in each. This
// class only renames: a controller's local (group, bank) becomes the store's, and the two
// lists of due bursts are merged in time order, the high-byte controller's first at a tie
// (they touch disjoint banks, so the order of a tie changes nothing).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "edram/bank_layout.h"
#include "edram/refresh_manager.h"

namespace kelle {

class TwoControllerRefresh : public RefreshManager {
public:
    // group_intervals_us: per refresh group (area of `map`), its interval.
    TwoControllerRefresh(RefreshImpl impl, const std::string& name, const EdramBankMap& map,
                         const std::vector<double>& group_intervals_us);

    double next_due_ns() const override;
    void pop_due(double now_ns, std::vector<RefreshBurst>& due) override;
    void trace(sc_core::sc_trace_file* file, const std::string& prefix) override;

private:
    struct Controller {
        std::string name;                        // "high" or "low"
        std::vector<int> groups;                 // its timers' groups, as the store numbers them
        std::vector<int> banks;                  // its banks, as the store numbers them
        std::unique_ptr<RefreshManager> manager;
        std::vector<RefreshBurst> due;           // pop_due's buffer
    };
    static Controller make(RefreshImpl impl, const std::string& name, RefreshController which,
                           const EdramBankMap& map, const std::vector<double>& group_intervals_us);
    void pop(Controller& c, double now_ns);

    Controller high_, low_;
};

}  // namespace kelle
