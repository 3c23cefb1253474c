// RetentionMonitor: checks that no live row of a loss-free refresh group goes longer without
// refresh than the screened minimum retention (edram.retention_min_us).
//
// With retention_min_us > 0, a group refreshed at or below it promises no loss (RetentionModel
// gives p_fail = 0 there); if a burst of such a group, delayed behind accesses, starts later than
// that after its previous burst, the first such violation is kept and kelle-sim fails at the end
// of the run (exit status 4, no stats written). Every row of a burst keeps its offset inside it
// from one burst to the next, so a row's gap between refreshes is the gap between burst starts.
// The intervals are the groups' configured ones (edram_config.h), not anything measured.
#pragma once

#include <string>
#include <vector>

namespace kelle {

class RetentionMonitor {
public:
    RetentionMonitor(double retention_min_us, std::vector<double> group_intervals_us,
                     std::vector<std::string> group_names, int banks);

    // A burst of `group` in `bank` started at start_ns. Inline, one comparison: it runs at every
    // burst.
    void refreshed(int group, int bank, double start_ns) {
        double& last = last_ns(group, bank);
        if ((start_ns - last) * 1e-3 > max_gap_us_[static_cast<std::size_t>(group)]) violated(group, bank, last, start_ns);
        last = start_ns;
    }
    // A slot of `group` in `bank` at at_ns found nothing live: no burst, and no deadline running.
    void nothing_live(int group, int bank, double at_ns) { last_ns(group, bank) = at_ns; }

    // Non-empty after a violation: the first one, where and when.
    const std::string& violation() const { return violation_; }

private:
    double& last_ns(int group, int bank) {
        return last_refresh_ns_[static_cast<std::size_t>(group) * banks_ + static_cast<std::size_t>(bank)];
    }
    // A watched group's gap was too long: kept, if it is the first violation.
    void violated(int group, int bank, double last_ns, double refreshed_ns);

    double deadline_us_;
    std::vector<double> interval_us_;  // per group
    std::vector<std::string> name_;    // per group
    // Per group: the longest gap allowed, the deadline for a group promised no loss, else infinite.
    std::vector<double> max_gap_us_;
    std::size_t banks_;
    std::vector<double> last_refresh_ns_;  // per (group, bank): start of its last burst
    std::string violation_;
};

}  // namespace kelle
