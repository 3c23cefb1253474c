// The systolic evictor at its lanes: each token's score register and the step's logit, as the
// block (rtl/systolic_evictor.sv) sees them, and the block's rule in plain C++ to compare with.
// The platform's own searches give the block importances with zero logits and never reach some
// of its corners (saturation, a protected row after the running minimum, SINKS at its reset
// value); directed_corner_cases() drives those, and the evictor lockstep runs them through the
// RTL at start-up (lockstep_evictor.h) before the first search of the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kelle {

struct LaneSearch {
    std::string name;                  // the corner it drives, for the mismatch line
    std::vector<std::uint64_t> scores;  // each token's score register, index order
    std::vector<std::uint64_t> logits;  // the step's logit of each token
    std::size_t sinks = 0;
    std::size_t recent = 0;
};

struct LaneResult {
    bool found = false;                  // some token was a candidate
    std::size_t index = 0;               // the victim, when found
    std::vector<std::uint64_t> written;  // each token's register as written back: sat(score + logit)
};

// The block's rule: every token's register becomes score + logit saturated at 2^score_bits - 1;
// the victim is the least of the candidates, tokens i with sinks <= i < N - recent, the oldest
// of equals.
LaneResult reference_search(const LaneSearch& search, int score_bits);

// What a side of the lockstep answers a LaneSearch with (RtlEvictor implements it).
class LaneSearcher {
public:
    virtual ~LaneSearcher() = default;
    virtual LaneResult search_lanes(const LaneSearch& search) = 0;
};

// Directed searches for a column of `rows` rows and score_bits-bit registers, each aimed at one
// corner, with the expected answer derived by hand in the .cpp. The first runs with SINKS and
// RECENT at their reset value 0, so it sees a reset that left them otherwise.
std::vector<LaneSearch> directed_corner_cases(int rows, int score_bits);

// "victim 5 (register 3)", "no victim" or, when the victims agree, the first written register
// that differs: what a mismatch line prints of each side.
std::string lane_text(const LaneResult& result, std::size_t written_index);
// Index of the first written register in which a and b differ, or the size when none does.
std::size_t first_written_difference(const LaneResult& a, const LaneResult& b);

}  // namespace kelle
