#include "common/activity_trace.h"

#include <algorithm>

#include "common/units.h"

namespace kelle {

ActivityTrace::ActivityTrace(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(ActivityTrace);
    SC_METHOD(update);
    sensitive << wake_;
    dont_initialize();
}

void ActivityTrace::trace(sc_core::sc_trace_file* file, const std::string& label) {
    enabled_ = true;
    sc_core::sc_trace(file, busy_, label);
}

void ActivityTrace::mark(double start_ns, double end_ns) {
    if (!enabled_ || end_ns <= start_ns) return;
    if (start_ns > fall_ns_) {
        rise_ns_ = start_ns;  // a new busy period; the previous one has been or will be closed
        fall_ns_ = end_ns;
    } else {
        fall_ns_ = std::max(fall_ns_, end_ns);  // overlaps or touches: one longer period
    }
    wake_.notify(from_ns(std::max(0.0, std::min(rise_ns_, fall_ns_) - now_ns())));
}

void ActivityTrace::update() {
    const double now = now_ns();
    // Compare in whole picoseconds: sc_time rounds every delay to the 1 ps resolution.
    const double eps = 1e-3;
    if (now + eps >= fall_ns_) {
        busy_ = false;
        return;
    }
    if (now + eps >= rise_ns_) {
        busy_ = true;
        wake_.notify(from_ns(fall_ns_ - now));
    } else {
        wake_.notify(from_ns(rise_ns_ - now));
    }
}

}  // namespace kelle
