// A traceable busy flag for the VCD: high while a resource is busy.
//
// Models compute busy intervals ahead of simulated time (a chain of annotated commands, a
// refresh burst postponed behind an access), so the flag is driven by one SC_METHOD that
// wakes at the next edge of a queue of pending periods instead of by the caller. When tracing
// is off, mark() returns at once and the method never runs: the model pays nothing for the
// waveform it does not write.
#pragma once

#include <deque>
#include <systemc>
#include <utility>

namespace kelle {

class ActivityTrace : public sc_core::sc_module {
public:
    explicit ActivityTrace(sc_core::sc_module_name name);

    // Busy over [start_ns, end_ns) in absolute simulated time, start_ns >= now; periods are
    // marked in order of their start, and overlapping or touching ones merge.
    void mark(double start_ns, double end_ns);

    // Adds the flag to `file` under `label`; marks are ignored until this is called, and after
    // it too when the file leaves the label out (--vcd-signals).
    void trace(sc_core::sc_trace_file* file, const std::string& label);

private:
    void update();

    bool busy_ = false;
    bool enabled_ = false;
    std::deque<std::pair<double, double>> periods_;  // pending [rise, fall), in time order
    sc_core::sc_event wake_;
};

}  // namespace kelle
