#include "dram/dram.h"

namespace kelle {

void DramConfig::bind(ParamBinder& p) {
    p.real("dram.bandwidth_gbps", bandwidth_gbps, "GB/s",
           "channel bandwidth").between(1e-3, 1e6);
    p.real("dram.latency_ns", latency_ns, "ns",
           "access latency, activate to first data incl. controller").non_negative().at_most(1e6);
    p.real("dram.pj_per_bit", pj_per_bit, "pJ/bit",
           "energy per bit moved incl. interface").non_negative().at_most(1e6);
    p.real("dram.static_mw", static_mw, "mW", "background power of the device").non_negative().at_most(1e6);
}

namespace {
BankGeometry channel_geometry(const DramConfig& config) {
    // One bank standing for the whole channel: every access serialises on the port.
    return BankGeometry{1, 4096, config.bandwidth_gbps, config.latency_ns};
}
}  // namespace

Dram::Dram(sc_core::sc_module_name name, const DramConfig& config)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      config_(config),
      port_(channel_geometry(config), config.pj_per_bit * 8.0),
      activity_("activity") {
    target_socket.register_b_transport(this, &Dram::b_transport);
}

void Dram::b_transport(int, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const AccessTiming timing = port_.serve(payload, delay);
    activity_.mark(timing.start_ns, timing.complete_ns);
}

void Dram::report_energy(StatsReport& report) const {
    report.add("energy.dram", stats().access_energy_pj);
    report.set("static_mw.dram", config_.static_mw);
}

void Dram::report_stats(StatsReport& report) const {
    report.add("tlm_transactions", stats().transactions);
    report.add("traffic_bytes.dram_read", stats().read_bytes);
    report.add("traffic_bytes.dram_write", stats().write_bytes);
}

}  // namespace kelle
