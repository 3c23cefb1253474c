#include "cosim/evictor_lanes.h"

#include <algorithm>

namespace kelle {

namespace {
std::uint64_t max_score(int score_bits) {
    return score_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << score_bits) - 1;
}

LaneSearch uniform(const std::string& name, std::size_t tokens, std::uint64_t score) {
    LaneSearch s;
    s.name = name;
    s.scores.assign(tokens, score);
    s.logits.assign(tokens, 0);
    return s;
}
}  // namespace

LaneResult reference_search(const LaneSearch& search, int score_bits) {
    const std::uint64_t max = max_score(score_bits);
    const std::size_t tokens = search.scores.size();
    LaneResult result;
    for (std::size_t i = 0; i < tokens; ++i) {
        const std::uint64_t score = search.scores[i], logit = search.logits[i];
        const std::uint64_t sum = logit > max - score ? max : score + logit;
        result.written.push_back(sum);
        const bool candidate = i >= search.sinks && i + search.recent < tokens;
        if (candidate && (!result.found || sum < result.written[result.index])) {  // strict: ties keep the oldest
            result.found = true;
            result.index = i;
        }
    }
    return result;
}

std::vector<LaneSearch> directed_corner_cases(int rows, int score_bits) {
    const auto r = static_cast<std::size_t>(rows);
    const std::uint64_t max = max_score(score_bits);
    std::vector<LaneSearch> cases;
    // Victim 0: the least token is the first, which only SINKS = 0 (its reset value) lets in.
    LaneSearch reset = uniform("SINKS and RECENT at reset", r + 8, 5);
    reset.scores[0] = 1;
    cases.push_back(reset);
    // Victim 0: every register 7 + 1 = 8 over three waves; the oldest of equals in a row and across waves.
    LaneSearch ties = uniform("ties", 2 * r + 6, 7);
    ties.logits.assign(ties.scores.size(), 1);
    cases.push_back(ties);
    // Victim 0: token 5 saturates at the maximum (max - 1 + 5); wrapping would make it 3, the least.
    LaneSearch saturation = uniform("saturation", r + 8, max - 2);
    saturation.scores[5] = max - 1;
    saturation.logits[5] = 5;
    cases.push_back(saturation);
    // Victim N - recent - 1, the last candidate: N - recent, one less, is the first protected.
    LaneSearch window = uniform("recent window boundary", 2 * r, 9);
    window.recent = r / 2;
    window.scores[2 * r - window.recent] = 1;
    window.scores[2 * r - window.recent - 1] = 2;
    cases.push_back(window);
    // Victim r + 8: the rows below it in its wave hold protected tokens of score 0; they must hand
    // the running minimum down, found and all, or wave 0's token 0 would win.
    LaneSearch below = uniform("protected rows below the minimum", 2 * r, 5);
    below.recent = r / 4;
    below.scores[r + 8] = 1;
    for (std::size_t i = 2 * r - below.recent; i < 2 * r; ++i) below.scores[i] = 0;
    cases.push_back(below);
    // Victim 20: token 3 is least but a sink.
    LaneSearch sinks = uniform("sinks", r + 8, 6);
    sinks.sinks = 10;
    sinks.scores[3] = 0;
    sinks.scores[20] = 1;
    cases.push_back(sinks);
    // Victim N - 1, alone in the last, partial wave.
    LaneSearch partial = uniform("partial last wave", 2 * r + 6, 4);
    partial.scores.back() = 1;
    cases.push_back(partial);
    // No candidate: four sinks and four recent tokens cover all eight.
    LaneSearch none = uniform("no candidate", 8, 3);
    none.sinks = 4;
    none.recent = 4;
    cases.push_back(none);
    return cases;
}

std::string lane_text(const LaneResult& result, std::size_t written_index) {
    if (written_index < result.written.size())
        return "register " + std::to_string(written_index) + " = " + std::to_string(result.written[written_index]);
    if (!result.found) return "no victim";
    return "victim " + std::to_string(result.index) + " (register " + std::to_string(result.written[result.index]) + ")";
}

std::size_t first_written_difference(const LaneResult& a, const LaneResult& b) {
    const std::size_t common = std::min(a.written.size(), b.written.size());
    std::size_t i = 0;
    while (i < common && a.written[i] == b.written[i]) ++i;
    return i == common && a.written.size() == b.written.size() ? a.written.size() : i;
}

}  // namespace kelle
