// --vcd-window: the part of a run kelle-sim's waveform covers (docs/outputs.md, "Waveforms").
//
//   steps:A-B   decode steps A to B, inclusive and 1-based as the --progress line counts them
//               (the trace and the host.step signal number them from 0: step A is host.step A-1);
//               from the end of step A-1 (of the prefill, for A = 1) to the end of step B.
//   us:T0-T1    simulated time T0 to T1 in microseconds, inclusive; the prefill starts at 0.
//
// The writer dumps every selected signal's value at the window's start, so the file opens in a
// viewer as a waveform of its own.
#pragma once

#include <string>
#include <systemc>

#include "waveform/vcd_writer.h"
#include "host/host_interface.h"

namespace kelle {

struct VcdWindow {
    enum class Unit { steps, us };
    Unit unit = Unit::steps;
    double first = 0;  // step, or us
    double last = 0;

    // Parses "steps:A-B" or "us:T0-T1"; throws std::invalid_argument saying what is wrong.
    static VcdWindow parse(const std::string& text);
    std::string describe() const;  // as the VCD header's comment gives it
};

// Starts and stops a VcdWriter's recording at the window's edges: a thread waits for the edges
// in simulated time (us), the host's progress gives the edges in decode steps (steps).
class VcdWindowControl : public sc_core::sc_module {
public:
    VcdWindowControl(sc_core::sc_module_name name, VcdWriter& writer, const VcdWindow& window);

    // Give every ReplayProgress of the host here.
    void on_progress(const ReplayProgress& progress);

private:
    void run_time_window();

    VcdWriter& writer_;
    VcdWindow window_;
};

}  // namespace kelle
