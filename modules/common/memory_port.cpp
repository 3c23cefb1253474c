#include "common/memory_port.h"

#include "common/units.h"

namespace kelle {

AccessTiming MemoryPort::serve(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    return serve(payload, delay, now_ns() + to_ns(delay));
}

AccessTiming MemoryPort::serve(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay, double arrival_ns) {
    const tlm::tlm_command command = payload.get_command();
    if (command != tlm::TLM_READ_COMMAND && command != tlm::TLM_WRITE_COMMAND) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return {};
    }
    const std::uint64_t bytes = payload.get_data_length();
    const AccessTiming timing = timing_.access(arrival_ns, payload.get_address(), bytes);
    delay += from_ns(timing.complete_ns - arrival_ns);

    ++stats_.transactions;
    (command == tlm::TLM_READ_COMMAND ? stats_.read_bytes : stats_.write_bytes) += bytes;
    stats_.access_energy_pj += static_cast<double>(bytes) * pj_per_byte_;
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    return timing;
}

}  // namespace kelle
