#include "edram/retention_monitor.h"

#include <cstdio>
#include <limits>

namespace kelle {

RetentionMonitor::RetentionMonitor(double retention_min_us, std::vector<double> group_intervals_us,
                                   std::vector<std::string> group_names, int banks)
    : deadline_us_(retention_min_us),
      interval_us_(std::move(group_intervals_us)),
      name_(std::move(group_names)),
      banks_(static_cast<std::size_t>(banks)),
      last_refresh_ns_(interval_us_.size() * banks_, 0.0) {
    // Only groups promised to lose nothing (interval within the screened retention) are held to it.
    for (const double interval_us : interval_us_)
        max_gap_us_.push_back(deadline_us_ > 0 && interval_us <= deadline_us_ ? deadline_us_
                                                                              : std::numeric_limits<double>::infinity());
}

void RetentionMonitor::violated(int group, int bank, double last_ns, double refreshed_ns) {
    if (!violation_.empty()) return;
    const double gap_us = (refreshed_ns - last_ns) * 1e-3;
    char message[200];
    std::snprintf(message, sizeof message,
                  "retention monitor: a live row of group %s in bank %d went %.3f us without refresh "
                  "(edram.retention_min_us = %.3f), at %.3f us of simulated time",
                  name_[static_cast<std::size_t>(group)].c_str(), bank, gap_us, deadline_us_, refreshed_ns * 1e-3);
    violation_ = message;  // the run goes on to its end (stopping threads mid-transaction is unsafe); it then fails
}

}  // namespace kelle
