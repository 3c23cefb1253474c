// Time helpers: models compute in plain doubles with the unit in the name (`_ns`); sc_time
// appears only at module boundaries (annotated delays, wait()).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <systemc>

namespace kelle {

// sc_time's double constructor and to_seconds() are library calls that look up the simulation
// context each time; at a few transactions per microsecond of wall time they were a third of a
// run. These do the very same arithmetic as SystemC 2.3.4 does at its default 1 ps resolution
// (kPsResolutionFs; check_time_resolution() guards it), so every time and stat stays bit-equal.
constexpr double kPsResolutionFs = 1000.0;
inline double to_ns(const sc_core::sc_time& t) {
    return static_cast<double>(t.value()) * kPsResolutionFs * 1e-15 * 1e9;  // to_seconds() x 1e9
}
inline sc_core::sc_time from_ns(double ns) {
    if (ns == 0) return sc_core::SC_ZERO_TIME;
    const double ps = ns * (1e6 / kPsResolutionFs) + 0.5;  // sc_time(v, SC_NS): v x scale + 0.5, truncated
    return sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(static_cast<std::int64_t>(ps)));
}
inline double now_ns() { return to_ns(sc_core::sc_time_stamp()); }
// Throws std::logic_error unless the kernel's time resolution is the 1 ps the helpers assume.
inline void check_time_resolution() {
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
        throw std::logic_error("units.h assumes SystemC's default 1 ps time resolution");
}

constexpr double kBytesPerMb = 1024.0 * 1024.0;
constexpr double kPjPerMwNs = 1.0;  // 1 mW x 1 ns = 1 pJ

}  // namespace kelle
