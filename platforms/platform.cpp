#include "platform.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "config/config.h"
#include "common/error.h"
#include "common/initiator.h"
#include "common/units.h"
#include "cosim/evictor_choice.h"
#include "cosim/rtl_fault.h"
#include "sequencer/weight_map.h"

namespace kelle {

Platform::Platform(sc_core::sc_module_name name, const MachineConfig& machine, StepSource& trace,
                   HostInterface::Progress progress)
    : sc_core::sc_module(name), machine_(machine), trace_(trace) {
    check_time_resolution();
    TransactionIssuer::set_max_transaction_bytes(machine.platform.transaction_bytes);
    const SramConfig& sram = machine.sram;
    dram_ = std::make_unique<Dram>("dram", machine.dram);
    buffer_ = std::make_unique<Sram>("buffer", sram, sram.buffer_bytes(), SramRole::buffer);
    if (machine.pe.weight_sram_bytes > 0)
        weight_sram_ =
            std::make_unique<Sram>("weight_sram", sram.weight_sram(), sram.weight_bytes(), SramRole::weights);
    pe_ = std::make_unique<PeArray>("pe_array", machine.pe);
    if (machine.kv.store == KvStore::edram)
        edram_ = std::make_unique<EdramController>("edram", machine.edram, machine.plan);
    else
        sram_kv_ = std::make_unique<Sram>("kv_store", sram, sram.kv_capacity_bytes(), SramRole::kv);
    evictor_ = make_evictor(machine.pe.evictor_impl, machine.cosim, machine.kv.registers.bits);
    const TraceHeader& header = trace.header();
    kv_ = std::make_unique<KvCache>("kv_cache", machine.kv, machine.kv_header, machine.plan, machine.budget,
                                    machine.spill_base_address, machine.edram.functional, evictor_.get());
    sequencer_ = std::make_unique<LayerSequencer>("sequencer", machine.sequencing, header, *kv_);
    host_ = std::make_unique<HostInterface>("host", trace, std::move(progress), machine.sequencing.quantum_ns);
    host_->on_prefill_done([this] {
        prefill_energy_ = energy_now();
        prefill_wall_end_ = std::chrono::steady_clock::now();
    });
    host_->on_first_step_done([this] { first_step_energy_ = energy_now(); });
    set_mismatch_context([host = host_.get()] {
        return host->current_step() < 0 ? std::string("prefill") : "decode step " + std::to_string(host->current_step());
    });
    host_->on_replay_end([this] {
        settle_modules();
        replay_wall_end_ = std::chrono::steady_clock::now();
    });

    host_->initiator_socket.bind(sequencer_->target_socket);
    sequencer_->pe_socket.bind(pe_->target_socket);
    kv_->dram_socket.bind(dram_->target_socket);
    if (edram_) kv_->kv_socket.bind(edram_->target_socket);
    else kv_->kv_socket.bind(sram_kv_->target_socket);
    pe_->dram_socket.bind(dram_->target_socket);
    pe_->buffer_socket.bind(buffer_->target_socket);
    if (weight_sram_) pe_->weight_sram_socket.bind(weight_sram_->target_socket);
}

Platform::~Platform() { set_mismatch_context(nullptr); }

void Platform::for_each_module(const std::function<void(Observable&)>& visit) const {
    for (sc_core::sc_object* child : get_child_objects())
        if (auto* module = dynamic_cast<Observable*>(child)) visit(*module);
    if (model_) visit(*model_);
    if (auto* lockstep = dynamic_cast<Observable*>(evictor_.get())) visit(*lockstep);
}

void Platform::attach_model(ModelStepSource& model) {
    model_ = &model;
    model.attach(*kv_);
    sequencer_->on_decode_layer([&model](int layer) { model.run_layer(layer); });
}

void Platform::trace_signals(sc_core::sc_trace_file* file) {
    for_each_module([file](Observable& module) { module.trace(file); });
    const auto cycle_ps = static_cast<std::uint64_t>(std::llround(1e6 / machine_.pe.clock_mhz));
    if (evictor_) evictor_->trace_rtl(file, cycle_ps);
}

namespace {
double sum_of(const nlohmann::ordered_json& parts) {
    double total = 0;
    for (const auto& item : parts.items()) total += item.value().get<double>();
    return total;
}
}  // namespace

StatsReport Platform::energy_report() const {
    StatsReport report;
    for_each_module([&report](Observable& module) { module.report_energy(report); });
    if (!edram_) EdramController::report_absent_energy(report);
    if (!sram_kv_) Sram::report_absent_energy(report, SramRole::kv);
    if (!weight_sram_) Sram::report_absent_energy(report, SramRole::weights);
    return report;
}

void Platform::settle_modules() {
    const double now = now_ns();
    for_each_module([now](Observable& module) { module.settle(now); });
}

nlohmann::ordered_json Platform::energy_now() {
    settle_modules();
    return energy_until(now_ns());
}

nlohmann::ordered_json Platform::energy_until(double at_ns) const {
    const StatsReport report = energy_report();
    nlohmann::ordered_json energy = report.json()["energy"];
    energy["static"] = sum_of(report.json()["static_mw"]) * at_ns * kPjPerMwNs;
    nlohmann::ordered_json out;
    out["total"] = sum_of(energy);
    for (const auto& item : energy.items()) out[item.key()] = item.value();
    return out;
}

nlohmann::ordered_json Platform::stats(double wall_time_s) const {
    using nlohmann::ordered_json;
    StatsReport report;
    report.set("schema", "kelle-stats/1");
    for_each_module([&report](Observable& module) { module.report_stats(report); });
    if (!edram_) EdramController::report_absent_stats(report);
    if (!sram_kv_) Sram::report_absent_stats(report, SramRole::kv);
    if (!weight_sram_) Sram::report_absent_stats(report, SramRole::weights);
    report.set("platform", machine_.platform.name);
    report.set("trace", trace_.path());
    report.set("model", trace_.header().model.name);
    report.set("prompt_tokens", trace_.header().prompt_tokens);
    report.set("wall_time_s", wall_time_s);
    report.set("decode_wall_time_s", std::chrono::duration<double>(replay_wall_end_ - prefill_wall_end_).count());
    report.set("kv.onchip_capacity", machine_.kv_capacity);
    report.set("energy_pj", energy_until(host_->stats().end_ns));
    report.set("energy_pj_prefill", prefill_energy_);
    report.set("energy_pj_first_step", first_step_energy_);
    report.set("static_mw", energy_report().json()["static_mw"]);
    ordered_json out = report.json();
    out["config"] = ordered_json::parse(machine_.parameters.dump());  // sorted keys: stable bytes
    out["config_derived"] = machine_.derived;
    return out;
}

}  // namespace kelle
