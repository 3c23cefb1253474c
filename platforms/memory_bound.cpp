#include "memory_bound.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "sequencer/weight_map.h"

namespace kelle {

namespace {
constexpr double kSimulatorBytes = 512.0 * 1024 * 1024;  // code, SystemC's thread stacks, the rest
constexpr double kKvTokenBytes = 16;                      // sizeof(KvToken), asserted there
// A context position's share of the address space: 35 B measured (VmPeak of kelle-sim on
// `--model tiny --layers 16 --decode 2` at 2^20 and 2^22 prompt tokens: 162 and 270 MB),
// doubled for a vector's growth.
constexpr double kPerPositionBytes = 72;

std::string megabytes(double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f MB", bytes / (1024.0 * 1024.0));
    return text;
}
}  // namespace

std::vector<MemoryTerm> input_sized_memory(const ModelShape& model, std::uint64_t context_tokens,
                                           std::uint64_t held_tokens, std::uint64_t weight_bytes) {
    const WeightMap weights(model, weight_bytes);
    std::uint64_t largest_matrix = 0;
    for (const WeightMap::Matrix& m : {weights.qkv(0), weights.out_proj(0), weights.ffn_in(0), weights.ffn_out(0)})
        largest_matrix = std::max(largest_matrix, m.bytes);
    const double regions = static_cast<double>(model.layers) * model.kv_heads;
    return {
        {"model.layers", "KV bookkeeping", "layers x kv_heads x min(held tokens, context) x 16 B",
         regions * static_cast<double>(std::min(held_tokens, context_tokens)) * kKvTokenBytes},
        {"model.ffn", "one weight matrix's transaction", "hidden x ffn x 2 if gated x pe.weight_bytes",
         static_cast<double>(largest_matrix)},
        {"prompt_tokens", "per-position state", "(prompt_tokens + decode_steps) x 72 B",
         static_cast<double>(context_tokens) * kPerPositionBytes},
    };
}

double usable_memory_bytes() {
    double limit = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
    rlimit address_space{};
    if (getrlimit(RLIMIT_AS, &address_space) == 0 && address_space.rlim_cur != RLIM_INFINITY)
        limit = std::min(limit, static_cast<double>(address_space.rlim_cur));
    return limit - kSimulatorBytes;
}

void check_memory_bound(const std::vector<MemoryTerm>& terms, double limit_bytes, const std::string& trace_path) {
    double total = 0;
    for (const MemoryTerm& term : terms) total += term.bytes;
    if (total <= limit_bytes) return;
    const MemoryTerm& largest =
        *std::max_element(terms.begin(), terms.end(), [](const MemoryTerm& a, const MemoryTerm& b) { return a.bytes < b.bytes; });
    throw InputError(trace_path, 0, largest.key,
                     "needs about " + megabytes(total) + ", over the " + megabytes(limit_bytes) +
                         " this process may use (docs/outputs.md, Memory); " + megabytes(largest.bytes) + " of it: " +
                         largest.what + " (" + largest.parameters + ")");
}

}  // namespace kelle
