#include "rtl_evictor/rtl_evictor.h"

#include <cstring>
#include <stdexcept>

#include "Vsystolic_evictor.h"
#include "Vsystolic_evictor_paper.h"
#include "common/error.h"
#include "cosim/lockstep_evictor.h"
#include "cosim/rtl_fault.h"
#include "verilated_vcd_c.h"

namespace kelle {

namespace {
constexpr const char* kBlock = kSystolicEvictorBlock;
constexpr std::uint32_t kAddrSinks = 0;
constexpr std::uint32_t kAddrRecent = 1;
constexpr std::uint64_t kPsPerCycle = 1000;  // VCD time unit 1 ps: a 1 GHz cycle, its edge halfway
constexpr int kWordBits = 32;                // Verilator's wide ports are arrays of 32-bit words

// Row r's lane of a packed port, `bits` wide: 64 (two words) or a divisor of 32 (part of one).
void put_lane(std::uint32_t* words, std::uint64_t row, int bits, std::uint64_t value) {
    if (bits == 64) {
        words[2 * row] = static_cast<std::uint32_t>(value);
        words[2 * row + 1] = static_cast<std::uint32_t>(value >> kWordBits);
        return;
    }
    const std::uint64_t bit = row * static_cast<std::uint64_t>(bits);
    const int shift = static_cast<int>(bit % kWordBits);
    const std::uint32_t mask = ((std::uint32_t{1} << bits) - 1) << shift;
    std::uint32_t& word = words[bit / kWordBits];
    word = (word & ~mask) | ((static_cast<std::uint32_t>(value) << shift) & mask);
}

std::uint64_t get_lane(const std::uint32_t* words, std::uint64_t row, int bits) {
    if (bits == 64) return words[2 * row] | std::uint64_t{words[2 * row + 1]} << kWordBits;
    const std::uint64_t bit = row * static_cast<std::uint64_t>(bits);
    return (words[bit / kWordBits] >> (bit % kWordBits)) & ((std::uint32_t{1} << bits) - 1);
}

// Token index row r holds at `edge` of a search (wave edge - r, the skewed front), or `tokens` when none.
std::uint64_t token_at(std::uint64_t edge, std::uint64_t r, std::uint64_t waves, std::uint64_t tokens) {
    const bool on_front = edge >= r && edge - r < waves;
    const std::uint64_t index = (edge - r) * RtlEvictor::kRows + r;
    return on_front && index < tokens ? index : tokens;
}

struct Lanes {
    const std::vector<std::uint64_t>& scores;
    const std::vector<std::uint64_t>* logits;  // none: zero logits
    std::vector<std::uint64_t>* written;       // none: not read back
};
}  // namespace

std::uint64_t order_code(double value) {
    if (value == 0) value = 0;  // -0 compares equal to +0, so it must code alike
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    // Positive doubles order as their bits; negative ones in reverse, and below every positive.
    constexpr std::uint64_t kSign = std::uint64_t{1} << 63;
    return (bits & kSign) ? ~bits : bits | kSign;
}

// The block's pins, whichever width was verilated.
class RtlEvictor::Column {
public:
    virtual ~Column() = default;
    virtual void open_waveform(const std::string& path) = 0;
    virtual void close_waveform() = 0;
    virtual bool tracing() const = 0;
    virtual void reset() = 0;
    virtual void configure(std::uint32_t address, std::uint32_t value) = 0;
    // Clocks one search from its start edge; the edges until victim_valid, 0 if not by edge_limit.
    virtual std::uint64_t clock_search(const Lanes& lanes, std::uint64_t edge_limit) = 0;
    // The registered victim (found, index, score) after a search.
    virtual Search victim() const = 0;
};

namespace {

template <class Model, int kScoreBits>
class ColumnOf final : public RtlEvictor::Column {
public:
    ColumnOf() : context_(std::make_unique<VerilatedContext>()), rtl_(std::make_unique<Model>(context_.get(), "systolic_evictor")) {}
    ~ColumnOf() override {
        close_waveform();  // a run of fewer searches than the cap
        rtl_->final();
    }

    void open_waveform(const std::string& path) override {
        context_->traceEverOn(true);
        vcd_ = std::make_unique<VerilatedVcdC>();
        rtl_->trace(vcd_.get(), 99);
        vcd_->open(path.c_str());
        if (!vcd_->isOpen()) throw InputError(path, 0, "--vcd", "cannot open the evictor's waveform for writing");
    }
    void close_waveform() override {
        if (tracing()) vcd_->close();
    }
    bool tracing() const override { return vcd_ && vcd_->isOpen(); }

    void reset() override {
        rtl_->rst_n = 0;
        clock();
        rtl_->rst_n = 1;
    }

    void configure(std::uint32_t address, std::uint32_t value) override {
        rtl_->cfg_we = 1;
        rtl_->cfg_addr = address;
        rtl_->cfg_wdata = value;
        clock();
        rtl_->cfg_we = 0;
    }

