// RtlEvictor: the Verilog systolic evictor (rtl/systolic_evictor.sv), verilated, behind the
// EvictionUnit seam (pe.evictor_impl = rtl): every victim of a searching policy is the block's.
//
// One search per victim: the adapter resets nothing between searches (the block's `start` does),
// writes SINKS / RECENT when they change (one clock each), then clocks the head's tokens through
// the column as the array's skewed logits would arrive: wave k enters row 0 at edge k, row r reads
// token k x ROWS + r at edge k + r. The victim is registered at edge ceil(N / ROWS) + ROWS - 1 of
// an N-token search; the adapter checks that it rises at exactly that edge (an RtlFault
// otherwise).
//
// Two builds of the block, one per form of the cache's importance (pe.score_bits,
// kvcache/eviction_policy.h: ScoreRegisters):
//   64  exact importances are doubles: the block is verilated with 64-bit score registers and
//       gets each importance as its order code (order_code below), with zero logits. Compares on
//       codes are compares on the doubles, equal values tie, and the TLM rule (oldest of equals)
//       and the block's decide alike.
//   4   the paper's form (sec. 5.1): 4-bit registers. Each token's lanes are its register before
//       the last step's scores and what they added (HeadCache::score_lane), so the block's own
//       adder and saturation make the register the search compares, and write it back.
// search_lanes drives any lanes (the lockstep's start-up corner cases, and its register check).
// Why a C++ model and no SystemC process: the decision is asked synchronously, from inside the
// KV cache's admission, and takes tens of clocks at one simulated instant; a --sc model would
// need a process and three delta cycles a clock.
//
// Waveform (trace_rtl): every port and every register of the block (the column's pipeline, the
// running minimum, SINKS / RECENT) in the run's own VCD under `pe.evictor`, selected by
// --vcd-signals and bounded by --vcd-window like every other signal. The block searches within
// one simulated instant, so its clocks are drawn on the platform's time base from the admission
// that asked, one PE cycle each, searches back to back (VcdWriter's timed signals); the PE
// array's timing charges its own eviction cycles (pe_timing.h), which the drawing does not move.
//
// Limits (the verilated parameters): heads of at most 2^24 - 1 tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cosim/evictor_lanes.h"
#include "kvcache/eviction_unit.h"

namespace kelle {

// Maps a double to a 64-bit code whose unsigned order is the doubles' order (-0 and +0 alike).
std::uint64_t order_code(double value);

class RtlEvictor : public EvictionUnit, public LaneSearcher {
public:
    static constexpr int kRows = 32;
    static constexpr std::uint64_t kMaxTokens = (1u << 24) - 1;
    // The widths built (CMakeLists.txt); has_score_bits tells whether `bits` is one.
    static constexpr int kExactBits = 64;
    static constexpr int kPaperBits = 4;
    static bool has_score_bits(int bits) { return bits == kExactBits || bits == kPaperBits; }

    struct Search {
        bool found = false;       // some token was a candidate
        std::size_t index = 0;    // the victim
        std::uint64_t score = 0;  // its score register
        std::uint64_t cycles = 0; // clock edges from the start edge to victim_valid, both counted
    };

    // std::logic_error for a width not built (has_score_bits).
    explicit RtlEvictor(int score_bits = kExactBits);
    ~RtlEvictor() override;

    int score_bits() const { return score_bits_; }
    std::size_t least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) override;
    void trace_rtl(sc_core::sc_trace_file* file, std::uint64_t cycle_ps) override;
    // One search over `scores` (score registers, index order) with zero logits.
    Search search(const std::vector<std::uint64_t>& scores, std::size_t sinks, std::size_t recent);
    // A search with logits on the logit lanes, reading back every written register.
    LaneResult search_lanes(const LaneSearch& search) override;
    // The edges a search over `tokens` takes: ceil(tokens / kRows) waves plus the column's fill.
    static std::uint64_t search_cycles(std::uint64_t tokens);

    class Column;  // the verilated block of one width, at its pins (rtl_evictor.cpp)

private:
    Search search(const std::vector<std::uint64_t>& scores, const std::vector<std::uint64_t>* logits,
                  std::vector<std::uint64_t>* written, std::size_t sinks, std::size_t recent);
    // A head's lanes into codes_ and logits_: order codes and zero logits (exact), or its registers.
    void load_lanes(const HeadCache& head);

    int score_bits_;
    std::unique_ptr<Column> column_;
    bool reset_done_ = false;
    std::uint64_t sinks_ = 0, recent_ = 0;  // as last written
    std::vector<std::uint64_t> codes_, logits_;  // one head's lanes, reused
};

// Makes pe.evictor_impl = rtl build an RtlEvictor.
void register_rtl_evictor_impl();

}  // namespace kelle
