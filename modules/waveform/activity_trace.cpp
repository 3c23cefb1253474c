#include "waveform/activity_trace.h"

#include <algorithm>

#include "common/units.h"
#include "waveform/vcd_writer.h"

namespace kelle {

namespace {
// sc_time rounds every delay to the 1 ps resolution: edges within that are "now".
constexpr double kEdgeSlackNs = 1e-3;
}  // namespace

ActivityTrace::ActivityTrace(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_HAS_PROCESS(ActivityTrace);
    SC_METHOD(update);
    sensitive << wake_;
    dont_initialize();
}

void ActivityTrace::trace(sc_core::sc_trace_file* file, const std::string& label) {
    enabled_ = keeps_signal(file, label);
    if (enabled_) sc_core::sc_trace(file, busy_, label);
}

void ActivityTrace::mark(double start_ns, double end_ns) {
    if (!enabled_ || end_ns <= start_ns) return;
    if (!periods_.empty() && start_ns <= periods_.back().second) {
        periods_.back().second = std::max(periods_.back().second, end_ns);
        return;
    }
    const bool idle = periods_.empty();
    periods_.emplace_back(start_ns, end_ns);
    if (idle) wake_.notify(from_ns(std::max(0.0, start_ns - now_ns())));  // else the method is already waiting
}

void ActivityTrace::update() {
    const double now = now_ns();
    while (!periods_.empty() && periods_.front().second <= now + kEdgeSlackNs) periods_.pop_front();
    if (periods_.empty()) {
        busy_ = false;
        return;
    }
    const auto [rise, fall] = periods_.front();
    busy_ = rise <= now + kEdgeSlackNs;
    wake_.notify(from_ns((busy_ ? fall : rise) - now));
}

}  // namespace kelle
