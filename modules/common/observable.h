// Observability as a service: every module reports through one interface, and the platform
// walks the modules it built instead of naming each one (in the spirit of MINRES SCC's tracer
// walking the hierarchy).
//
// Before a report the platform lets every module settle: a module whose state runs on its own
// clock (the eDRAM's refresh bursts) brings it up to the report's time, as its next access would.
//
// A module reports three things:
//   energy   dynamic energy spent so far, in pJ, added into `energy.<category>`, and its static
//            power, in mW, set as `static_mw.<component>`;
//   stats    its named counters, set or added at dotted paths of the stats JSON;
//   signals  its traced signals, added to a waveform under their dotted names (`pe.busy`, ...).
// A key is written in one place only: the module that counts it, in its report function (a
// component a platform lacks reports its zeros through the same function). Paths several
// modules share (`tlm_transactions`, `traffic_bytes.*`, `energy.*`) are sums: each adds its part.
// StatsReport::json() puts the sections in the documented order (docs/stats.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <systemc>
#include <type_traits>
#include <vector>

namespace kelle {

class StatsReport {
public:
    // Sets the value at a dotted path ("refresh.bursts"), creating the path.
    void set(const std::string& path, nlohmann::ordered_json value) { at(path) = std::move(value); }

    // Adds to the number at a dotted path (none yet: 0); integers stay integers, a real makes the
    // sum real.
    template <class T>
    void add(const std::string& path, T value) {
        static_assert(std::is_arithmetic_v<T>, "only numbers add up");
        nlohmann::ordered_json& slot = at(path);
        if (slot.is_null()) slot = T{};
        if constexpr (std::is_floating_point_v<T>) slot = slot.get<double>() + value;
        else if (slot.is_number_float()) slot = slot.get<double>() + static_cast<double>(value);
        else slot = slot.get<std::uint64_t>() + static_cast<std::uint64_t>(value);
    }

    // The report in the documented order (docs/stats.md): the top-level sections, and the keys of
    // the sections several modules add into, so every platform's stats have one shape whatever
    // order its modules reported in.
    nlohmann::ordered_json json() const;

private:
    nlohmann::ordered_json& at(const std::string& path);

    nlohmann::ordered_json json_;
};

// Nearest-rank percentile (p in (0, 100]) of unsorted values; 0 for none.
double percentile(std::vector<double> values, double p);

class Observable {
public:
    virtual ~Observable() = default;
    virtual void settle(double /*now_ns*/) {}
    virtual void report_energy(StatsReport& report) const = 0;
    virtual void report_stats(StatsReport& report) const = 0;
    virtual void trace(sc_core::sc_trace_file* file) = 0;
};

}  // namespace kelle
