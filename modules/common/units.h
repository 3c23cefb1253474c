// Time helpers: models compute in plain doubles with the unit in the name (`_ns`); sc_time
// appears only at module boundaries (annotated delays, wait()).
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <systemc>

#include "common/error.h"

namespace kelle {

// sc_time's double constructor and to_seconds() are library calls that look up the simulation
// context each time; at a few transactions per microsecond of wall time they were a third of a
// run. These do the very same arithmetic as SystemC 2.3.4 does at its default 1 ps resolution
// (kPsResolutionFs; check_time_resolution() guards it), so every time and stat stays bit-equal.
constexpr double kPsResolutionFs = 1000.0;
inline double to_ns(const sc_core::sc_time& t) {
    return static_cast<double>(t.value()) * kPsResolutionFs * 1e-15 * 1e9;  // to_seconds() x 1e9
}
// Largest delay from_ns converts: 2^63 ps (about 107 days), where the int64 cast below stops
// being defined; sc_time itself ends at 2^64 ps.
constexpr double kMaxDelayPs = 9223372036854775808.0;
// A delay sc_time cannot hold comes from parameters far outside their physical range (a clock
// of 1e-300 MHz); it is the user's input, so it is reported as one, not as undefined behaviour.
[[noreturn]] inline void fail_time_range(double ns) {
    std::ostringstream text;
    text << "a delay of " << ns << " ns is outside what SystemC's time can hold (0 to 2^63 ps, about 107 days);"
         << " a clock, bandwidth, latency or size parameter is far outside its physical range";
    throw InputError("simulated time", 0, "", text.str());
}
inline double now_ns() { return to_ns(sc_core::sc_time_stamp()); }
// Delays are differences of absolute times (at_ns - now_ns()), each rounded to a double: the
// difference of two equal times can come out a few ulps of the time below zero. Past 2^42 ns
// (73 simulated minutes, reached by a slow weight stream or a large batch) an ulp exceeds the
// 1 ps that rounding to sc_time absorbs, so a delay down to 16 ulps of now below zero is zero.
inline double rounding_ns() { return now_ns() * 0x1p-48; }
inline sc_core::sc_time from_ns(double ns) {
    if (ns == 0) return sc_core::SC_ZERO_TIME;
    const double ps = ns * (1e6 / kPsResolutionFs) + 0.5;  // sc_time(v, SC_NS): v x scale + 0.5, truncated
    // (-1, 0) truncates to 0, as it always did: rounding leaves such tiny negatives.
    if (ps > -1.0 && ps < kMaxDelayPs)
        return sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(static_cast<std::int64_t>(ps)));
    if (ns < 0 && -ns <= rounding_ns()) return sc_core::SC_ZERO_TIME;
    fail_time_range(ns);
}
// Throws std::logic_error unless the kernel's time resolution is the 1 ps the helpers assume.
inline void check_time_resolution() {
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
        throw std::logic_error("units.h assumes SystemC's default 1 ps time resolution");
}

constexpr double kBytesPerMb = 1024.0 * 1024.0;
constexpr double kPjPerMwNs = 1.0;  // 1 mW x 1 ns = 1 pJ

}  // namespace kelle
