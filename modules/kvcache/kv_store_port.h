// The KV cache's way to its memories: the on-chip KV store (eDRAM or SRAM, `kv` socket) and
// the DRAM it spills to (`dram` socket). An Extent's `onchip` picks the socket, so placement
// (kv_layout.h) alone decides where a transfer goes; liveness hints go to the on-chip store
// only, since DRAM refreshes itself.
//
// Hint runs: a prompt takes a region's slots in order, so its per-slot liveness hints cover
// adjacent addresses. Inside with_hint_runs(), a hint that continues the previous one (the next
// address of every piece, the same state, the same time) extends it, and a run goes out as one
// hint per piece when a hint breaks it, before any transfer, and when the work ends. The store
// sees the same liveness: hints take no simulated time, and a run leaves before the kernel's
// time can move on (the work issues everything at one time and never waits), so no refresh
// burst falls between the hints of a run. What changes is the number of hint transactions.
#pragma once

#include <cstdint>
#include <tlm>

#include "common/commands.h"
#include "common/initiator.h"
#include "kvcache/kv_layout.h"

namespace kelle {

class KvStorePort {
public:
    using Socket = tlm::tlm_initiator_socket<>;
    KvStorePort(Socket& kv, Socket& dram) : kv_(kv), dram_(dram) {}

    // Reads or writes `extent`, issued at absolute t_ns; returns the absolute completion time.
    double transfer(const Extent& extent, tlm::tlm_command command, double t_ns) {
        send_run();
        return issuer_.memory(extent.onchip ? kv_ : dram_, command, extent.address, extent.bytes, t_ns);
    }
    // The bytes `extent` holds now, without time or traffic (TLM debug transport): what a read
    // issued now would return. Only the on-chip store is asked.
    void peek(const Extent& extent, unsigned char* data) {
        debug_.set_command(tlm::TLM_READ_COMMAND);
        debug_.set_address(extent.address);
        debug_.set_data_ptr(data);
        debug_.set_data_length(static_cast<unsigned int>(extent.bytes));
        kv_->transport_dbg(debug_);
    }
    // Tells the on-chip store that its pieces among `pieces[0, count)` start or stop holding data.
    void hint(const Extent* pieces, int count, bool live, double t_ns);
    // Runs work() with adjacent hints joined into runs (above). work() must not wait().
    template <class Work>
    void with_hint_runs(Work work) {
        joining_ = true;
        work();
        joining_ = false;
        send_run();
    }
    // The data of the next transfer (functional mode): fill it before a write, read it after a read.
    unsigned char* data(std::uint64_t bytes) { return issuer_.data(bytes); }

private:
    bool continues_run(const Extent* pieces, int count, bool live, double t_ns) const;
    void send_run();

    Socket& kv_;
    Socket& dram_;
    TransactionIssuer issuer_;
    tlm::tlm_generic_payload debug_;
    LivenessHint hint_;
    bool joining_ = false;
    Extent run_[2];     // the run's on-chip pieces so far
    int run_count_ = 0;  // 0: no run
    bool run_live_ = false;
    double run_t_ns_ = 0;
};

}  // namespace kelle
