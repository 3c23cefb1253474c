#include "host/host_interface.h"

#include <iomanip>
#include <numeric>

#include "common/log.h"
#include "common/units.h"

namespace kelle {

HostInterface::HostInterface(sc_core::sc_module_name name, StepSource& trace, Progress progress, double quantum_ns)
    : sc_core::sc_module(name),
      initiator_socket("initiator_socket"),
      trace_(trace),
      progress_(std::move(progress)),
      keeper_(quantum_ns) {
    SC_HAS_PROCESS(HostInterface);
    SC_THREAD(run);
    stats_.token_latency_ns.reserve(static_cast<std::size_t>(trace.header().decode_steps));
}

void HostInterface::trace(sc_core::sc_trace_file* file) {
    sc_core::sc_trace(file, current_step_, "host.step");
    sc_core::sc_trace(file, current_layer_, "host.layer");
}

void HostInterface::report_stats(StatsReport& report) const {
    const auto& latencies = stats_.token_latency_ns;
    const double mean_ns = latencies.empty() ? 0.0
                           : std::accumulate(latencies.begin(), latencies.end(), 0.0) / static_cast<double>(latencies.size());
    report.set("tokens", stats_.tokens);
    report.set("sim_time_s", stats_.end_ns * 1e-9);
    report.set("latency_per_token_ms", {{"mean", mean_ns * 1e-6},
                                        {"p50", percentile(latencies, 50) * 1e-6},
                                        {"p99", percentile(latencies, 99) * 1e-6},
                                        {"max", percentile(latencies, 100) * 1e-6},
                                        {"first", latencies.empty() ? 0.0 : latencies.front() * 1e-6}});
    report.set("ttft_ms", stats_.prefill_ns * 1e-6);
}

double HostInterface::send(LayerCommand& command, double at_ns) {
    current_layer_ = command.layer;
    const double done_ns = issuer_.command(initiator_socket, command, at_ns);
    if (keeper_.may_run_ahead(done_ns)) return done_ns;
    QuantumKeeper::wait_until(done_ns);
    return now_ns();  // done_ns as the kernel rounded it, which latencies are measured in
}

void HostInterface::run() {
    // An exception leaving an SC_THREAD becomes a kernel error report and loses its type; keep
    // it (a bad trace line is an InputError) for the platform to rethrow after sc_start.
    try {
        replay();
    } catch (...) {
        failure_ = std::current_exception();
    }
    QuantumKeeper::wait_until(local_ns_);
    stats_.end_ns = now_ns();
    if (replay_end_) replay_end_();
    sc_core::sc_stop();
}

void HostInterface::replay() {
    const int layers = trace_.header().model.layers;
    LayerCommand command;
    command.phase = LayerCommand::Phase::load_prompt;
    command.scores = trace_.prefill();
    local_ns_ = now_ns();
    for (int layer = 0; layer < layers; ++layer) {
        command.layer = layer;
        local_ns_ = send(command, local_ns_);
        if (progress_) progress_({ReplayProgress::Phase::prefill, layer + 1, layers});
    }
    QuantumKeeper::wait_until(local_ns_);  // the prefill-done hook reads simulated time
    local_ns_ = now_ns();
    stats_.prefill_ns = local_ns_;
    KELLE_LOG(msg::host, LogLevel::info,
              "prefill of " << trace_.header().prompt_tokens << " tokens through " << layers << " layers done");
    if (prefill_done_) prefill_done_();

    command.phase = LayerCommand::Phase::decode;
    command.scores = &scores_;
    KELLE_LOG(msg::host, LogLevel::info, "decoding " << trace_.header().decode_steps << " steps");
    while (trace_.next(scores_)) {
        const double step_start_ns = local_ns_;
        current_step_ = scores_.step;
        command.step = scores_.step;
        for (int layer = 0; layer < layers; ++layer) {
            command.layer = layer;
            local_ns_ = send(command, local_ns_);
        }
        stats_.token_latency_ns.push_back(local_ns_ - step_start_ns);
        ++stats_.tokens;
        if (stats_.tokens == 1 && first_step_done_) {
            QuantumKeeper::wait_until(local_ns_);  // the hook reads simulated time, as at the prefill's end
            local_ns_ = now_ns();
            first_step_done_();
        }
        KELLE_LOG(msg::host, LogLevel::debug,
                  "decode step " << scores_.step << " ends at " << std::fixed << std::setprecision(3) << local_ns_ * 1e-3
                                 << " us after " << (local_ns_ - step_start_ns) * 1e-3 << " us");
        if (progress_)
            progress_({ReplayProgress::Phase::decode, static_cast<int>(stats_.tokens), trace_.header().decode_steps});
    }
}

}  // namespace kelle
