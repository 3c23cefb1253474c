#include "rtl_evictor/rtl_evictor.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>

// The verilated (plain C++) models before anything that includes SystemC: verilated_funcs.h
// takes SystemC's presence for a SystemC model's and calls its sc_time_stamp().
#include "Vsystolic_evictor.h"
#include "Vsystolic_evictor___024root.h"
#include "Vsystolic_evictor_paper.h"
#include "Vsystolic_evictor_paper___024root.h"
#include "common/error.h"
#include "cosim/lockstep_evictor.h"
#include "cosim/rtl_fault.h"
#include "waveform/vcd_writer.h"

namespace kelle {

namespace {
constexpr const char* kBlock = kSystolicEvictorBlock;
constexpr std::uint32_t kAddrSinks = 0;
constexpr std::uint32_t kAddrRecent = 1;
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

// Row r's lane of any packed value up to 64 bits a lane (a port, or a register array of the block),
// as Verilator stores it: 32-bit words, lane 0 lowest.
std::uint64_t get_lane(const std::uint32_t* words, std::uint64_t row, int bits) {
    const std::uint64_t lsb = row * static_cast<std::uint64_t>(bits);
    if (bits < kWordBits && lsb % kWordBits + static_cast<std::uint64_t>(bits) <= kWordBits)  // within a word
        return (words[lsb / kWordBits] >> (lsb % kWordBits)) & ((std::uint32_t{1} << bits) - 1);
    std::uint64_t value = 0;
    for (int got = 0; got < bits;) {
        const std::uint64_t bit = lsb + static_cast<std::uint64_t>(got);
        const int shift = static_cast<int>(bit % kWordBits);
        const int take = std::min(bits - got, kWordBits - shift);
        const std::uint64_t mask = (std::uint64_t{1} << take) - 1;
        value |= ((words[bit / kWordBits] >> shift) & mask) << got;
        got += take;
    }
    return value;
}

// The words of a packed value as Verilator stores it: one up to 32 bits, a VlWide's beyond 64 (the
// block's register vectors are one or the other).
const std::uint32_t* words_of(const std::uint32_t& value) { return &value; }
template <std::size_t kWords>
const std::uint32_t* words_of(const VlWide<kWords>& value) {
    return value.data();
}

// The rows a search's skewed front is at, at `edge`: row r reads wave edge - r, while that is one of
// the search's `waves`; rows [first, end).
struct Front {
    std::uint64_t first, end;
};

Front front_at(std::uint64_t edge, std::uint64_t waves) {
    const std::uint64_t first = edge >= waves ? edge - waves + 1 : 0;
    return {first, std::max(first, std::min<std::uint64_t>(edge + 1, RtlEvictor::kRows))};
}

// The token row r holds at `edge`, on the front: wave edge - r, row r.
std::uint64_t token_at(std::uint64_t edge, std::uint64_t r) { return (edge - r) * RtlEvictor::kRows + r; }

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
    // Declares the block's pins and registers as timed signals of `vcd`, each clock one cycle of
    // `cycle_ps`.
    virtual void trace(VcdWriter& vcd, std::uint64_t cycle_ps) = 0;
    // The clocks from here on start at `now_ps`, or where the previous ones ended if later.
    virtual void begin_clocks(std::uint64_t now_ps) = 0;
    virtual void reset() = 0;
    virtual void configure(std::uint32_t address, std::uint32_t value) = 0;
    // Clocks one search from its start edge; the edges until victim_valid, 0 if not by edge_limit.
    virtual std::uint64_t clock_search(const Lanes& lanes, std::uint64_t edge_limit) = 0;
    // The registered victim (found, index, score) after a search.
    virtual Search victim() const = 0;
};

namespace {

constexpr int kIndexBits = 24;  // the verilated INDEX_BITS (CMakeLists.txt)

template <class Model, int kScoreBits>
class ColumnOf final : public RtlEvictor::Column {
public:
    // In the thread's Verilator context, the refresh block's: a context of its own would be the
    // thread's after its first eval, and gone when the refresh block's scopes are erased at its end.
    ColumnOf() : rtl_(std::make_unique<Model>("systolic_evictor")) {}
    ~ColumnOf() override { rtl_->final(); }

