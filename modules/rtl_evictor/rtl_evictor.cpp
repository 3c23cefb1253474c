#include "rtl_evictor/rtl_evictor.h"

#include <cstring>

#include "Vsystolic_evictor.h"
#include "common/error.h"
#include "cosim/lockstep_evictor.h"
#include "cosim/rtl_fault.h"
#include "verilated_vcd_c.h"

namespace kelle {

namespace {
constexpr const char* kBlock = kSystolicEvictorBlock;
constexpr std::uint32_t kAddrSinks = 0;
constexpr std::uint32_t kAddrRecent = 1;
constexpr int kWordsPerScore = 2;  // a 64-bit score lane is two of Verilator's 32-bit words
constexpr std::uint64_t kPsPerCycle = 1000;  // VCD time unit 1 ps: a 1 GHz cycle, its edge halfway
}  // namespace

std::uint64_t order_code(double value) {
    if (value == 0) value = 0;  // -0 compares equal to +0, so it must code alike
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    // Positive doubles order as their bits; negative ones in reverse, and below every positive.
    constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
    return (bits & kSign) ? ~bits : bits | kSign;
}

RtlEvictor::RtlEvictor()
    : context_(std::make_unique<VerilatedContext>()),
      rtl_(std::make_unique<Vsystolic_evictor>(context_.get(), "systolic_evictor")) {}

void RtlEvictor::open_waveform(const std::string& path) {
    context_->traceEverOn(true);
    vcd_ = std::make_unique<VerilatedVcdC>();
    rtl_->trace(vcd_.get(), 99);
    vcd_->open(path.c_str());
    if (!vcd_->isOpen()) throw InputError(path, 0, "--vcd", "cannot open the evictor's waveform for writing");
}

bool RtlEvictor::tracing() const { return vcd_ && vcd_->isOpen(); }

void RtlEvictor::reset() {
    rtl_->rst_n = 0;
    clock();
    rtl_->rst_n = 1;
    reset_done_ = true;
}

RtlEvictor::~RtlEvictor() {
    if (tracing()) vcd_->close();  // a run of fewer searches than the cap
    rtl_->final();
}

std::uint64_t RtlEvictor::search_cycles(std::uint64_t tokens) { return (tokens + kRows - 1) / kRows + kRows - 1; }

void RtlEvictor::clock() {
    rtl_->clk = 0;
    rtl_->eval();
    if (tracing()) vcd_->dump(kPsPerCycle * cycle_);
    rtl_->clk = 1;
    rtl_->eval();
    if (tracing()) vcd_->dump(kPsPerCycle * cycle_ + kPsPerCycle / 2);
    ++cycle_;
}

void RtlEvictor::configure(std::uint32_t address, std::uint32_t value) {
    rtl_->cfg_we = 1;
    rtl_->cfg_addr = address;
    rtl_->cfg_wdata = value;
    clock();
    rtl_->cfg_we = 0;
}

namespace {
// Token index row r holds at `edge` of a search (wave edge - r, the skewed front), or `tokens` when none.
std::uint64_t token_at(std::uint64_t edge, std::uint64_t r, std::uint64_t waves, std::uint64_t tokens) {
    const bool on_front = edge >= r && edge - r < waves;
    const std::uint64_t index = (edge - r) * RtlEvictor::kRows + r;
    return on_front && index < tokens ? index : tokens;
}
}  // namespace

void RtlEvictor::drive_rows(const Lanes& lanes, std::uint64_t edge, std::uint64_t waves) {
    const std::uint64_t tokens = lanes.scores.size();
    for (std::uint64_t r = 0; r < kRows; ++r) {
        const std::uint64_t index = token_at(edge, r, waves, tokens);
        const std::uint64_t code = index < tokens ? lanes.scores[index] : 0;
        const std::uint64_t logit = index < tokens && lanes.logits ? (*lanes.logits)[index] : 0;
        rtl_->row_score[kWordsPerScore * r] = static_cast<std::uint32_t>(code);
        rtl_->row_score[kWordsPerScore * r + 1] = static_cast<std::uint32_t>(code >> 32);
        rtl_->row_logit[kWordsPerScore * r] = static_cast<std::uint32_t>(logit);
        rtl_->row_logit[kWordsPerScore * r + 1] = static_cast<std::uint32_t>(logit >> 32);
    }
}

void RtlEvictor::read_written(std::uint64_t edge, std::uint64_t waves, std::vector<std::uint64_t>& written) const {
    for (std::uint64_t r = 0; r < kRows; ++r) {
        const std::uint64_t index = token_at(edge, r, waves, written.size());
        if (index < written.size())
            written[index] = rtl_->row_score_out[kWordsPerScore * r] |
                             std::uint64_t{rtl_->row_score_out[kWordsPerScore * r + 1]} << 32;
    }
}

std::uint64_t RtlEvictor::clock_search(const Lanes& lanes, std::uint64_t edge_limit) {
    const std::uint64_t waves = (lanes.scores.size() + kRows - 1) / kRows;
    rtl_->tokens = static_cast<std::uint32_t>(lanes.scores.size());
    std::uint64_t edges = 0;
    while (edges < edge_limit && (edges == 0 || !rtl_->victim_valid)) {  // valid until start clears it
        rtl_->start = edges == 0;
        rtl_->wave_in = edges < waves;
        drive_rows(lanes, edges, waves);
        clock();
        if (lanes.written) read_written(edges, waves, *lanes.written);  // registered at this edge
        ++edges;
    }
    rtl_->start = 0;
    rtl_->wave_in = 0;
    return rtl_->victim_valid ? edges : 0;
}

RtlEvictor::Search RtlEvictor::search(const std::vector<std::uint64_t>& scores, std::size_t sinks, std::size_t recent) {
    return search(Lanes{scores, nullptr, nullptr}, sinks, recent);
}

LaneResult RtlEvictor::search_lanes(const LaneSearch& lanes) {
    LaneResult result;
    result.written.assign(lanes.scores.size(), 0);
    const Search found = search(Lanes{lanes.scores, &lanes.logits, &result.written}, lanes.sinks, lanes.recent);
    result.found = found.found;
    result.index = found.index;
    return result;
}

RtlEvictor::Search RtlEvictor::search(const Lanes& lanes, std::size_t sinks, std::size_t recent) {
    const std::vector<std::uint64_t>& scores = lanes.scores;
    if (scores.empty() || scores.size() > kMaxTokens)
        throw InputError("pe.evictor_impl=rtl", 0, "kv.budget_tokens",
                         "the RTL evictor searches 1 to " + std::to_string(kMaxTokens) + " tokens, not " +
                             std::to_string(scores.size()));
    if (!reset_done_) reset();
    if (sinks != sinks_) configure(kAddrSinks, static_cast<std::uint32_t>(sinks_ = sinks));
    if (recent != recent_) configure(kAddrRecent, static_cast<std::uint32_t>(recent_ = recent));
    const std::uint64_t expected = search_cycles(scores.size());
    Search result;
    result.cycles = clock_search(lanes, expected);
    if (tracing() && ++searches_ == kWaveformSearches) vcd_->close();
    if (result.cycles != expected) {
        raise(RtlFault(kBlock, "the victim of " + std::to_string(scores.size()) + " tokens was not ready at edge " +
                                   std::to_string(expected) + " (ROWS " + std::to_string(kRows) + ")"));
        return Search{};  // nothing found: the run is stopping
    }
    result.found = rtl_->victim_found;
    result.index = rtl_->victim_index;
    result.score = rtl_->victim_score;
    return result;
}

std::size_t RtlEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    codes_.clear();
    for (const KvToken& token : head.tokens()) codes_.push_back(order_code(token.relative_importance));
    const Search found = search(codes_, sinks, recent);
    if (found.found && found.index < head.size()) return found.index;
    if (found.cycles != 0)  // the search ended (a late one has raised its own fault)
        raise(RtlFault(kBlock, "no victim among " + std::to_string(head.size()) + " tokens (sinks " +
                                   std::to_string(sinks) + ", recent " + std::to_string(recent) + ")"));
    return 0;  // the run is stopping: the answer is no longer used
}

void register_rtl_evictor_impl() {
    register_evictor_impl("rtl", [] { return std::make_unique<RtlEvictor>(); });
}

}  // namespace kelle
