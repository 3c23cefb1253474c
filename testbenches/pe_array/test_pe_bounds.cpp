// The PeArray as a SystemC module between a DRAM channel and a buffer SRAM: which of the two
// (weight stream or array) bounds a matrix product, and that its time is that bound's formula.
// Each TEST_CASE elaborates its own design; ctest runs each in a process of its own.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "dram/dram.h"
#include "pe_array/pe_array.h"
#include "sram/sram.h"

using namespace kelle;

namespace {
// Clean numbers: 1 GHz 32 x 32 array, 25.6 GB/s DRAM with no latency, so a layer's time is
// exactly one of the two formulas; activations are not moved (input/output bytes 0). The array
// is the ideal one (tiles x vectors cycles) unless a test names another tile model.
PeConfig pe_config(TileModel model) {
    PeConfig c;
    c.clock_mhz = 1000;
    c.geometry = PeGeometry{32, 32, 32, 32, model, 128};
    c.mac_pj = 0.5;
    c.buffer_bytes = 1 << 20;
    return c;
}

struct Bench : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Bench> socket{"socket"};
    Dram dram{"dram", DramConfig{25.6, 0, 15, 0}};
    Sram buffer{"buffer", SramConfig{1, 64, 1000, 64, 1, 1, 0, 1024, 0}, 1 << 20, SramRole::buffer};  // 1024 KB
    PeArray pe;
    PeCommand command;
    double done_ns = -1;

    explicit Bench(sc_core::sc_module_name name, TileModel model = TileModel::ideal)
        : sc_core::sc_module(name), pe("pe", pe_config(model)) {
        socket.bind(pe.target_socket);
        pe.dram_socket.bind(dram.target_socket);
        pe.buffer_socket.bind(buffer.target_socket);
        SC_HAS_PROCESS(Bench);
        SC_THREAD(run);
    }
    void run() { done_ns = issuer.command(socket, command, 0.0); }
    TransactionIssuer issuer;
};

PeCommand matmul(std::uint64_t out_rows, std::uint64_t in_cols, std::uint64_t vectors) {
    PeCommand c;
    c.kind = PeCommand::Kind::gemv;
    c.out_rows = out_rows;
    c.in_cols = in_cols;
    c.vectors = vectors;
    c.weight_bytes = out_rows * in_cols * 2;
    return c;
}
}  // namespace

TEST_CASE("a decode GEMV is memory bound: it takes weight bytes / bandwidth", "[pe]") {
    Bench bench("bench");
    // LLaMA-2-7B's W_O, 4096 x 4096 fp16 = 33,554,432 B at 25.6 B/ns = 1,310,720 ns; the array
    // needs only 4096 x 4096 / 1024 = 16,384 cycles.
    bench.command = matmul(4096, 4096, 1);
    sc_core::sc_start();
    CHECK(bench.done_ns == Approx(33554432.0 / 25.6).epsilon(1e-12));
    CHECK(bench.pe.stats().memory_bound_gemvs == 1);
    CHECK(bench.pe.stats().compute_bound_gemvs == 0);
}

TEST_CASE("a prefill GEMM is compute bound: it takes MACs / (rows x cols x clock)", "[pe]") {
    Bench bench("bench");
    // The same matrix against 512 prompt tokens: 4096 x 4096 x 512 MACs / (32 x 32) per ns
    // = 8,388,608 ns, longer than the 1,310,720 ns weight stream.
    bench.command = matmul(4096, 4096, 512);
    sc_core::sc_start();
    CHECK(bench.done_ns == Approx(4096.0 * 4096.0 * 512.0 / 1024.0).epsilon(1e-12));
    CHECK(bench.pe.stats().compute_bound_gemvs == 1);
    CHECK(bench.pe.stats().macs == 4096ull * 4096ull * 512ull);
    // Energy follows the MACs: 0.5 pJ each.
    CHECK(bench.pe.stats().compute_energy_pj == Approx(0.5 * 4096.0 * 4096.0 * 512.0));
}

