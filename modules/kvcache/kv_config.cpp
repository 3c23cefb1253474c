#include "common/config.h"
#include "kvcache/kv_cache.h"

namespace kelle {

void KvConfig::declare(ParamRegistry& registry) {
    registry.declare(param(ParamType::text, "kv.policy", "h2o", "",
                          "eviction policy (docs/kv-policies.md)")
                         .one_of({"full", "window", "streaming", "h2o", "aep", "aerp"}));
    registry.declare(param(ParamType::integer, "kv.budget_tokens", "256", "tokens",
                          "tokens kept per (layer, KV head) by every policy but full (assumption: kelle-paper.md, "
                          "a few hundred to 1K)").positive());
    registry.declare(param(ParamType::integer, "kv.recent_tokens", "128", "tokens",
                          "h2o and aep: most recent tokens always kept; half the budget as in H2O (assumption)")
                         .non_negative());
    registry.declare(param(ParamType::real, "kv.recompute_share", "0.5", "",
                          "aerp: part of each head's budget kept as the layer input x, K/V recomputed "
                          "(assumption: kelle-paper.md, 'part of the retained tokens')")
                         .non_negative().at_most(1));
    registry.declare(param(ParamType::text, "kv.recompute_sizing", "share", "",
                          "aerp: share keeps kv.recompute_share of the budget as x; idle_compute keeps as many "
                          "tokens as the PE array can recompute while it waits for W_QKV to stream "
                          "(from pe.*, clock_mhz, dram.*, the model and the batch; kv.recompute_share unused)")
                         .one_of({"share", "idle_compute"}));
    registry.declare(param(ParamType::integer, "kv.sink_tokens", "4", "tokens",
                          "streaming: first positions always kept, as StreamingLLM's 4 attention sinks")
                         .non_negative());
    registry.declare(param(ParamType::integer, "workload.batch", "1", "sequences",
                          "sequences decoded together: each has its own KV cache, all share every weight "
                          "stream (assumption: the trace drives all of them, docs/kv-policies.md)").positive());
    registry.declare(param(ParamType::boolean, "workload.prefill_compute", "true", "",
                          "time the prompt's prefill (GEMMs and causal attention) before decode; false puts "
                          "the prompt's K/V in the store with only the write's time, for decode-only studies"));
    // The sequencer's (sequencer/sequencer.h): it is the initiator whose syncs meet the refresh,
    // and the host follows the same quantum. Declared among [kv] so --help keeps its order.
    registry.declare(param(ParamType::real, "sim.quantum_ns", "0", "ns",
                          "temporal decoupling: the KV cache manager and the host run up to this far ahead of "
                          "simulated time before they sync; 0 syncs at every point (exact); larger values let "
                          "refresh bursts yield to accesses (tolerances in docs/performance.md)").non_negative());
    registry.declare(param(ParamType::text, "kv.store", "edram", "",
                          "on-chip KV store: edram (Kelle) or sram (the baselines)").one_of({"edram", "sram"}));
}

KvConfig KvConfig::from(const ParamRegistry& registry) {
    KvConfig config;
    config.policy = registry.get_text("kv.policy");
    config.budget_tokens = static_cast<std::uint64_t>(registry.get_int("kv.budget_tokens"));
    config.recent_tokens = static_cast<std::uint64_t>(registry.get_int("kv.recent_tokens"));
    config.store = registry.get_text("kv.store");
    config.sink_tokens = static_cast<std::uint64_t>(registry.get_int("kv.sink_tokens"));
    config.recompute_share = registry.get_real("kv.recompute_share");
    config.batch = static_cast<std::uint64_t>(registry.get_int("workload.batch"));
    KvBudget::check(config, registry);
    return config;
}

}  // namespace kelle
