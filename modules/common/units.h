// Time helpers: models compute in plain doubles with the unit in the name (`_ns`); sc_time
// appears only at module boundaries (annotated delays, wait()).
#pragma once

#include <systemc>

namespace kelle {

inline double to_ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }
inline sc_core::sc_time from_ns(double ns) { return sc_core::sc_time(ns, sc_core::SC_NS); }
inline double now_ns() { return to_ns(sc_core::sc_time_stamp()); }

constexpr double kBytesPerMb = 1024.0 * 1024.0;
constexpr double kPjPerMwNs = 1.0;  // 1 mW x 1 ns = 1 pJ

}  // namespace kelle
