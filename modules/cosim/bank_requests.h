// The per-bank request pins of an RTL refresh block, slot by slot: a RefreshBurst carries the
// block's cmd_valid / cmd_bank outputs but not its bank_req, so the lockstep (lockstep_refresh.h)
// reads them here and checks them against the banks of the TLM model's bursts of the same slot.
#pragma once

#include <cstdint>
#include <vector>

namespace kelle {

struct SlotBankRequests {
    std::uint64_t slot_ps = 0;
    std::uint64_t banks = 0;  // bit b: bank b was requested
};

class BankRequestPins {
public:
    virtual ~BankRequestPins() = default;
    // From now on keep every slot's bank_req until it is popped (off by default: it would grow).
    virtual void record_bank_requests() = 0;
    // Appends those of slots at or before now_ns, in slot order.
    virtual void pop_bank_requests(double now_ns, std::vector<SlotBankRequests>& out) = 0;
};

}  // namespace kelle
