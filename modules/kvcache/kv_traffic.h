// KvTraffic: the KV cache's K/V data movement between its slots (kv_layout.h) and the memories
// behind its port (kv_store_port.h). Owned by KvCache, which says which tokens move; this says
// how the bytes go.
//
// Timing mode moves a region's resident K/V as compacted bursts, one per (class, plane) area on
// chip and one per class in DRAM: slot order inside a region does not change traffic. Functional
// mode (edram.functional, `check` given) writes real K/V values slot by slot at their exact
// addresses (each slot one piece per bit plane on chip, kv_values.h), reads each resident slot
// back the same way and checks it (kv_value_check.h); spilled slots are in DRAM, which loses
// nothing. Moving a token to another slot (2DRP) reads and writes it slot-exact in both modes.
#pragma once

#include <cstdint>
#include <tlm>
#include <vector>

#include "trace/trace.h"
#include "kvcache/eviction_policy.h"
#include "kvcache/kv_layout.h"
#include "kvcache/kv_slots.h"
#include "kvcache/kv_stats.h"
#include "kvcache/kv_store_port.h"
#include "kvcache/kv_value_check.h"

namespace kelle {

class KvTraffic {
public:
    // `check`: functional mode's value check, null in timing mode. All must outlive it.
    KvTraffic(const KvLayout& layout, KvStorePort& port, const KvSlots& slots, KvValueCheck* check,
              const ModelShape& model);

    // Each returns the absolute completion time of work issued at absolute t_ns.
    // Writes every token of a region's head (after the prompt).
    double write_region(int region, const HeadCache& head, double t_ns);
    // Reads every resident K/V of a region; functional mode checks each value and the attention
    // output `scores` gives with them (counted in `stats`).
    double read_region(int region, const HeadCache& head, const StepScores& scores, KvStats& stats, double t_ns);
    // Functional mode: the values of a token's slot as a read issued now would return them,
    // without time or traffic (the execution-driven model's attention reads them).
    void peek(int region, const KvToken& token, std::uint16_t* values);
    // Writes one K/V token's slot (a decode token).
    double write_token(int region, const KvToken& token, double t_ns);
    // Moves a token's data into `to_slot`; two tokens' data into each other's slot.
    double move(int region, const KvToken& token, std::uint32_t to_slot, double t_ns);
    double swap(int region, const KvToken& up, const KvToken& down, double t_ns);

private:
    double write_slot(int region, std::uint32_t slot, const std::uint16_t* values, double t_ns);
    double read_slot(int region, const KvToken& token, std::uint16_t* values, double t_ns);
    // The bytes of a slot's pieces, read into piece_bytes_, as values (spilled: intact).
    void decode_slot(int region, const KvToken& token, const Extent* pieces, std::uint16_t* values);
    double transfer_region(int region, tlm::tlm_command command, double t_ns);

    const KvLayout& layout_;
    KvStorePort& port_;
    const KvSlots& slots_;
    KvValueCheck* check_;
    std::vector<std::uint16_t> values_a_, values_b_;  // one slot's values, reused
    std::vector<unsigned char> piece_bytes_[2];
};

}  // namespace kelle
