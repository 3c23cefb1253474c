// Per-bank "busy until" timing of a banked memory (eDRAM, SRAM, the DRAM channel).
//
// Addresses are interleaved across banks in units of `interleave_bytes` (a row for the
// eDRAM), unless a BankMap is given (the eDRAM's byte-plane layout). An access of B bytes
// splits into per-bank chunks; each bank serves its chunk at `bank_bytes_per_ns` once it is
// free, so a bank is reserved for chunk / bandwidth, and the data is back `access_latency_ns`
// after the bank finishes. The access completes when its slowest bank does. This is the first-order model that DRAMSys-style controllers refine with
// command-level timing; it captures bandwidth, latency and bank conflicts (with other accesses
// and with refresh) without a process per bank or per beat.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace kelle {

// An access's bytes per bank, and the banks that have any: an access touches a few of many
// banks, so callers loop over touched() and clear() costs what the last split touched.
class BankSplit {
public:
    explicit BankSplit(int banks) : bytes_(static_cast<std::size_t>(banks), 0) {}

    void add(std::size_t bank, std::uint64_t bytes) {
        if (bytes == 0) return;
        std::uint64_t& held = bytes_[bank];
        if (held == 0) touched_.push_back(static_cast<int>(bank));
        held += bytes;
    }
    void clear() {
        for (const int bank : touched_) bytes_[static_cast<std::size_t>(bank)] = 0;
        touched_.clear();
    }
    const std::vector<std::uint64_t>& bytes() const { return bytes_; }  // per bank
    const std::vector<int>& touched() const { return touched_; }        // in the order first given bytes

private:
    std::vector<std::uint64_t> bytes_;
    std::vector<int> touched_;
};

// How a memory other than a plain interleaved one places addresses on its banks.
class BankMap {
public:
    virtual ~BankMap() = default;
    // Adds to `out` the bytes of [address, address + bytes) that each bank holds.
    virtual void split(std::uint64_t address, std::uint64_t bytes, BankSplit& out) const = 0;
};

struct BankGeometry {
    int banks = 1;
    std::uint64_t interleave_bytes = 0;
    double bank_bytes_per_ns = 0;
    double access_latency_ns = 0;
};

struct AccessTiming {
    double start_ns = 0;       // when the first bank began serving it
    double complete_ns = 0;    // when the last byte is back
    double wait_ns = 0;        // how long the latest-starting bank made it wait past arrival
};

class BankedTiming {
public:
    explicit BankedTiming(const BankGeometry& geometry);

    // Places addresses on banks by `map` from now on, instead of interleaving them.
    void use_bank_map(std::shared_ptr<const BankMap> map) { bank_map_ = std::move(map); }

    // Serves [address, address + bytes) arriving at `arrival_ns`; reserves the banks it uses.
    AccessTiming access(double arrival_ns, std::uint64_t address, std::uint64_t bytes);

    // Reserves one bank for `duration_ns` from `earliest_ns` or from when it frees, whichever
    // is later (refresh waits for an access in flight); returns the start.
    // Inline: the eDRAM calls it at every refresh burst.
    double reserve(int bank, double earliest_ns, double duration_ns) {
        const double start = std::max(earliest_ns, busy_until_ns_[bank]);
        busy_until_ns_[bank] = start + duration_ns;
        return start;
    }

    double busy_until_ns(int bank) const { return busy_until_ns_[bank]; }
    const BankGeometry& geometry() const { return geometry_; }

    // Bytes of [address, address + bytes) that fall in each bank (size: banks). Exposed
    // because the eDRAM also needs the banks an access touches.
    const std::vector<std::uint64_t>& split(std::uint64_t address, std::uint64_t bytes);
    // The banks the last split gave bytes to: callers loop over these, not over all.
    const std::vector<int>& split_banks() const { return split_.touched(); }

private:
    void split_interleaved(std::uint64_t address, std::uint64_t bytes);

    BankGeometry geometry_;
    std::shared_ptr<const BankMap> bank_map_;  // null: interleaved by interleave_bytes
    std::vector<double> busy_until_ns_;
    BankSplit split_;  // reused by split(): no allocation per access
};

}  // namespace kelle
