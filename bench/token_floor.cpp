#include "token_floor.h"

#include <chrono>
#include <vector>

#include "trace/trace.h"

namespace kelle_bench {

namespace {
// limit_tokens 0: none (full; kelle::KvBudget's limit, every position, is never reached).
void admit(kelle::HeadCache& head, const kelle::EvictionPolicy& policy, std::size_t limit_tokens,
           std::uint32_t position) {
    if (limit_tokens != 0 && head.size() >= limit_tokens) head.erase(policy.victim(head));
    head.append(position, position);
}
}  // namespace

TokenFloor measure_token_floor(const std::string& trace_path, kelle::KvPolicy policy, std::size_t budget_tokens,
                               std::size_t recent_tokens, std::size_t sink_tokens) {
    kelle::TraceReader trace(trace_path);
    const kelle::ModelShape& model = trace.header().model;
    const auto evictor = kelle::make_eviction_policy(policy, recent_tokens, sink_tokens);
    kelle::check_budget_holds(policy, budget_tokens, recent_tokens, sink_tokens);
    const std::size_t limit_tokens = policy == kelle::KvPolicy::full ? 0 : budget_tokens;
    std::vector<kelle::HeadCache> heads(static_cast<std::size_t>(model.layers * model.kv_heads));
    for (kelle::HeadCache& head : heads) {
        head.reserve(budget_tokens);
        for (int position = 0; position < trace.header().prompt_tokens; ++position)
            admit(head, *evictor, limit_tokens, static_cast<std::uint32_t>(position));
    }
    const int group = model.heads / model.kv_heads;
    kelle::StepScores scores;
    TokenFloor floor;
    const auto start = std::chrono::steady_clock::now();
    while (trace.next(scores)) {
        const auto position = static_cast<std::uint32_t>(scores.context_tokens - 1);
        for (int layer = 0; layer < model.layers; ++layer) {
            kelle::HeadCache* layer_heads = &heads[static_cast<std::size_t>(layer * model.kv_heads)];
            for (int kv_head = 0; kv_head < model.kv_heads; ++kv_head) admit(layer_heads[kv_head], *evictor, limit_tokens, position);
            for (int head = 0; head < model.heads; ++head)
                layer_heads[head / group].accumulate(scores.at(layer, head), scores.context_tokens);
        }
        ++floor.decode_steps;
    }
    floor.decode_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return floor;
}

}  // namespace kelle_bench
