// The KV cache's way to its memories: the on-chip KV store (eDRAM or SRAM, `kv` socket) and
// the DRAM it spills to (`dram` socket). An Extent's `onchip` picks the socket, so placement
// (kv_layout.h) alone decides where a transfer goes; liveness hints go to the on-chip store
// only, since DRAM refreshes itself.
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
        return issuer_.memory(extent.onchip ? kv_ : dram_, command, extent.address, extent.bytes, t_ns);
    }
    // Tells the on-chip store that its pieces among `pieces[0, count)` start or stop holding data.
    void hint(const Extent* pieces, int count, bool live, double t_ns);
    // The data of the next transfer (functional mode): fill it before a write, read it after a read.
    unsigned char* data(std::uint64_t bytes) { return issuer_.data(bytes); }

private:
    Socket& kv_;
    Socket& dram_;
    TransactionIssuer issuer_;
    LivenessHint hint_;
};

}  // namespace kelle
