#include "sequencer/sequencer.h"

#include <algorithm>
#include <iomanip>

#include "common/log.h"
#include "common/units.h"

namespace kelle {

void SequencerConfig::bind(ParamBinder& p) {
    p.choice("kv.recompute_sizing", recompute_sizing, kRecomputeSizings,
             "aerp: share keeps kv.recompute_share of the budget as x; idle_compute keeps as many tokens as the PE "
             "array can recompute while it waits for W_QKV to stream (from pe.*, clock_mhz, dram.*, the model and "
             "the batch; kv.recompute_share unused)");
    p.integer("workload.batch", batch, "sequences",
              "sequences decoded together: each has its own KV cache, all share every weight stream (assumption: "
              "the trace drives all of them, docs/kv-policies.md)")
        .positive().at_most(1 << 30);
    p.flag("workload.prefill_compute", prefill_compute, "time the prompt's prefill (GEMMs and causal attention) before decode; false puts the prompt's K/V in "
           "the store with only the write's time, for decode-only studies");
    p.real("sim.quantum_ns", quantum_ns, "ns",
           "temporal decoupling: the sequencer and the host run up to this far ahead of simulated time before they "
           "sync; 0 syncs at every point (exact); larger values let refresh bursts yield to accesses (tolerances "
           "in docs/performance.md)")
        .non_negative().at_most(1e9);
    p.choice("sched.order", order, kSchedOrders,
             "a decode layer's order: serial runs QKV, the new K/V write and the resident K/V read one after "
             "another (the paper's baseline); overlap reads the resident K/V while W_QKV streams and writes the new "
             "K/V beside attention (the Kelle scheduler, paper sec. 5, Eq. 4-8)");
    p.integer("act.edram_kb", act_edram_kb, "KB",
              "activation eDRAM: refreshed over each decode layer's activation lifetime, which sched.order sets "
              "(paper sec. 5, Eq. 7/8), with the KV eDRAM's row size, row refresh energy and leakage (edram.*); "
              "analytic, no timing; 0 = none")
        .non_negative().at_most(1 << 20);
    p.real("act.refresh_interval_us", act_edram.refresh_interval_us, "us",
           "the activation eDRAM's refresh interval, its own: sweeping edram.refresh_interval_us or 2DRP's "
           "intervals changes only the KV eDRAM")
        .between(1e-3, 1e7);
    p.integer("pe.weight_bytes", weight_bytes, "B",
              "bytes per weight element, as stored in DRAM and streamed to the array (paper sec. 5: INT8 weights "
              "-> 1; 2 = 16-bit); K/V and activations keep the trace's dtype")
        .positive().at_most(8);
}

std::optional<std::uint64_t> SequencerConfig::x_tier_limit_tokens(const ModelShape& model) const {
    if (recompute_sizing != RecomputeSizing::idle_compute) return std::nullopt;
    return idle_compute_x_tokens(facts, model, weight_bytes, batch);
}

LayerSequencer::LayerSequencer(sc_core::sc_module_name name, const SequencerConfig& config, const TraceHeader& header,
                               KvCache& kv)
    : sc_core::sc_module(name),
      target_socket("target_socket"),
      pe_socket("pe_socket"),
      config_(config),
      header_(header),
      kv_(kv),
      weights_(header.model, config.weight_bytes),
      keeper_(config.quantum_ns),
      act_edram_(config.act_edram) {
    target_socket.register_b_transport(this, &LayerSequencer::b_transport);
    KELLE_LOG(msg::sequencer, LogLevel::info,
              "batch " << config.batch << ", prefill " << (config.prefill_compute ? "timed" : "K/V write only")
                       << ", quantum " << config.quantum_ns << " ns, "
                       << (config.order == SchedOrder::overlap ? "K/V read beside the QKV stream"
                                                               : "phases one after another"));
}

void LayerSequencer::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const LayerCommand* command = payload.get_extension<LayerCommand>();
    if (command == nullptr) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    const double start_ns = now_ns() + to_ns(delay);
    const double done_ns = command->phase == LayerCommand::Phase::load_prompt
                               ? load_prompt(command->layer, command->scores, start_ns)
                               : decode_layer(*command, start_ns);
    ++commands_;
    KELLE_LOG(msg::sequencer, LogLevel::debug,
              (command->phase == LayerCommand::Phase::load_prompt ? "prefill" : "decode step " + std::to_string(command->step))
                  << " layer " << command->layer << ": " << std::fixed << std::setprecision(3) << start_ns * 1e-3
                  << " to " << done_ns * 1e-3 << " us");
    // The sequencer may have waited (sync), so the delay left is measured from the new now.
    delay = from_ns(done_ns - now_ns());
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

double LayerSequencer::sync(double t_ns) {
    if (!keeper_.may_run_ahead(t_ns)) QuantumKeeper::wait_until(t_ns);
    return std::max(t_ns, now_ns());
}

double LayerSequencer::load_prompt(int layer, const StepScores* prefill, double t_ns) {
    t_ns = sync(t_ns);
    const std::uint64_t prompt_vectors = static_cast<std::uint64_t>(header_.prompt_tokens) * config_.batch;
    if (config_.prefill_compute) {
        t_ns = gemv(weights_.qkv(layer), "prefill_qkv", t_ns, prompt_vectors);
        t_ns = search(kv_.prompt_search_elements() * config_.batch, t_ns);
        t_ns = sync(t_ns);
    }
    double done_ns = kv_.write_prompt(layer, prefill, t_ns);
    if (!config_.prefill_compute) return done_ns;
    // Causal attention: prompt position i attends to positions 0..i, from K/V the QKV GEMM left
    // in the buffer; then the rest of the layer as GEMMs over every prompt token.
    const std::uint64_t p = static_cast<std::uint64_t>(header_.prompt_tokens);
    done_ns = attention(static_cast<std::uint64_t>(header_.model.heads) * p * (p + 1) / 2 * config_.batch,
                        prompt_vectors, done_ns);
    done_ns = gemv(weights_.out_proj(layer), "prefill_out_proj", done_ns, prompt_vectors);
    done_ns = gemv(weights_.ffn_in(layer), "prefill_ffn_in", done_ns, prompt_vectors);
    return gemv(weights_.ffn_out(layer), "prefill_ffn_out", done_ns, prompt_vectors);
}

double LayerSequencer::decode_layer(const LayerCommand& command, double t_ns) {
    const int layer = command.layer;
    const auto position = static_cast<std::uint32_t>(command.scores->context_tokens - 1);
    t_ns = search(kv_.search_elements(layer) * config_.batch, t_ns);

    // Admission first: the victims and the new token's form (K/V or x) decide what the QKV
    // projection must recompute and where the new token is written.
    t_ns = sync(t_ns);
    kv_.admit_token(layer, position, t_ns);
    std::uint64_t recompute_tokens = 0;
    if (kv_.keeps_x()) {
        const KvCache::XRead x = kv_.read_x(layer, t_ns);
        recompute_tokens = x.recompute_tokens;
        t_ns = sync(x.done_ns);
    }
    if (layer_hook_) layer_hook_(layer);
    double written_ns = t_ns;
    const double read_ns = qkv_and_kv(command, recompute_tokens, t_ns, written_ns);

    const auto group = static_cast<std::uint64_t>(header_.model.heads / header_.model.kv_heads);
    t_ns = attention(kv_.resident_tokens(layer) * group * config_.batch, config_.batch, read_ns);
    t_ns = gemv(weights_.out_proj(layer), "out_proj", t_ns, config_.batch);
    t_ns = gemv(weights_.ffn_in(layer), "ffn_in", t_ns, config_.batch);
    t_ns = std::max(written_ns, gemv(weights_.ffn_out(layer), "ffn_out", t_ns, config_.batch));
    kv_.update_importance(layer, *command.scores);
    if (kv_.has_importance_classes()) t_ns = kv_.move_between_classes(layer, sync(t_ns));
    if (layer == header_.model.layers - 1) kv_.record_footprint();
    return t_ns;
}

double LayerSequencer::qkv_and_kv(const LayerCommand& command, std::uint64_t recompute_tokens, double t_ns,
                                  double& written_ns) {
    const int layer = command.layer;
    if (config_.order == SchedOrder::serial) {
        const double qkv_ns = sync(qkv(layer, recompute_tokens, t_ns));
        written_ns = sync(kv_.write_new(layer, qkv_ns));
        const double read_ns = kv_.read_resident(layer, *command.scores, written_ns);
        record_phases(layer, qkv_ns - t_ns, read_ns - written_ns, read_ns - t_ns);
        return read_ns;
    }
    // Both issued at t_ns: the PE array does not wait, so simulated time is still at or before
    // t_ns when the KV store's read goes out (the sync rule holds).
    const double qkv_ns = qkv(layer, recompute_tokens, t_ns);
    const double read_ns = kv_.read_resident(layer, *command.scores, sync(t_ns));
    written_ns = kv_.write_new(layer, sync(qkv_ns));
    const double ready_ns = std::max(qkv_ns, read_ns);
    record_phases(layer, qkv_ns - t_ns, read_ns - t_ns, ready_ns - t_ns);
    return ready_ns;
}

void LayerSequencer::record_phases(int layer, double qkv_ns, double kv_read_ns, double span_ns) {
    phases_.qkv_ns += qkv_ns;
    phases_.kv_read_ns += kv_read_ns;
    phases_.span_ns += span_ns;
    const WeightMap::Matrix w = weights_.qkv(layer);
    const std::uint64_t live_bytes =  // x in, q k v out
        (w.in_cols + w.out_rows) * static_cast<std::uint64_t>(header_.model.dtype_bytes) * config_.batch;
    act_edram_.add_layer(qkv_ns, kv_read_ns, config_.order == SchedOrder::overlap, live_bytes);
}

double LayerSequencer::qkv(int layer, std::uint64_t recompute_tokens, double t_ns) {
    return gemv(weights_.qkv(layer), "qkv", t_ns, config_.batch, 2 * static_cast<std::uint64_t>(header_.model.kv_dim()),
                recompute_tokens * config_.batch);
}

void LayerSequencer::report_stats(StatsReport& report) const {
    report.add("tlm_transactions", commands_);
    report.set("batch", config_.batch);
    report.set("sched", {{"order", kSchedOrders.name(config_.order)},
                         {"qkv_ns", phases_.qkv_ns},
                         {"kv_read_ns", phases_.kv_read_ns},
                         {"span_ns", phases_.span_ns}});
    report.set("act", {{"edram_kb", config_.act_edram_kb},
                       {"lifetime_ns", act_edram_.lifetime_ns()},
                       {"rows_refreshed", act_edram_.rows_refreshed()}});
}

void LayerSequencer::report_energy(StatsReport& report) const {
    report.add("energy.act_edram_refresh", act_edram_.refresh_energy_pj());
    report.set("static_mw.act_edram", act_edram_.static_mw());
}

double LayerSequencer::gemv(const WeightMap::Matrix& matrix, const char* label, double t_ns, std::uint64_t vectors,
                            std::uint64_t reuse_rows, std::uint64_t reuse_vectors) {
    const std::uint64_t dtype = static_cast<std::uint64_t>(header_.model.dtype_bytes);
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::gemv;
    pe_command_.label = label;
    pe_command_.out_rows = matrix.out_rows;
    pe_command_.in_cols = matrix.in_cols;
    pe_command_.vectors = vectors;
    pe_command_.weight_address = matrix.address;
    pe_command_.weight_bytes = matrix.bytes;
    pe_command_.reuse_rows = reuse_rows;
    pe_command_.reuse_vectors = reuse_vectors;
    pe_command_.input_bytes = matrix.in_cols * dtype * vectors;
    pe_command_.output_bytes = matrix.out_rows * dtype * vectors;
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

double LayerSequencer::search(std::uint64_t compare_elements, double t_ns) {
    if (compare_elements == 0) return t_ns;
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::eviction_search;
    pe_command_.label = "eviction_search";
    pe_command_.compare_elements = compare_elements;
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

double LayerSequencer::attention(std::uint64_t keys, std::uint64_t query_vectors, double t_ns) {
    const ModelShape& m = header_.model;
    const std::uint64_t activation_bytes = static_cast<std::uint64_t>(m.hidden * m.dtype_bytes) * query_vectors;
    pe_command_ = PeCommand{};
    pe_command_.kind = PeCommand::Kind::attention;
    pe_command_.label = "attention";
    pe_command_.macs = 2 * keys * static_cast<std::uint64_t>(m.head_dim);  // q.k and p.v
    pe_command_.sfu_elements = keys;
    pe_command_.input_bytes = activation_bytes;   // q
    pe_command_.output_bytes = activation_bytes;  // attention output
    return issuer_.command(pe_socket, pe_command_, t_ns);
}

}  // namespace kelle
