// The PeArray's weight path through a weight SRAM (sram.weight_kb > 0), and the eviction unit's
// latency (pe.evictor_latency), each against a hand count. Each TEST_CASE elaborates its own
// design; ctest runs each in a process of its own.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "dram/dram.h"
#include "pe_array/pe_array.h"
#include "sram/sram.h"

using namespace kelle;

namespace {
// Round numbers: 1 GHz 32 x 32 array, DRAM 25.6 B/ns with no latency. The weight SRAM is 4 KB,
// so two 2 KB halves (banks), each moving 12.8 B/ns (half the DRAM's rate, to make it the bound)
// after a 1-cycle (1 ns) access, at 1 pJ/B and 10 mW/MB.
SramConfig sram_config() {
    SramConfig c{1, 64, 1000, 64, 1, 1, 10, 1024, 0};
    c.weight_kb = 4;
    c.weight_gbps = 12.8;
    return c;
}

PeConfig pe_config(std::uint64_t weight_sram_bytes, EvictorLatency latency = EvictorLatency::search) {
    PeConfig c;
    c.clock_mhz = 1000;
    c.geometry = PeGeometry{32, 32, 32, 32};
    c.mac_pj = 0.5;
    c.compare_pj = 0.05;
    c.evictor_latency = latency;
    c.buffer_bytes = 1 << 20;
    c.weight_sram_bytes = weight_sram_bytes;
    return c;
}

struct Bench : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Bench> socket{"socket"};
    Dram dram{"dram", DramConfig{25.6, 0, 15, 0}};
    Sram buffer{"buffer", sram_config(), 1 << 20, SramRole::buffer};
    Sram weights{"weights", sram_config().weight_sram(), 4096, SramRole::weights};
    PeArray pe;
    PeCommand command;
    double done_ns = -1;

    Bench(sc_core::sc_module_name name, const PeConfig& config) : sc_core::sc_module(name), pe("pe", config) {
        socket.bind(pe.target_socket);
        pe.dram_socket.bind(dram.target_socket);
        pe.buffer_socket.bind(buffer.target_socket);
        pe.weight_sram_socket.bind(weights.target_socket);  // used only when config.weight_sram_bytes > 0
        SC_HAS_PROCESS(Bench);
        SC_THREAD(run);
    }
    void run() { done_ns = issuer.command(socket, command, 0.0); }
    TransactionIssuer issuer;
};

// A 64 x 64 GEMV at 2 B a weight: 8192 B of weights, 4 x 2 = 8 tiles (8 cycles) of compute.
PeCommand gemv_64x64() {
    PeCommand c;
    c.kind = PeCommand::Kind::gemv;
    c.out_rows = 64;
    c.in_cols = 64;
    c.weight_bytes = 64 * 64 * 2;
    return c;
}

PeCommand search(std::uint64_t compare_elements) {
    PeCommand c;
    c.kind = PeCommand::Kind::eviction_search;
    c.compare_elements = compare_elements;
    return c;
}
}  // namespace

TEST_CASE("without a weight SRAM a GEMV's weights take the DRAM stream alone", "[pe][weights]") {
    Bench bench("bench", pe_config(0));
    bench.command = gemv_64x64();
    sc_core::sc_start();
    // 8192 B / 25.6 B/ns = 320 ns; the weight SRAM is never touched.
    CHECK(bench.done_ns == Approx(320.0).epsilon(1e-12));
    CHECK(bench.weights.stats().transactions == 0);
}

TEST_CASE("through a weight SRAM the weight time is the slowest of DRAM, fill and drain", "[pe][weights]") {
    Bench bench("bench", pe_config(4096));
    bench.command = gemv_64x64();
    sc_core::sc_start();
    // DRAM 8192 / 25.6 = 320 ns. The fill and the drain each move 8192 B through one 2 KB half at
    // 12.8 B/ns, side by side: 4 pieces of 2048 B queue on the half, 8192 / 12.8 = 640 ns, and the
    // last is back 1 ns later: max(320, 641, 641) = 641 ns (compute: 8 ns).
    CHECK(bench.done_ns == Approx(641.0).epsilon(1e-12));
    CHECK(bench.pe.stats().weight_stream_ns == Approx(641.0).epsilon(1e-12));
    CHECK(bench.pe.stats().weight_bytes == 8192);
    // Every weight byte is written in and read out once: 2 x 8192 B at 1 pJ/B; 4 pieces each way.
    CHECK(bench.weights.stats().write_bytes == 8192);
    CHECK(bench.weights.stats().read_bytes == 8192);
    CHECK(bench.weights.stats().access_energy_pj == Approx(16384.0));
    CHECK(bench.weights.stats().transactions == 8);
    CHECK(bench.dram.stats().read_bytes == 8192);
}

TEST_CASE("the weight SRAM leaks by its size", "[pe][weights]") {
    Bench bench("bench", pe_config(4096));
    // 4 KB at 10 mW/MB = 10 x 4096 / 1048576 mW.
    CHECK(bench.weights.static_mw() == Approx(10.0 * 4096.0 / 1048576.0));
}

TEST_CASE("a searching evictor adds its cycles", "[pe][evictor]") {
    Bench bench("bench", pe_config(0, EvictorLatency::search));
    bench.command = search(100);
    sc_core::sc_start();
    // ceil(100 compares / 32 lanes) = 4 cycles = 4 ns; 100 x 0.05 pJ.
    CHECK(bench.done_ns == Approx(4.0).epsilon(1e-12));
    CHECK(bench.pe.stats().compare_elements == 100);
    CHECK(bench.pe.stats().compute_energy_pj == Approx(5.0));
}

TEST_CASE("a hidden (systolic) evictor adds no time but the same compares and energy", "[pe][evictor]") {
    Bench bench("bench", pe_config(0, EvictorLatency::hidden));
    bench.command = search(100);
    sc_core::sc_start();
    // The argmin is ready as the last logit leaves QK^T: the search's 4 cycles are gone, its
    // 100 compares and 5 pJ stay.
    CHECK(bench.done_ns == 0.0);
    CHECK(bench.pe.stats().compare_elements == 100);
    CHECK(bench.pe.stats().compute_energy_pj == Approx(5.0));
}
