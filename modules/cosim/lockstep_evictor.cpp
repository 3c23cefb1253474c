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

std::size_t LockstepEvictor::least_important(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    const std::size_t tlm = least_important_scan(head, sinks, recent);
    std::size_t rtl = 0;
    try {
        rtl = rtl_->least_important(head, sinks, recent);
    } catch (const RtlFault& fault) {  // a block that gives no victim, or late, differs too
        throw CosimMismatch(sc_core::sc_time_stamp().to_seconds() * 1e9, "evictor", victim_text(head, tlm), fault.what());
    }
    if (tlm != rtl)
        throw CosimMismatch(sc_core::sc_time_stamp().to_seconds() * 1e9, "evictor", victim_text(head, tlm),
                            victim_text(head, rtl));
    return tlm;
}

}  // namespace kelle