    void trace(VcdWriter& vcd, std::uint64_t cycle_ps) override {
        vcd_ = &vcd;
        cycle_ps_ = cycle_ps;
        Model& m = *rtl_;
        const auto* root = m.rootp;
        // The clock at both edges, the inputs (driven before the falling edge) at the falling
        // edge, the registers and outputs at the rising edge.
        probe(Edge::both, "clk", 1, [&m] { return m.clk; });
        probe(Edge::falling, "rst_n", 1, [&m] { return m.rst_n; });
        probe(Edge::falling, "cfg_we", 1, [&m] { return m.cfg_we; });
        probe(Edge::falling, "cfg_addr", 1, [&m] { return m.cfg_addr; });
        probe(Edge::falling, "cfg_wdata", kIndexBits, [&m] { return m.cfg_wdata; });
        probe(Edge::falling, "start", 1, [&m] { return m.start; });
        probe(Edge::falling, "tokens", kIndexBits, [&m] { return m.tokens; });
        probe(Edge::falling, "wave_in", 1, [&m] { return m.wave_in; });
        probe(Edge::rising, "victim_valid", 1, [&m] { return m.victim_valid; });
        probe(Edge::rising, "victim_found", 1, [&m] { return m.victim_found; });
        probe(Edge::rising, "victim_index", kIndexBits, [&m] { return m.victim_index; });
        probe(Edge::rising, "victim_score", kScoreBits, [&m] { return m.victim_score; });
        probe(Edge::rising, "sinks", kIndexBits, [root] { return root->systolic_evictor__DOT__sinks; });
        probe(Edge::rising, "recent", kIndexBits, [root] { return root->systolic_evictor__DOT__recent; });
        probe(Edge::rising, "tokens_q", kIndexBits, [root] { return root->systolic_evictor__DOT__tokens_q; });
        probe(Edge::rising, "next_base", kIndexBits, [root] { return root->systolic_evictor__DOT__next_base; });
        for (std::uint64_t r = 0; r < RtlEvictor::kRows; ++r) {
            const std::string row = "row" + std::to_string(r) + ".";
            probe(Edge::falling, row + "score", kScoreBits, [&m, r] { return get_lane(m.row_score.data(), r, kScoreBits); });
            probe(Edge::falling, row + "logit", kScoreBits, [&m, r] { return get_lane(m.row_logit.data(), r, kScoreBits); });
            probe(Edge::rising, row + "score_out", kScoreBits,
                  [&m, r] { return get_lane(m.row_score_out.data(), r, kScoreBits); });
            const auto lane_of = [this, &row, r](const char* name, int width, const auto& packed) {
                probe(Edge::rising, row + name, width, [&packed, r, width] { return get_lane(words_of(packed), r, width); });
            };
            lane_of("live_q", 1, root->systolic_evictor__DOT__live_q);
            lane_of("base_q", kIndexBits, root->systolic_evictor__DOT__base_q);
            lane_of("found_q", 1, root->systolic_evictor__DOT__found_q);
            lane_of("min_q", kScoreBits, root->systolic_evictor__DOT__min_q);
            lane_of("idx_q", kIndexBits, root->systolic_evictor__DOT__idx_q);
        }
    }

    void begin_clocks(std::uint64_t now_ps) override {
        origin_ps_ = std::max(now_ps, free_ps_);
        origin_cycle_ = cycle_;
    }

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
        clear_rows();
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
    static constexpr std::size_t kPortWords = (RtlEvictor::kRows * kScoreBits + kWordBits - 1) / kWordBits;
    enum class Edge { falling, rising, both };
    struct Probe {
        std::size_t timed;
        std::function<std::uint64_t()> read;
        std::optional<std::uint64_t> written;
    };

    void probe(Edge edge, const std::string& name, int width, std::function<std::uint64_t()> read) {
        const std::optional<std::size_t> timed = vcd_->add_timed("pe.evictor." + name, width);
        if (!timed) return;
        if (edge != Edge::rising) falling_.push_back(probes_.size());
        if (edge != Edge::falling) rising_.push_back(probes_.size());
        probes_.push_back({*timed, std::move(read), std::nullopt});
    }

