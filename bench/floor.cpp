#include "floor.h"

#include <chrono>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace kelle_bench {

namespace {

struct EmptyTarget : sc_core::sc_module {
    tlm_utils::simple_target_socket<EmptyTarget> target_socket;

    explicit EmptyTarget(sc_core::sc_module_name name) : sc_core::sc_module(name), target_socket("target_socket") {
        target_socket.register_b_transport(this, &EmptyTarget::b_transport);
    }

    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
        delay += sc_core::sc_time(10, sc_core::SC_NS);
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

struct EmptyInitiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<EmptyInitiator> initiator_socket;
    std::uint64_t loosely_timed_transactions;
    std::uint64_t wait_transactions;
    FloorNs result;

    EmptyInitiator(sc_core::sc_module_name name, std::uint64_t loosely_timed, std::uint64_t with_wait)
        : sc_core::sc_module(name), initiator_socket("initiator_socket"),
          loosely_timed_transactions(loosely_timed), wait_transactions(with_wait) {
        SC_HAS_PROCESS(EmptyInitiator);
        SC_THREAD(run);
    }

    // Wall ns per transaction over `count` transactions, waiting out each delay or not.
    double time_loop(std::uint64_t count, bool wait_each) {
        tlm::tlm_generic_payload payload;
        unsigned char data[64] = {};
        payload.set_data_ptr(data);
        payload.set_data_length(sizeof data);
        payload.set_streaming_width(sizeof data);
        sc_core::sc_time offset = sc_core::SC_ZERO_TIME;
        const auto start = std::chrono::steady_clock::now();
        for (std::uint64_t i = 0; i < count; ++i) {
            payload.set_command(i % 2 ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
            payload.set_address((i * 64) % 4096);
            payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            initiator_socket->b_transport(payload, offset);
            if (wait_each) {
                sc_core::wait(offset);
                offset = sc_core::SC_ZERO_TIME;
            }
        }
        const double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
        return wall_ns / static_cast<double>(count);
    }

    void run() {
        result.loosely_timed_ns = time_loop(loosely_timed_transactions, false);
        result.with_wait_ns = time_loop(wait_transactions, true);
    }
};

}  // namespace

FloorNs measure_floor(std::uint64_t loosely_timed_transactions, std::uint64_t wait_transactions) {
    EmptyInitiator initiator("floor_initiator", loosely_timed_transactions, wait_transactions);
    EmptyTarget target("floor_target");
    initiator.initiator_socket.bind(target.target_socket);
    sc_core::sc_start();
    return initiator.result;
}

}  // namespace kelle_bench
