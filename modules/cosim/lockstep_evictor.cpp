#include "cosim/lockstep_evictor.h"

#include <sstream>
#include <systemc>

#include "cosim/rtl_fault.h"

namespace kelle {

namespace {
std::string victim_text(const HeadCache& head, std::size_t index) {
    std::ostringstream text;
    text << "victim " << index;
    if (index < head.size()) text << " (position " << head.tokens()[index].position << ", importance "
                                  << head.tokens()[index].importance << ")";
    return text.str();
}
}  // namespace

void LockstepEvictor::fail(double t_ns, const std::string& tlm, const std::string& rtl) {
    if (failed_) return;  // the first difference is the one reported
    failed_ = true;
    raise_in_process(std::make_exception_ptr(CosimMismatch(t_ns, "evictor", tlm, rtl)));
}

std::size_t LockstepEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    const std::size_t tlm = least_important_scan(head, sinks, recent);
    const double t_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
    try {
        const std::size_t rtl = rtl_->least_important(head, sinks, recent);
        if (rtl != tlm) fail(t_ns, victim_text(head, tlm), victim_text(head, rtl));
    } catch (const RtlFault& fault) {  // a block that gives no victim, or late, differs too
        fail(t_ns, victim_text(head, tlm), fault.what());
    }
    return tlm;
}

}  // namespace kelle
