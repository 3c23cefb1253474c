// Issuing TLM transactions from a model: one reusable payload per initiator, sizes that are
// real, times that are absolute.
//
// Timing-mode targets never touch the data array (they account bytes, time and energy), but
// the TLM-2.0 rules want a valid pointer of the stated length, so the initiator keeps one
// scratch buffer grown to its largest transfer: no allocation per transaction once warm.
//
// Granularity (sim.transaction_bytes): by default a transfer is one transaction, however long
// (a whole weight matrix, a region's compacted K/V). With a limit, every initiator cuts longer
// transfers into transactions of at most that many bytes, all issued at the transfer's time:
// bandwidth-bound targets then finish the last piece when they would have finished the whole, so
// timing and energy stay the same (up to rounding), while the transaction count grows; it is the
// knob for measuring per-transaction cost and for targets that want bus-sized transactions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <tlm>
#include <vector>

#include "common/units.h"

namespace kelle {

class TransactionIssuer {
public:
    TransactionIssuer() = default;
    TransactionIssuer(const TransactionIssuer&) = delete;
    TransactionIssuer& operator=(const TransactionIssuer&) = delete;
    // A run stopped inside a command (sc_stop on an RTL fault or a lockstep mismatch leaves the
    // issuing thread suspended, never unwound) still has the caller's extension attached: detach
    // it, or the payload's destructor would free an object it does not own.
    ~TransactionIssuer() {
        for (unsigned int index = 0; index < tlm::max_num_extensions(); ++index) payload_.set_extension(index, nullptr);
    }

    // A memory read or write of `bytes` at `address`, issued at absolute time `at_ns`
    // (>= now, loosely timed); returns the absolute completion time.
    template <typename Socket>
    double memory(Socket& socket, tlm::tlm_command command, std::uint64_t address,
                  std::uint64_t bytes, double at_ns) {
        unsigned char* const whole = data(bytes);
        // A payload's length is 32 bits: larger transfers (a big batch's K/V) always go in pieces.
        const std::uint64_t piece_limit =
            std::min<std::uint64_t>(max_transaction_bytes_ == 0 ? bytes : max_transaction_bytes_, kMaxPayloadBytes);
        double done_ns = at_ns;
        std::uint64_t offset = 0;
        do {
            const std::uint64_t piece = std::min(piece_limit, bytes - offset);
            payload_.set_command(command);
            payload_.set_address(address + offset);
            payload_.set_data_ptr(whole + offset);
            payload_.set_data_length(static_cast<unsigned int>(piece));
            payload_.set_streaming_width(static_cast<unsigned int>(piece));
            payload_.set_byte_enable_ptr(nullptr);
            done_ns = std::max(done_ns, send(socket, at_ns));
            offset += piece;
        } while (offset < bytes);
        return done_ns;
    }

    // The largest memory transaction of every initiator (0: no limit); the platform sets it from
    // sim.transaction_bytes before simulation starts, like TLM's global quantum.
    static void set_max_transaction_bytes(std::uint64_t bytes) { max_transaction_bytes_ = bytes; }

    // A command carried by `extension` (see commands.h); returns the absolute completion time.
    template <typename Socket, typename Extension>
    double command(Socket& socket, Extension& extension, double at_ns) {
        payload_.set_command(tlm::TLM_IGNORE_COMMAND);
        payload_.set_address(0);
        payload_.set_data_ptr(nullptr);
        payload_.set_data_length(0);
        payload_.set_extension(&extension);
        // The extension is the caller's object: detach it even when a target throws, or the
        // payload's destructor would free it.
        struct Detach {
            tlm::tlm_generic_payload& payload;
            Extension& extension;
            ~Detach() { payload.clear_extension(&extension); }
        } detach{payload_, extension};
        return send(socket, at_ns);
    }

    // The data array of the next memory transaction (at least `bytes` long): fill it before a
    // write, read it after a read. Functional models use it; timing-only ones ignore it.
    unsigned char* data(std::uint64_t bytes) {
        if (scratch_bytes_ < bytes) {
            // Default-initialised, not zero-filled: a timing-mode weight stream of 180 MB (one
            // LLaMA-2-7B FFN matrix) then costs address space, not resident memory.
            scratch_.reset(new unsigned char[bytes]);
            scratch_bytes_ = bytes;
        }
        return scratch_.get();
    }

private:
    template <typename Socket>
    double send(Socket& socket, double at_ns) {
        payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = from_ns(at_ns - now_ns());
        socket->b_transport(payload_, delay);
        if (payload_.is_response_error())
            SC_REPORT_ERROR(socket.name(), ("transaction failed: " + payload_.get_response_string() +
                                            " at address " + std::to_string(payload_.get_address()) +
                                            ", " + std::to_string(payload_.get_data_length()) + " bytes")
                                               .c_str());
        // A target may wait() inside b_transport: the delay it returns counts from the new now.
        return now_ns() + to_ns(delay);
    }

    tlm::tlm_generic_payload payload_;
    static constexpr std::uint64_t kMaxPayloadBytes = std::uint64_t{1} << 31;
    static inline std::uint64_t max_transaction_bytes_ = 0;
    std::unique_ptr<unsigned char[]> scratch_;
    std::uint64_t scratch_bytes_ = 0;
};

// Temporal decoupling (sim.quantum_ns): an initiator runs ahead of simulated time, issuing at
// its own local time with annotated delays, until it is a quantum or more ahead; only then does
// it wait() for the kernel to catch up. This is tlm_utils::tlm_quantumkeeper's rule with the
// quantum taken from the module's config rather than the kernel-wide global quantum.
// Quantum 0 waits at every sync point, which is what keeps every result exact: time-driven
// processes (the eDRAM refresh) then act in time order with the initiator's accesses.
class QuantumKeeper {
public:
    explicit QuantumKeeper(double quantum_ns = 0) : quantum_ns_(quantum_ns) {}

    // Whether an initiator at local time t_ns goes on without waiting: it is under a quantum ahead.
    bool may_run_ahead(double t_ns) const { return quantum_ns_ > 0 && t_ns - now_ns() < quantum_ns_; }

    // Waits until simulated time reaches t_ns (to the kernel's resolution of 1 ps).
    static void wait_until(double t_ns) {
        const double now = now_ns();
        if (t_ns > now) sc_core::wait(from_ns(t_ns - now));
    }

private:
    double quantum_ns_;
};

}  // namespace kelle
