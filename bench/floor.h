// The raw cost of a TLM transaction on this machine: an initiator and a target that do nothing
// but b_transport, so the platform's cost per transaction can be read as a multiple of it.
//   loosely timed: the target adds a delay, the initiator keeps it as a local offset (no wait());
//   wait: the same, and the initiator wait()s out the delay after every transaction, as an
//         initiator without temporal decoupling does (one SystemC context switch each).
#pragma once

#include <cstdint>

namespace kelle_bench {

struct FloorNs {
    double loosely_timed_ns = 0;  // wall ns per transaction
    double with_wait_ns = 0;
};

// Elaborates the pair and runs sc_start: call it once per process, before nothing else does.
FloorNs measure_floor(std::uint64_t loosely_timed_transactions, std::uint64_t wait_transactions);

}  // namespace kelle_bench
