#include "cosim/lockstep_evictor.h"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <systemc>

#include "cosim/evictor_lanes.h"
#include "cosim/rtl_fault.h"

namespace kelle {

namespace {
double now_ns() { return static_cast<double>(sc_core::sc_time_stamp().value()) * 1e-3; }

// The importance with enough digits to tell any two doubles apart (17 significant), and the head
// by its size: two victims of equal printed importance are different values or the same tie.
std::string victim_text(const HeadCache& head, std::size_t index) {
    std::ostringstream text;
    text << "victim " << index << " of " << head.size();
    if (index < head.size())
        text << " (position " << head.tokens()[index].position << ", importance " << std::setprecision(17)
             << head.importance(index) << ")";
    return text.str();
}
}  // namespace

LockstepEvictor::LockstepEvictor(std::unique_ptr<EvictionUnit> rtl, int score_bits)
    : rtl_(std::move(rtl)), lanes_(dynamic_cast<LaneSearcher*>(rtl_.get())), score_bits_(score_bits) {
    translate_faults(kSystolicEvictorBlock, [this](const RtlFault& fault) {
        failed_ = true;
        return CosimMismatch(now_ns(), block_, tlm_text_(), fault.what());
    });
    if (lanes_) check_corner_cases(*lanes_);
}

void LockstepEvictor::check_corner_cases(LaneSearcher& rtl) {
    for (const LaneSearch& corner : directed_corner_cases(kRows, score_bits_)) {
        const LaneResult tlm = reference_search(corner, score_bits_);
        block_ = "evictor (start-up corner case: " + corner.name + ")";
        tlm_text_ = [&tlm] { return lane_text(tlm, tlm.written.size()); };
        const LaneResult answer = rtl.search_lanes(corner);
        if (failed_) break;  // a fault, translated
        const std::size_t reg = first_written_difference(tlm, answer);
        if (answer.found != tlm.found || (tlm.found && answer.index != tlm.index)) reg_fail(tlm, answer, tlm.written.size());
        else if (reg < tlm.written.size()) reg_fail(tlm, answer, reg);
        if (failed_) break;
        ++coverage_.startup_corner_cases;
    }
    block_ = "evictor";
    tlm_text_ = [this] { return victim_text(*head_, tlm_victim_); };
}

void LockstepEvictor::reg_fail(const LaneResult& tlm, const LaneResult& rtl, std::size_t reg) {
    const std::size_t at = reg < tlm.written.size() ? reg : std::max(tlm.written.size(), rtl.written.size());
    fail(now_ns(), lane_text(tlm, at), lane_text(rtl, at));
}

LockstepEvictor::~LockstepEvictor() { stop_translating_faults(kSystolicEvictorBlock); }

void LockstepEvictor::fail(double t_ns, const std::string& tlm, const std::string& rtl) {
    if (failed_) return;  // the first difference is the one reported
    failed_ = true;
    raise(CosimMismatch(t_ns, block_, tlm, rtl));
}

std::size_t LockstepEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    head_ = &head;
    if (failed_) return least_important_scan(head, sinks, recent);  // the run is stopping
    tlm_victim_ = least_important_scan(head, sinks, recent);
    coverage_.count(head, sinks, recent, tlm_victim_);
    if (lanes_ && !head.registers().exact()) {
        check_registers(*lanes_, head, sinks, recent);
        return tlm_victim_;
    }
    const std::size_t rtl = rtl_->least_important(head, sinks, recent);  // a fault is translated above
    if (rtl != tlm_victim_) fail(now_ns(), victim_text(head, tlm_victim_), victim_text(head, rtl));
    return tlm_victim_;
}

void LockstepEvictor::check_registers(LaneSearcher& rtl, const HeadCache& head, std::size_t sinks, std::size_t recent) {
    search_.scores.clear();
    search_.logits.clear();
    for (std::size_t i = 0; i < head.size(); ++i) {
        const ScoreLane lane = head.score_lane(i);
        search_.scores.push_back(lane.before);
        search_.logits.push_back(lane.lane);
    }
    search_.sinks = sinks;
    search_.recent = recent;
    const LaneResult answer = rtl.search_lanes(search_);  // a fault is translated above
    if (failed_) return;
    if (!answer.found || answer.index != tlm_victim_) {
        fail(now_ns(), victim_text(head, tlm_victim_), answer.found ? victim_text(head, answer.index) : "no victim");
        return;
    }
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (static_cast<double>(answer.written[i]) == head.importance(i)) continue;
        const std::string token = "register " + std::to_string(i) + " of " + std::to_string(head.size()) +
                                  " (position " + std::to_string(head.tokens()[i].position) + ") ";
        fail(now_ns(), token + std::to_string(static_cast<std::uint64_t>(head.importance(i))),
             token + std::to_string(answer.written[i]));
        return;
    }
}

void EvictorCoverage::count(const HeadCache& head, std::size_t sinks, std::size_t recent, std::size_t victim) {
    const std::size_t window = head.size() - std::min(recent, head.size());
    const double least = head.importance(victim);
    bool tie = false, saturated = false, sink_below = false, recent_below = false;
    for (std::size_t i = 0; i < head.size(); ++i) {
        const double importance = head.importance(i);
        saturated |= !head.registers().exact() && importance >= head.registers().max();
        if (i < sinks) sink_below |= importance < least;
        else if (i >= window) recent_below |= importance < least;
        else tie |= i != victim && importance == least;
    }
    ++searches;
    ties += tie;
    this->saturated += saturated;
    sink_protected += sink_below;
    recent_protected += recent_below;
    victim_at_window_edge += victim + 1 == window;
}

void LockstepEvictor::report_stats(StatsReport& report) const {
    report.set("cosim.evictor_coverage", {{"searches", coverage_.searches},
                                          {"ties", coverage_.ties},
                                          {"saturated", coverage_.saturated},
                                          {"sink_protected", coverage_.sink_protected},
                                          {"recent_protected", coverage_.recent_protected},
                                          {"victim_at_window_edge", coverage_.victim_at_window_edge},
                                          {"startup_corner_cases", coverage_.startup_corner_cases}});
}

}  // namespace kelle
