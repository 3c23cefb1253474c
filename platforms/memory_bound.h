// The memory a run's input makes the model allocate, checked before anything is allocated.
//
// Three things grow with the input without a bound of their own: the KV cache's bookkeeping
// (16 B a held token in every layer's KV heads: layers x kv_heads x min(held tokens, context)),
// the largest single memory transaction's data array (a weight matrix streamed in one GEMV:
// rows x columns x pe.weight_bytes), and the per-position state of the context (72 B a
// position, measured). Their sum must fit the memory this process may use: the smaller of its
// address-space limit (ulimit -v) and the machine's physical memory, less 512 MB for the
// simulator itself. A run past it stops before simulating, with one line naming the largest
// term and the parameters that make it (docs/outputs.md, "Memory"), instead of ending in
// std::bad_alloc (exit 3) halfway through.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "trace/trace.h"

namespace kelle {

struct MemoryTerm {
    std::string key;         // the trace field the error names: model.ffn, prompt_tokens, ...
    std::string what;        // "the KV cache's bookkeeping"
    std::string parameters;  // "model.layers x model.kv_heads x min(kv.budget_tokens, context)"
    double bytes = 0;
};

// The input-sized allocations of a run of `model` over `context_tokens` positions, holding
// `held_tokens` per (layer, KV head), streaming weights at `weight_bytes` each.
std::vector<MemoryTerm> input_sized_memory(const ModelShape& model, std::uint64_t context_tokens,
                                           std::uint64_t held_tokens, std::uint64_t weight_bytes);

// The bytes this process may allocate (see above).
double usable_memory_bytes();

// Throws an InputError naming the trace and the largest term's key when the terms exceed
// `limit_bytes`: every term grows with the trace's shape and length (the KV term is capped by
// the context however large kv.budget_tokens is; pe.weight_bytes is at most 8).
void check_memory_bound(const std::vector<MemoryTerm>& terms, double limit_bytes, const std::string& trace_path);

}  // namespace kelle