    // The falling edge opens the cycle, the rising edge is halfway: each probe's change at each.
    void clock() {
        const std::uint64_t cycle_start_ps = origin_ps_ + (cycle_ - origin_cycle_) * cycle_ps_;
        rtl_->clk = 0;
        rtl_->eval();
        sample(falling_, cycle_start_ps);
        rtl_->clk = 1;
        rtl_->eval();
        sample(rising_, cycle_start_ps + cycle_ps_ / 2);
        ++cycle_;
        free_ps_ = cycle_start_ps + cycle_ps_;
    }

    void sample(const std::vector<std::size_t>& probes, std::uint64_t time_ps) {
        if (!vcd_ || !vcd_->takes_changes()) return;
        for (const std::size_t i : probes) {
            Probe& p = probes_[i];
            const std::uint64_t value = p.read();
            if (p.written == value) continue;
            vcd_->change_at(p.timed, time_ps, value);
            p.written = value;
        }
    }

    // The rows off the front carry zeros, so each search starts from clear lanes.
    void clear_rows() {
        std::fill_n(rtl_->row_score.data(), kPortWords, 0);
        std::fill_n(rtl_->row_logit.data(), kPortWords, 0);
    }

    // Only the rows the front is at change, and the one its last wave has just left.
    void drive_rows(const Lanes& lanes, std::uint64_t edge, std::uint64_t waves) {
        const std::uint64_t tokens = lanes.scores.size();
        const Front front = front_at(edge, waves);
        if (front.first > 0 && front.first <= RtlEvictor::kRows) {
            put_lane(rtl_->row_score.data(), front.first - 1, kScoreBits, 0);
            put_lane(rtl_->row_logit.data(), front.first - 1, kScoreBits, 0);
        }
        for (std::uint64_t r = front.first; r < front.end; ++r) {
            const std::uint64_t index = token_at(edge, r);
            put_lane(rtl_->row_score.data(), r, kScoreBits, index < tokens ? lanes.scores[index] : 0);
            if (lanes.logits)
                put_lane(rtl_->row_logit.data(), r, kScoreBits, index < tokens ? (*lanes.logits)[index] : 0);
        }
    }

    void read_written(std::uint64_t edge, std::uint64_t waves, std::vector<std::uint64_t>& written) const {
        const Front front = front_at(edge, waves);
        for (std::uint64_t r = front.first; r < front.end; ++r) {
            const std::uint64_t index = token_at(edge, r);
            if (index < written.size()) written[index] = get_lane(rtl_->row_score_out.data(), r, kScoreBits);
        }
    }

    std::unique_ptr<Model> rtl_;
    std::uint64_t cycle_ = 0;
    VcdWriter* vcd_ = nullptr;  // none: not traced
    std::vector<Probe> probes_;
    std::vector<std::size_t> falling_, rising_;  // the probes sampled after each edge
    std::uint64_t cycle_ps_ = 0;
    std::uint64_t origin_ps_ = 0, origin_cycle_ = 0;  // where the current clocks started
    std::uint64_t free_ps_ = 0;                       // where the last clock ended
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

void RtlEvictor::trace_rtl(sc_core::sc_trace_file* file, std::uint64_t cycle_ps) {
    if (auto* vcd = dynamic_cast<VcdWriter*>(file)) column_->trace(*vcd, cycle_ps);
}

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
    column_->begin_clocks(sc_core::sc_time_stamp().value());  // a tick is 1 ps (units.h)
    if (!reset_done_) {
        column_->reset();
        reset_done_ = true;
    }
    if (sinks != sinks_) column_->configure(kAddrSinks, static_cast<std::uint32_t>(sinks_ = sinks));
    if (recent != recent_) column_->configure(kAddrRecent, static_cast<std::uint32_t>(recent_ = recent));
    const std::uint64_t expected = search_cycles(scores.size());
    const std::uint64_t cycles = column_->clock_search(Lanes{scores, logits, written}, expected);
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
