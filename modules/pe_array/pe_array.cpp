#include "pe_array/pe_array.h"

#include <algorithm>
#include <iomanip>
#include <stdexcept>

#include "common/log.h"
#include "common/units.h"

namespace kelle {

const Choices<EvictorImpl>& evictor_impls() {
    static const Choices<EvictorImpl> impls{{"tlm", EvictorImpl::tlm}, {"rtl", EvictorImpl::rtl}};
    return impls;
}

const Choices<EvictorLatency>& evictor_latencies() {
    static const Choices<EvictorLatency> latencies{{"search", EvictorLatency::search},
                                                   {"hidden", EvictorLatency::hidden}};
    return latencies;
}

const Choices<TileModel>& tile_models() {
    static const Choices<TileModel> models{{"double_buffered", TileModel::double_buffered},
                                           {"scalesim_ws", TileModel::scalesim_ws},
                                           {"ideal", TileModel::ideal}};
    return models;
}

const Choices<ArrayEnergy>& array_energies() {
    static const Choices<ArrayEnergy> energies{{"per_mac", ArrayEnergy::per_mac},
                                               {"array_always_on", ArrayEnergy::array_always_on}};
    return energies;
}

void PeConfig::bind(ParamBinder& p) {
    p.real("clock_mhz", clock_mhz, "MHz",
           "accelerator core clock (PE array, SFU)").between(1, 1e5);
    p.integer("pe.rows", geometry.rows, "", "systolic array rows").positive().at_most(65536);
    p.integer("pe.cols", geometry.cols, "", "systolic array columns").positive().at_most(65536);
    p.integer("pe.sfu_lanes", geometry.sfu_lanes, "elements/cycle", "softmax throughput of the SFU")
        .positive().at_most(1 << 20);
    p.choice("pe.tile_model", geometry.tile_model, tile_models(),
             "what a weight tile costs the array beyond its vectors (pe_timing.h): double_buffered loads the next "
             "tile at pe.weight_load_bytes_per_cycle while the current one computes, fill and drain once per matrix; "
             "scalesim_ws is SCALE-Sim v2's weight-stationary count (a row a cycle, no overlap, fill and drain per "
             "tile); ideal charges the vectors alone");
    p.integer("pe.weight_load_bytes_per_cycle", geometry.weight_load_bytes_per_cycle, "B/cycle",
              "double_buffered: weight bytes loaded into the array a cycle, at most the weight SRAM's port")
        .positive().at_most(1 << 20);
    p.integer("pe.eviction_lanes", geometry.eviction_lanes, "elements/cycle",
              "eviction unit: importance values compared per cycle in the min search").positive().at_most(1 << 20);
    p.real("pe.compare_pj", compare_pj, "pJ",
           "eviction unit: energy of one score compare").non_negative().at_most(1e6);
    p.real("pe.mac_pj", mac_pj, "pJ",
           "energy of one MAC incl. operand registers").non_negative().at_most(1e6);
    p.real("pe.sfu_pj_per_element", sfu_pj_per_element, "pJ", "softmax per element: exp, sum, divide")
        .non_negative().at_most(1e6);
    p.real("pe.static_mw", static_mw, "mW", "leakage of the PE array, SFU and control")
        .non_negative().at_most(1e6);
    p.choice("pe.evictor_impl", evictor_impl, evictor_impls(),
             "who picks eviction victims: tlm (the policy's search) or rtl (rtl/systolic_evictor.sv, needs verilator; "
             "docs/cosim.md)");
    p.choice("pe.evictor_latency", evictor_latency, evictor_latencies(),
             "search: the eviction unit's min search adds its cycles (pe.eviction_lanes compares a cycle) before "
             "admission; hidden: the paper's systolic evictor finds the argmin while QK^T's logits leave the array, "
             "no added time, compare energy still counted (paper sec. 2, 8.1.4)");
    p.real("pe.evictor_mw", evictor_mw, "mW",
           "power of the systolic evictor, drawn over the whole run when pe.evictor_latency = hidden (paper sec. "
           "8.1.4: 0.028 W; the searching eviction unit's leakage is part of pe.static_mw)")
        .non_negative().at_most(1e6);
    p.choice("pe.recompute_energy", array_energy, array_energies(),
             "the array's energy; per_mac: pe.mac_pj per MAC performed; array_always_on: every PE draws pe.mac_pj "
             "each cycle a layer's product or attention holds the array, so AERP's recomputation in the weight "
             "stream's idle cycles costs only time (paper sec. 8.3.2: the array 'remains active regardless of the "
             "number of input vectors')");
}

PeArray::PeArray(sc_core::sc_module_name name, const PeConfig& config)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      dram_socket("dram_socket"),
      buffer_socket("buffer_socket"),
      weight_sram_socket("weight_sram_socket"),
      config_(config),
      activity_("activity") {
    if (config.buffer_bytes == 0) throw std::logic_error("PeArray: the platform must give the activation buffer's size");
    target_socket.register_b_transport(this, &PeArray::b_transport);
    KELLE_LOG(msg::pe, LogLevel::info,
              config.geometry.rows << " x " << config.geometry.cols << " array at " << config.clock_mhz << " MHz, "
                                   << config.buffer_bytes << " B activation buffer");
}

void PeArray::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const PeCommand* command = payload.get_extension<PeCommand>();
    if (command == nullptr) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const double start_ns = now_ns() + to_ns(delay);
    const double done_ns = execute(*command, start_ns);
    delay += from_ns(done_ns - start_ns);
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

double PeArray::execute(const PeCommand& command, double start_ns) {
    const bool gemv = command.kind == PeCommand::Kind::gemv;
    const std::uint64_t macs =
        gemv ? (command.out_rows * command.vectors + command.reuse_rows * command.reuse_vectors) * command.in_cols
             : command.macs;
    const MatrixProduct product = matrix_product(command);
    std::uint64_t cycles = 0;
    switch (command.kind) {
        case PeCommand::Kind::gemv: cycles = matrix_cycles(config_.geometry, product); break;
        case PeCommand::Kind::attention: cycles = attention_cycles(config_.geometry, command.macs, command.sfu_elements); break;
        case PeCommand::Kind::eviction_search: cycles = eviction_search_cycles(config_.geometry, command.compare_elements); break;
    }
    // AERP's recomputation of K/V from x rides on the QKV GEMV (reuse rows and vectors): what it adds.
    MatrixProduct without_reuse = product;
    without_reuse.reuse_vectors = 0;
    const std::uint64_t recompute_cycles =
        gemv && product.reuse_vectors > 0 ? cycles - matrix_cycles(config_.geometry, without_reuse) : 0;
    const double compute_ns = static_cast<double>(timed_cycles(command, cycles)) * config_.ns_per_cycle();

    const double inputs_ready_ns = buffer_access(tlm::TLM_READ_COMMAND, command.input_bytes, start_ns);
    double core_ns = compute_ns;
    if (gemv) {
        const double stream_ns = stream_weights(command, inputs_ready_ns) - inputs_ready_ns;
        stats_.weight_stream_ns += stream_ns;
        stats_.weight_bytes += command.weight_bytes;
        count_bound(command.label, stream_ns > compute_ns);
        if (recompute_cycles > 0)
            count_recompute(static_cast<double>(recompute_cycles) * config_.ns_per_cycle(), compute_ns, stream_ns);
        core_ns = std::max(core_ns, stream_ns);
    }
    activity_.mark(inputs_ready_ns, inputs_ready_ns + core_ns);
    const double done_ns = buffer_access(tlm::TLM_WRITE_COMMAND, command.output_bytes, inputs_ready_ns + core_ns);

    KELLE_LOG(msg::pe, LogLevel::debug,
              command.label << ": " << macs << " MACs, " << cycles << " cycles, " << command.weight_bytes
                            << " weight bytes, " << tiles_note(product) << std::fixed << std::setprecision(3)
                            << start_ns * 1e-3 << " to " << done_ns * 1e-3 << " us");
    ++stats_.commands;
    stats_.macs += macs;
    stats_.sfu_elements += command.sfu_elements;
    stats_.compare_elements += command.compare_elements;
    stats_.compute_ns += compute_ns;
    stats_.compute_energy_pj += array_energy_pj(command, macs, core_ns) +
                                static_cast<double>(command.sfu_elements) * config_.sfu_pj_per_element +
                                static_cast<double>(command.compare_elements) * config_.compare_pj;
    return done_ns;
}

double PeArray::array_energy_pj(const PeCommand& command, std::uint64_t macs, double core_ns) const {
    if (config_.array_energy == ArrayEnergy::per_mac) return static_cast<double>(macs) * config_.mac_pj;
    if (command.kind == PeCommand::Kind::eviction_search) return 0;  // the eviction unit's, not the array's
    const double pes = static_cast<double>(config_.geometry.rows) * static_cast<double>(config_.geometry.cols);
    return pes * config_.mac_pj * core_ns / config_.ns_per_cycle();
}

void PeArray::count_recompute(double recompute_ns, double compute_ns, double stream_ns) {
    ++stats_.recompute_gemvs;
    stats_.recompute_ns += recompute_ns;
    if (stream_ns <= compute_ns && stream_ns > compute_ns - recompute_ns) ++stats_.compute_bound_by_recompute;
}

void PeArray::count_bound(std::string_view label, bool memory_bound) {
    auto it = stats_.bounds_by_matrix.find(label);
    if (it == stats_.bounds_by_matrix.end()) it = stats_.bounds_by_matrix.emplace(std::string(label), PeStats::Bounds{}).first;
    ++(memory_bound ? it->second.memory : it->second.compute);
    ++(memory_bound ? stats_.memory_bound_gemvs : stats_.compute_bound_gemvs);
}

double PeArray::buffer_access(tlm::tlm_command command, std::uint64_t bytes, double at_ns) {
    // Prefill's activations outgrow the buffer: they pass through it one buffer-full at a time.
    while (bytes > 0) {
        const std::uint64_t piece = std::min(bytes, config_.buffer_bytes);
        at_ns = issuer_.memory(buffer_socket, command, 0, piece, at_ns);
        bytes -= piece;
    }
    return at_ns;
}

// "T tiles loading in L cycles each, " for a matrix product, nothing for other commands.
std::string PeArray::tiles_note(const MatrixProduct& product) const {
    const std::uint64_t tiles = tile_count(config_.geometry, product.out_rows, product.in_cols);
    if (tiles == 0) return "";
    return std::to_string(tiles) + " tiles loading in " +
           std::to_string(tile_load_cycles(config_.geometry, product.weight_bytes)) + " cycles each, ";
}

// The weights' element size is the command's bytes over its weights (pe.weight_bytes is the
// sequencer's to apply); a partial tile's idle PEs are loaded too.
MatrixProduct PeArray::matrix_product(const PeCommand& command) {
    if (command.kind != PeCommand::Kind::gemv) return MatrixProduct{0, 0, 0, 0, 0, 0};
    const std::uint64_t weights = command.out_rows * command.in_cols;
    const std::uint64_t element_bytes = weights > 0 ? ceil_div(command.weight_bytes, weights) : 0;
    return MatrixProduct{command.out_rows,  command.in_cols,    command.vectors,
                         element_bytes,     command.reuse_rows, command.reuse_vectors};
}

std::uint64_t PeArray::timed_cycles(const PeCommand& command, std::uint64_t cycles) const {
    const bool hidden = command.kind == PeCommand::Kind::eviction_search &&
                        config_.evictor_latency == EvictorLatency::hidden;
    return hidden ? 0 : cycles;
}

double PeArray::stream_weights(const PeCommand& command, double at_ns) {
    if (command.weight_bytes == 0) return at_ns;
    const double dram_ns =
        issuer_.memory(dram_socket, tlm::TLM_READ_COMMAND, command.weight_address, command.weight_bytes, at_ns);
    if (config_.weight_sram_bytes == 0) return dram_ns;
    // Double-buffered: the fill (into the half at 0) and the drain (from the half above it) run
    // beside the DRAM read, so the three start together and the slowest one ends the stream.
    const double fill_ns = weight_sram_pass(tlm::TLM_WRITE_COMMAND, 0, command.weight_bytes, at_ns);
    const double drain_ns = weight_sram_pass(tlm::TLM_READ_COMMAND, config_.weight_sram_bytes / 2,
                                             command.weight_bytes, at_ns);
    return std::max({dram_ns, fill_ns, drain_ns});
}

// A matrix larger than a half passes it a half-full at a time; the pieces queue on that half's bank.
double PeArray::weight_sram_pass(tlm::tlm_command command, std::uint64_t half_address, std::uint64_t bytes,
                                 double at_ns) {
    const std::uint64_t half_bytes = config_.weight_sram_bytes / 2;
    double done_ns = at_ns;
    while (bytes > 0) {
        const std::uint64_t piece = std::min(bytes, half_bytes);
        done_ns = std::max(done_ns, issuer_.memory(weight_sram_socket, command, half_address, piece, at_ns));
        bytes -= piece;
    }
    return done_ns;
}

void PeArray::report_energy(StatsReport& report) const {
    report.add("energy.compute", stats_.compute_energy_pj);
    report.set("static_mw.pe_array", config_.static_mw);
    report.set("static_mw.evictor", config_.evictor_latency == EvictorLatency::hidden ? config_.evictor_mw : 0.0);
}

void PeArray::report_stats(StatsReport& report) const {
    report.add("tlm_transactions", stats_.commands);
    report.set("pe", {{"macs", stats_.macs},
                      {"sfu_elements", stats_.sfu_elements},
                      {"compare_elements", stats_.compare_elements},
                      {"compute_s", stats_.compute_ns * 1e-9},
                      {"weight_stream_s", stats_.weight_stream_ns * 1e-9},
                      {"weight_bytes", stats_.weight_bytes},
                      {"memory_bound_gemvs", stats_.memory_bound_gemvs},
                      {"compute_bound_gemvs", stats_.compute_bound_gemvs}});
    report.set("pe.recompute", {{"gemvs", stats_.recompute_gemvs},
                                {"array_s", stats_.recompute_ns * 1e-9},
                                {"compute_bound_gemvs", stats_.compute_bound_by_recompute}});
    for (const auto& [matrix, bounds] : stats_.bounds_by_matrix)
        report.set("pe.bound_by_matrix." + matrix, {{"memory", bounds.memory}, {"compute", bounds.compute}});
}

}  // namespace kelle