TEST_CASE("the bound switches where MACs per weight byte equal array rate / bandwidth", "[pe]") {
    Bench bench("bench");
    // 1024 MAC/ns against 25.6 B/ns = 40 MACs per byte, 80 per fp16 weight: 80 vectors balance.
    // 79 vectors stay memory bound: 1024 x 1024 x 2 B / 25.6 = 81,920 ns > 79,872 cycles.
    bench.command = matmul(1024, 1024, 79);
    sc_core::sc_start();
    CHECK(bench.done_ns == Approx(1024.0 * 1024.0 * 2.0 / 25.6).epsilon(1e-12));
    CHECK(bench.pe.stats().memory_bound_gemvs == 1);
}

TEST_CASE("recomputation that tips a memory-bound QKV GEMV over the bound is counted", "[pe]") {
    Bench bench("bench");
    // The 79-vector GEMV above: stream 81,920 ns against 79,872 cycles, memory bound. Recomputing
    // K/V for 4 x-tokens over 512 of its 1024 rows adds 512 x 1024 x 4 / 1024 = 2,048 cycles:
    // 81,920 cycles of compute, and the weight stream (81,920 ns) no longer outlasts it, so the
    // GEMV is compute bound because of the recomputation.
    bench.command = matmul(1024, 1024, 79);
    bench.command.reuse_rows = 512;
    bench.command.reuse_vectors = 4;
    sc_core::sc_start();
    CHECK(bench.pe.stats().compute_bound_gemvs == 1);
    CHECK(bench.pe.stats().recompute_gemvs == 1);
    CHECK(bench.pe.stats().recompute_ns == Approx(2048.0));
    CHECK(bench.pe.stats().compute_bound_by_recompute == 1);
}

TEST_CASE("recomputation inside a GEMV's memory-bound slack leaves it memory bound", "[pe]") {
    Bench bench("bench");
    // 64 vectors: 65,536 cycles, plus 512 x 1024 x 8 / 1024 = 4,096 for 8 x-tokens = 69,632,
    // still under the 81,920 ns stream: the recomputation is free (Fig. 16a's idle compute).
    bench.command = matmul(1024, 1024, 64);
    bench.command.reuse_rows = 512;
    bench.command.reuse_vectors = 8;
    sc_core::sc_start();
    CHECK(bench.done_ns == Approx(1024.0 * 1024.0 * 2.0 / 25.6).epsilon(1e-12));
    CHECK(bench.pe.stats().memory_bound_gemvs == 1);
    CHECK(bench.pe.stats().recompute_ns == Approx(4096.0));
    CHECK(bench.pe.stats().compute_bound_by_recompute == 0);
}

TEST_CASE("under scalesim_ws a decode GEMV is compute bound: the array's count, not the stream", "[pe]") {
    Bench bench("bench", TileModel::scalesim_ws);
    // W_O at fp16 again: the stream takes 1,310,720 ns, SCALE-Sim's array 16384 tiles x
    // (64 + 32 + 1 - 2) - 1 = 1,556,479 cycles (pe_timing.h), longer: the array bounds it.
    bench.command = matmul(4096, 4096, 1);
    sc_core::sc_start();
    CHECK(bench.done_ns == Approx(1556479.0).epsilon(1e-12));
    CHECK(bench.pe.stats().compute_bound_gemvs == 1);
    CHECK(bench.pe.stats().compute_ns == Approx(1556479.0).epsilon(1e-12));
}

TEST_CASE("double_buffered: the weight load shows where it outlasts a tile's vectors", "[pe]") {
    Bench bench("bench", TileModel::double_buffered);
    // fp16 weights, 128 B a cycle: a 32 x 32 tile of 2048 B loads in 16 cycles. 1024 x 1024 at
    // 2 vectors: 1024 tiles, the load sets the pace: 16 + 1023 x 16 + 2 + 62 = 16,448 cycles
    // (the ideal array's 2048 x 8), under the 81,920 ns stream: memory bound.
    bench.command = matmul(1024, 1024, 2);
    sc_core::sc_start();
    CHECK(bench.pe.stats().compute_ns == Approx(16448.0).epsilon(1e-12));
    CHECK(bench.pe.stats().memory_bound_gemvs == 1);
    CHECK(bench.done_ns == Approx(1024.0 * 1024.0 * 2.0 / 25.6).epsilon(1e-12));
}
