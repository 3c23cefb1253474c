// HostInterface: replays a decode trace into the accelerator, layer by layer, over TLM.
//
// At start it runs the prompt's prefill (one load_prompt LayerCommand per layer) and calls the
// prefill-done hook, so the platform can split energy between the phases; then for
// each decode step it reads the step's scores from the trace (streaming: one step in memory)
// and sends one decode LayerCommand per layer, waiting out each command's annotated delay.
// With a quantum (sim.quantum_ns > 0) it sends the next layer at its local time instead, and
// waits only once a quantum or more ahead, and always at the end of the prefill and of the run,
// which the platform observes. A token's latency is the simulated time from the start of its
// step to the end of its last layer. When the trace ends it stops the simulation. After each
// prefill layer and each decode step it calls its Progress callback (kelle-sim's --progress
// line, and the edges of --vcd-window steps:A-B).
//
// Sockets: `initiator_socket` (to the layer sequencer). Parameters: the quantum, given by the
// platform (sim.quantum_ns, the sequencer's, declared with [kv]).
#pragma once

#include <exception>
#include <functional>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "common/commands.h"
#include "common/initiator.h"
#include "common/observable.h"
#include "trace/trace.h"

namespace kelle {

struct HostStats {
    std::uint64_t tokens = 0;
    std::vector<double> token_latency_ns;  // one double per decode step
    double prefill_ns = 0;  // time to first token: the prompt's prefill through every layer
    double end_ns = 0;
};

// Where the replay has got to: the prefill, one layer at a time, then the decode steps.
struct ReplayProgress {
    enum class Phase { prefill, decode };
    Phase phase = Phase::prefill;
    int done = 0;   // layers prefilled, or decode steps done (1 after the first step)
    int total = 0;  // the model's layers, or the trace's decode steps
};

class HostInterface : public sc_core::sc_module, public Observable {
public:
    tlm_utils::simple_initiator_socket<HostInterface> initiator_socket;

    // Called after every prefill layer and every decode step, at the host's local time (the
    // simulated time, or up to a quantum ahead of it).
    using Progress = std::function<void(const ReplayProgress&)>;

    HostInterface(sc_core::sc_module_name name, StepSource& trace, Progress progress, double quantum_ns = 0);

    // Called once, at the simulated time the prefill ends.
    void on_prefill_done(std::function<void()> hook) { prefill_done_ = std::move(hook); }
    // Called once, at the simulated time the first decode step ends (the host syncs there).
    void on_first_step_done(std::function<void()> hook) { first_step_done_ = std::move(hook); }
    // The decode step the host is sending, -1 while the prompt is loaded.
    int current_step() const { return current_step_; }
    // Called once, when the replay ends (normally or not), before the simulation stops.
    void on_replay_end(std::function<void()> hook) { replay_end_ = std::move(hook); }

    const HostStats& stats() const { return stats_; }
    // The exception that ended the replay early (e.g. a malformed trace line), or null.
    std::exception_ptr failure() const { return failure_; }
    // The host's own energy is not modelled (it is off the accelerator).
    void report_energy(StatsReport&) const override {}
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override;

private:
    void run();
    void replay();
    // Sends `command` at local time at_ns; returns the local time it completes at.
    double send(LayerCommand& command, double at_ns);

    StepSource& trace_;
    Progress progress_;
    std::function<void()> prefill_done_;
    std::function<void()> first_step_done_;
    std::function<void()> replay_end_;
    StepScores scores_;
    HostStats stats_;
    TransactionIssuer issuer_;
    QuantumKeeper keeper_;
    double local_ns_ = 0;  // where the replay has got to: ahead of simulated time by under a quantum
    int current_step_ = -1;   // traced; -1 while the prompt is loaded
    int current_layer_ = -1;  // traced
    std::exception_ptr failure_;
};

}  // namespace kelle
