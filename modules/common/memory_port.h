// The part every memory target shares: serve a TLM read/write through a BankedTiming, turn
// the completion time into the annotated delay, and count bytes and access energy.
#pragma once

#include <cstdint>
#include <tlm>

#include "common/banked_timing.h"

namespace kelle {

struct MemoryStats {
    std::uint64_t transactions = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t write_bytes = 0;
    double access_energy_pj = 0;
};

class MemoryPort {
public:
    MemoryPort(const BankGeometry& geometry, double pj_per_byte)
        : timing_(geometry), pj_per_byte_(pj_per_byte) {}

    // Serves `payload` arriving at now + delay; adds the access time to `delay`.
    // Rejects commands other than read/write with TLM_COMMAND_ERROR_RESPONSE.
    AccessTiming serve(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    // The same, for a caller that has the arrival time (now + delay) at hand already.
    AccessTiming serve(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay, double arrival_ns);

    // Counts a zero-time control transaction (a liveness hint) that moves no data.
    void count_control() { ++stats_.transactions; }

    BankedTiming& timing() { return timing_; }
    const MemoryStats& stats() const { return stats_; }

private:
    BankedTiming timing_;
    double pj_per_byte_;
    MemoryStats stats_;
};

}  // namespace kelle
