// A KV cache's two memories for tests that drive KvCache itself: one target for the on-chip KV
// store and one for DRAM, both answering every transaction at once and counting the bytes they
// move, so a test checks what the cache decides and where its traffic goes, not any timing.
// Each test case that uses it elaborates SystemC (ctest runs each case in its own process).
#pragma once

#include <cstdint>
#include <functional>
#include <systemc>
#include <tlm_utils/simple_target_socket.h>

#include "kvcache/kv_cache.h"

namespace kelle_test {

class CountingTarget : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<CountingTarget> socket{"socket"};
    std::uint64_t bytes = 0;  // read or written (liveness hints carry no data)

    explicit CountingTarget(sc_core::sc_module_name name) : sc_core::sc_module(name) {
        socket.register_b_transport(this, &CountingTarget::b_transport);
    }

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time&) {
        if (payload.get_command() != tlm::TLM_IGNORE_COMMAND) bytes += payload.get_data_length();
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

// Runs `script` in a thread at time 0 with `kv`'s sockets bound to the two targets, then stops.
class KvDriver : public sc_core::sc_module {
public:
    CountingTarget store{"store"};
    CountingTarget dram{"dram"};

    KvDriver(sc_core::sc_module_name name, kelle::KvCache& kv, std::function<void()> script)
        : sc_core::sc_module(name), script_(std::move(script)) {
        kv.kv_socket.bind(store.socket);
        kv.dram_socket.bind(dram.socket);
        SC_HAS_PROCESS(KvDriver);
        SC_THREAD(run);
    }

private:
    void run() { script_(); }
    std::function<void()> script_;
};

}  // namespace kelle_test
