#include "sram/sram.h"

#include "common/commands.h"
#include "common/units.h"

namespace kelle {

void SramConfig::bind(ParamBinder& p) {
    p.integer("sram.banks", banks, "", "banks").positive().at_most(65536);
    p.integer("sram.interleave_bytes", interleave_bytes, "B",
              "bank interleaving granule, one bank word line").positive().at_most(1 << 20);
    p.real("sram.clock_mhz", clock_mhz, "MHz",
           "SRAM clock").between(1, 1e5);
    p.real("sram.bytes_per_cycle", bytes_per_cycle, "B/cycle", "bytes one bank moves per cycle")
        .between(1e-3, 1e6);
    p.real("sram.access_cycles", access_cycles, "cycles", "read/write latency").non_negative().at_most(1e6);
    p.real("sram.pj_per_byte", pj_per_byte, "pJ/B",
           "access energy per byte moved")
        .non_negative().at_most(1e6);
    p.real("sram.static_mw_per_mb", static_mw_per_mb, "mW/MB", "leakage per MB")
        .non_negative().at_most(1e6);
    p.integer("sram.buffer_kb", buffer_kb, "KB", "PE array activation buffer").positive().at_most(1 << 30);
    p.real("sram.area_mm2_per_mb", area_mm2_per_mb, "mm2/MB",
           "silicon area per MB, reported beside the capacity assumption ([paper] Table 1: 7.3 mm2 for 4 MB)")
        .non_negative().at_most(1e6);
    p.real("sram.kv_capacity_mb", kv_capacity_mb, "MB",
           "KV store of the SRAM baselines (kv.store = sram), or their whole SRAM under sram.capacity_scope = total")
        .positive().at_most(1 << 20);
    p.choice("sram.capacity_scope", capacity_scope, kSramScopes,
             "what sram.kv_capacity_mb counts on an SRAM baseline; kv: the KV store alone; total: all its SRAM, the "
             "KV store getting what sram.buffer_kb and sram.weight_kb leave (the paper's area match: 4 MB of SRAM "
             "in all, paper Table 1 and sec. 8.1.1)");
    p.integer("sram.weight_kb", weight_kb, "KB",
              "weight SRAM between DRAM and the PE array, double-buffered: every weight byte is written into it "
              "and read out to the array (paper sec. 2: 2 MB = 2048); 0 = none, weights stream from DRAM straight "
              "to the array")
        .non_negative().at_most(1 << 30);
    p.real("sram.weight_gbps", weight_gbps, "GB/s",
           "weight SRAM bandwidth of each half of its double buffer, so the fill from DRAM and the drain to the "
           "array each move this much (paper sec. 2: 128 GB/s); used only with sram.weight_kb > 0")
        .between(1e-3, 1e6);
}

SramConfig SramConfig::weight_sram() const {
    SramConfig halves = *this;
    halves.banks = 2;
    halves.interleave_bytes = weight_bytes() / 2;
    halves.bytes_per_cycle = weight_gbps * 1e3 / clock_mhz;  // GB/s = B/ns, over ns per cycle
    return halves;
}

std::uint64_t SramConfig::kv_capacity_bytes() const {
    return static_cast<std::uint64_t>(kv_capacity_mb * kBytesPerMb);
}

namespace {
const char* role_name(SramRole role) {
    switch (role) {
        case SramRole::buffer: return "buffer";
        case SramRole::kv: return "kv";
        case SramRole::weights: return "weights";
    }
    return "";
}

// The energy and traffic keys: the weight SRAM's apart, so the weight path's cost shows.
std::string stats_name(SramRole role) { return role == SramRole::weights ? "sram_weights" : "sram"; }

BankGeometry sram_geometry(const SramConfig& config) {
    const double ns_per_cycle = 1e3 / config.clock_mhz;
    return BankGeometry{config.banks, config.interleave_bytes, config.bytes_per_cycle / ns_per_cycle,
                        config.access_cycles * ns_per_cycle};
}
}  // namespace

Sram::Sram(sc_core::sc_module_name name, const SramConfig& config, std::uint64_t capacity_bytes, SramRole role)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      config_(config),
      capacity_bytes_(capacity_bytes),
      role_(role),
      port_(sram_geometry(config), config.pj_per_byte),
      activity_("activity") {
    target_socket.register_b_transport(this, &Sram::b_transport);
}

double Sram::static_mw() const {
    return config_.static_mw_per_mb * static_cast<double>(capacity_bytes_) / kBytesPerMb;
}

void Sram::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    if (payload.get_extension<LivenessHint>() != nullptr) {  // SRAM does not refresh: nothing to skip
        port_.count_control();
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (payload.get_address() + payload.get_data_length() > capacity_bytes_) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const AccessTiming timing = port_.serve(payload, delay);
    activity_.mark(timing.start_ns, timing.complete_ns);
}

void Sram::trace(sc_core::sc_trace_file* file) { activity_.trace(file, std::string("sram.") + role_name(role_) + "_busy"); }

void Sram::report_energy(StatsReport& report) const { write_energy(report, role_, stats(), static_mw()); }

void Sram::report_stats(StatsReport& report) const { write_stats(report, role_, stats()); }

void Sram::report_absent_energy(StatsReport& report, SramRole role) { write_energy(report, role, MemoryStats{}, 0); }

void Sram::report_absent_stats(StatsReport& report, SramRole role) { write_stats(report, role, MemoryStats{}); }

void Sram::write_energy(StatsReport& report, SramRole role, const MemoryStats& memory, double static_mw) {
    report.add("energy." + stats_name(role), memory.access_energy_pj);
    report.set(std::string("static_mw.sram_") + role_name(role), static_mw);
}

void Sram::write_stats(StatsReport& report, SramRole role, const MemoryStats& memory) {
    report.add("tlm_transactions", memory.transactions);
    report.add("traffic_bytes." + stats_name(role) + "_read", memory.read_bytes);
    report.add("traffic_bytes." + stats_name(role) + "_write", memory.write_bytes);
}

}  // namespace kelle
