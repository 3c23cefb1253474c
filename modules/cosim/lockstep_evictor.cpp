#include "cosim/lockstep_evictor.h"

#include <iomanip>
#include <sstream>
#include <systemc>

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

LockstepEvictor::LockstepEvictor(std::unique_ptr<EvictionUnit> rtl) : rtl_(std::move(rtl)) {
    translate_faults(kSystolicEvictorBlock, [this](const RtlFault& fault) {
        failed_ = true;
        return CosimMismatch(now_ns(), "evictor", victim_text(*head_, tlm_victim_), fault.what());
    });
}

LockstepEvictor::~LockstepEvictor() { stop_translating_faults(kSystolicEvictorBlock); }

void LockstepEvictor::fail(double t_ns, const std::string& tlm, const std::string& rtl) {
    if (failed_) return;  // the first difference is the one reported
    failed_ = true;
    raise(CosimMismatch(t_ns, "evictor", tlm, rtl));
}

std::size_t LockstepEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    head_ = &head;
    tlm_victim_ = least_important_scan(head, sinks, recent);
    const std::size_t rtl = rtl_->least_important(head, sinks, recent);  // a fault is translated above
    if (rtl != tlm_victim_) fail(now_ns(), victim_text(head, tlm_victim_), victim_text(head, rtl));
    return tlm_victim_;
}

}  // namespace kelle
