// AERP's x tier sized to the PE array's idle time (kv.recompute_sizing = idle_compute).
//
// At small batches the decode QKV projection is memory bound: the array waits for W_QKV to
// stream from DRAM (through the weight SRAM when there is one: the slower of the two sets the
// stream's time, pe_array.h). The x tier is as many tokens per head as the array can recompute
// (2 kv_dim x hidden MACs each, for `batch` sequences) in that wait: the most x tokens whose
// K/V rows the projection takes as extra vectors through W_K, W_V's tiles and still ends within
// the stream (pe_timing.h's matrix_cycles under the array's tile model, pe_array.h's timing).
// The KV cache gets the number (kvcache/kv_budget.h), not the hardware facts behind it.
#pragma once

#include <cstdint>
#include <optional>

#include "trace/trace.h"
#include "pe_array/pe_timing.h"

namespace kelle {

// What the sizing needs of the PE array's and the DRAM's own configs.
struct IdleComputeFacts {
    PeGeometry pe;
    double clock_mhz = 0;
    double dram_bytes_per_ns = 0;
    double dram_latency_ns = 0;
    double weight_sram_bytes_per_ns = 0;  // 0: no weight SRAM, weights stream from DRAM to the array
    double weight_sram_latency_ns = 0;
};

// weight_bytes: bytes per weight element (pe.weight_bytes).
std::uint64_t idle_compute_x_tokens(const IdleComputeFacts& facts, const ModelShape& model, std::uint64_t weight_bytes,
                                    std::uint64_t batch);

}  // namespace kelle