    std::uint64_t clock_search(const Lanes& lanes, std::uint64_t edge_limit) override {
        const std::uint64_t waves = (lanes.scores.size() + RtlEvictor::kRows - 1) / RtlEvictor::kRows;
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

    RtlEvictor::Search victim() const override {
        RtlEvictor::Search found;
        found.found = rtl_->victim_found;
        found.index = rtl_->victim_index;
        found.score = rtl_->victim_score;
        return found;
    }

private:
    void clock() {
        rtl_->clk = 0;
        rtl_->eval();
        if (tracing()) vcd_->dump(kPsPerCycle * cycle_);
        rtl_->clk = 1;
        rtl_->eval();
        if (tracing()) vcd_->dump(kPsPerCycle * cycle_ + kPsPerCycle / 2);
        ++cycle_;
    }

    void drive_rows(const Lanes& lanes, std::uint64_t edge, std::uint64_t waves) {
        const std::uint64_t tokens = lanes.scores.size();
        for (std::uint64_t r = 0; r < RtlEvictor::kRows; ++r) {
            const std::uint64_t index = token_at(edge, r, waves, tokens);
            put_lane(rtl_->row_score.data(), r, kScoreBits, index < tokens ? lanes.scores[index] : 0);
            put_lane(rtl_->row_logit.data(), r, kScoreBits, index < tokens && lanes.logits ? (*lanes.logits)[index] : 0);
        }
    }

    void read_written(std::uint64_t edge, std::uint64_t waves, std::vector<std::uint64_t>& written) const {
        for (std::uint64_t r = 0; r < RtlEvictor::kRows; ++r) {
            const std::uint64_t index = token_at(edge, r, waves, written.size());
            if (index < written.size()) written[index] = get_lane(rtl_->row_score_out.data(), r, kScoreBits);
        }
    }

    std::unique_ptr<VerilatedContext> context_;
    std::unique_ptr<Model> rtl_;
    std::unique_ptr<VerilatedVcdC> vcd_;
    std::uint64_t cycle_ = 0;
};

std::unique_ptr<RtlEvictor::Column> make_column(int score_bits) {
    if (score_bits == RtlEvictor::kExactBits)
        return std::make_unique<ColumnOf<Vsystolic_evictor, RtlEvictor::kExactBits>>();
    if (score_bits == RtlEvictor::kPaperBits)
        return std::make_unique<ColumnOf<Vsystolic_evictor_paper, RtlEvictor::kPaperBits>>();
    throw std::logic_error("RtlEvictor: no block verilated with " + std::to_string(score_bits) + "-bit scores");
}

}  // namespace

RtlEvictor::RtlEvictor(int score_bits) : score_bits_(score_bits), column_(make_column(score_bits)) {}

RtlEvictor::~RtlEvictor() = default;

void RtlEvictor::open_waveform(const std::string& path) { column_->open_waveform(path); }

std::uint64_t RtlEvictor::search_cycles(std::uint64_t tokens) { return (tokens + kRows - 1) / kRows + kRows - 1; }

RtlEvictor::Search RtlEvictor::search(const std::vector<std::uint64_t>& scores, std::size_t sinks, std::size_t recent) {
    return search(scores, nullptr, nullptr, sinks, recent);
}

LaneResult RtlEvictor::search_lanes(const LaneSearch& lanes) {
    LaneResult result;
    result.written.assign(lanes.scores.size(), 0);
    const Search found = search(lanes.scores, &lanes.logits, &result.written, lanes.sinks, lanes.recent);
    result.found = found.found;
    result.index = found.index;
    return result;
}

RtlEvictor::Search RtlEvictor::search(const std::vector<std::uint64_t>& scores, const std::vector<std::uint64_t>* logits,
                                      std::vector<std::uint64_t>* written, std::size_t sinks, std::size_t recent) {
    if (scores.empty() || scores.size() > kMaxTokens)
        throw InputError("pe.evictor_impl=rtl", 0, "kv.budget_tokens",
                         "the RTL evictor searches 1 to " + std::to_string(kMaxTokens) + " tokens, not " +
                             std::to_string(scores.size()));
    if (!reset_done_) {
        column_->reset();
        reset_done_ = true;
    }
    if (sinks != sinks_) column_->configure(kAddrSinks, static_cast<std::uint32_t>(sinks_ = sinks));
    if (recent != recent_) column_->configure(kAddrRecent, static_cast<std::uint32_t>(recent_ = recent));
    const std::uint64_t expected = search_cycles(scores.size());
    const std::uint64_t cycles = column_->clock_search(Lanes{scores, logits, written}, expected);
    if (column_->tracing() && ++searches_ == kWaveformSearches) column_->close_waveform();
    if (cycles != expected) {
        raise(RtlFault(kBlock, "the victim of " + std::to_string(scores.size()) + " tokens was not ready at edge " +
                                   std::to_string(expected) + " (ROWS " + std::to_string(kRows) + ")"));
        return Search{};  // nothing found: the run is stopping
    }
    Search result = column_->victim();
    result.cycles = cycles;
    return result;
}

void RtlEvictor::load_lanes(const HeadCache& head) {
    codes_.clear();
    logits_.clear();
    const bool exact = head.registers().exact();
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (exact) {
            codes_.push_back(order_code(head.tokens()[i].relative_importance));
            continue;
        }
        const ScoreLane lane = head.score_lane(i);
        codes_.push_back(lane.before);
        logits_.push_back(lane.lane);
    }
}

std::size_t RtlEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    load_lanes(head);
    const Search found = search(codes_, head.registers().exact() ? nullptr : &logits_, nullptr, sinks, recent);
    if (found.found && found.index < head.size()) return found.index;
    if (found.cycles != 0)  // the search ended (a late one has raised its own fault)
        raise(RtlFault(kBlock, "no victim among " + std::to_string(head.size()) + " tokens (sinks " +
                                   std::to_string(sinks) + ", recent " + std::to_string(recent) + ")"));
    return 0;  // the run is stopping: the answer is no longer used
}

void register_rtl_evictor_impl() {
    register_evictor_impl("rtl", [](int score_bits) { return std::make_unique<RtlEvictor>(score_bits); },
                          {RtlEvictor::kExactBits, RtlEvictor::kPaperBits});
}

}  // namespace kelle
