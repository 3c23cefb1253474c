// EdramController alone, driven through its target_socket by a tiny TLM initiator; every
// expected value is worked out by hand from the model's equations (edram_controller.h,
// common/banked_timing.h). Each test case elaborates SystemC, so ctest runs each in its own process.
//
// The array of every case: 4 banks of 1024 B rows, 16 KiB in all (16 rows, 4 per bank; row r
// in bank r % 4); a 500 MHz clock (2 ns a cycle), 64 B per cycle per bank (32 B/ns), 2 cycles
// (4 ns) of access latency, 2 cycles (4 ns) to refresh one row, 100 pJ per refreshed row.
#include <catch2/catch.hpp>
#include <functional>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "common/commands.h"
#include "common/units.h"
#include "edram/edram_controller.h"

using namespace kelle;

namespace {

EdramConfig small_edram(RefreshPolicy policy, double refresh_interval_us) {
    EdramConfig c;
    c.capacity_mb = 16384.0 / kBytesPerMb;
    c.banks = 4;
    c.row_bytes = 1024;
    c.clock_mhz = 500;
    c.bytes_per_cycle = 64;
    c.access_cycles = 2;
    c.refresh_row_cycles = 2;
    c.refresh_interval_us = refresh_interval_us;
    c.refresh_policy = policy;
    c.pj_per_byte = 1;
    c.refresh_pj_per_row = 100;
    c.retention_safe_us = 45, c.retention_safe_p_fail = 1e-9;
    c.retention_tail_us = 700, c.retention_tail_p_fail = 1e-5;
    return c;
}

// Runs `script` in a thread of an initiator bound to the controller, then stops.
class Initiator : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Initiator> socket{"socket"};

    Initiator(sc_core::sc_module_name name, std::function<void(Initiator&)> script)
        : sc_core::sc_module(name), script_(std::move(script)) {
        SC_HAS_PROCESS(Initiator);
        SC_THREAD(run);
    }

    // A read issued now with `delay_ns` already annotated; returns the delay the target annotates.
    double read(std::uint64_t address, std::uint64_t bytes, double delay_ns = 0) {
        data_.resize(bytes);
        tlm::tlm_generic_payload payload;
        payload.set_command(tlm::TLM_READ_COMMAND);
        payload.set_address(address);
        payload.set_data_ptr(data_.data());
        payload.set_data_length(static_cast<unsigned int>(bytes));
        payload.set_streaming_width(static_cast<unsigned int>(bytes));
        sc_core::sc_time delay = from_ns(delay_ns);
        socket->b_transport(payload, delay);
        REQUIRE(payload.is_response_ok());
        return to_ns(delay) - delay_ns;
    }

    void mark_live(std::uint64_t address, std::uint64_t bytes) {
        LivenessHint hint;
        hint.address = address;
        hint.bytes = bytes;
        tlm::tlm_generic_payload payload;
        payload.set_extension(&hint);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(payload, delay);
        payload.clear_extension(&hint);
        REQUIRE(payload.is_response_ok());
    }

private:
    void run() { script_(*this); }

    std::function<void(Initiator&)> script_;
    std::vector<unsigned char> data_;
};

// Elaborates the controller and an initiator running `script`, and simulates until it ends.
EdramStats run(const EdramConfig& config, std::function<void(Initiator&, EdramController&)> script,
               std::string* retention_violation = nullptr) {
    EdramController edram("edram", config, refresh_area_plan(config));
    Initiator initiator("initiator", [&](Initiator& self) { script(self, edram); });
    initiator.socket.bind(edram.target_socket);
    sc_core::sc_start();
    if (retention_violation) *retention_violation = edram.retention_violation();
    return edram.stats();
}

}  // namespace

TEST_CASE("a read of B bytes from one bank takes the latency plus B at the bank's bandwidth", "[edram][socket]") {
    // By hand: 512 B from row 0 (bank 0) move at 64 B per 2 ns cycle = 32 B/ns: 16 ns; the
    // data is back access_cycles x 2 ns = 4 ns later: 20 ns after arrival. No refresh is due
    // before 1000 us / 4 banks = 250 us.
    double latency_ns = 0;
    const EdramStats stats = run(small_edram(RefreshPolicy::periodic, 1000), [&](Initiator& initiator, EdramController&) {
        latency_ns = initiator.read(0, 512);
    });
    CHECK(latency_ns == Approx(20.0));
    CHECK(stats.access.read_bytes == 512);
    CHECK(stats.access.access_energy_pj == Approx(512.0));
    CHECK(stats.refresh_bursts == 0);
}

TEST_CASE("periodic refresh gives one burst per bank per interval, every row of it", "[edram][socket][refresh]") {
    // By hand: a 10 us interval over 4 banks puts a burst every 10 / 4 = 2.5 us, at 2.5 x (n + 1)
    // us. A window of 100 us holds n + 1 = 1 .. 40: 40 bursts, 10 per bank, each of the bank's
    // 4 rows (periodic refreshes live and dead rows alike): 160 rows, x 100 pJ = 16000 pJ.
    const EdramStats stats = run(small_edram(RefreshPolicy::periodic, 10), [](Initiator&, EdramController& edram) {
        sc_core::wait(100, sc_core::SC_US);
        edram.refresh_until(now_ns());
    });
    CHECK(stats.refresh_bursts == 40);
    CHECK(stats.rows_refreshed == 160);
    CHECK(stats.rows_refreshed_per_bank == std::vector<std::uint64_t>{40, 40, 40, 40});
    CHECK(stats.rows_skipped == 0);
    CHECK(stats.refresh_energy_pj == Approx(16000.0));
}

TEST_CASE("an access that lands during a burst waits for the burst to end", "[edram][socket][refresh]") {
    // By hand: bank 0's first burst is due at 10 us / 4 = 2500 ns and lasts 4 rows x 2 cycles x
    // 2 ns = 16 ns, to 2516 ns. A 64 B read of row 0 (bank 0) arriving at 2506 ns stalls
    // 2516 - 2506 = 10 ns, then takes 64 / 32 = 2 ns plus 4 ns of latency: done at 2522 ns,
    // 16 ns after it arrived.
    double latency_ns = 0;
    const EdramStats stats = run(small_edram(RefreshPolicy::periodic, 10), [&](Initiator& initiator, EdramController&) {
        sc_core::wait(2500, sc_core::SC_NS);
        latency_ns = initiator.read(0, 64, 6);
    });
    CHECK(stats.refresh_stall_ns == Approx(10.0));
    CHECK(latency_ns == Approx(16.0));
}

TEST_CASE("a burst queued behind an access adds only its own length to the next one's stall", "[edram][socket][refresh]") {
    // By hand: a 1024 B read of row 0 arriving at 2499 ns holds bank 0 for 1024 / 32 = 32 ns,
    // to 2531 ns. Bank 0's burst, due at 2500 ns, waits for it: 16 ns from 2531 to 2547 ns. A
    // 64 B read of row 0 arriving at 2500 ns starts at 2547 ns, 2 ns and 4 ns of latency later
    // it is done at 2553 ns: 53 ns. Of its 47 ns of waiting, 31 are the first read's and 16 the
    // burst's: the refresh stall is 16 ns.
    double latency_ns = 0;
    const EdramStats stats = run(small_edram(RefreshPolicy::periodic, 10), [&](Initiator& initiator, EdramController&) {
        sc_core::wait(2499, sc_core::SC_NS);
        initiator.read(0, 1024);
        sc_core::wait(1, sc_core::SC_NS);
        latency_ns = initiator.read(0, 64);
    });
    CHECK(latency_ns == Approx(53.0));
    CHECK(stats.refresh_stall_ns == Approx(16.0));
}

TEST_CASE("lifetime refresh skips the rows that hold nothing live", "[edram][socket][lifetime]") {
    // By hand: over one 10 us interval each of the 4 banks has one slot (2.5, 5, 7.5, 10 us). With
    // 100 B of row 0 live (bank 0), bank 0's slot refreshes 1 row and skips 3; the other banks'
    // slots find no live row, skip their 4 and issue no burst: 1 burst, 1 row, 3 + 12 = 15 skipped.
    const EdramStats stats = run(small_edram(RefreshPolicy::lifetime, 10), [](Initiator& initiator, EdramController& edram) {
        initiator.mark_live(0, 100);
        sc_core::wait(10, sc_core::SC_US);
        edram.refresh_until(now_ns());
    });
    CHECK(stats.refresh_bursts == 1);
    CHECK(stats.rows_refreshed == 1);
    CHECK(stats.rows_refreshed_per_bank == std::vector<std::uint64_t>{1, 0, 0, 0});
    CHECK(stats.rows_skipped == 15);
}

TEST_CASE("a burst pushed past the screened retention by an access is a violation", "[edram][socket][monitor]") {
    // By hand: with retention_min_us = 10.001 the 10 us group promises no loss. Bank 0 is
    // refreshed at 2500 ns, then due at 12500 ns; a 128 B read of row 0 arriving at 12499 ns
    // holds bank 0 for 128 / 32 = 4 ns, to 12503 ns, so the burst starts there: a gap of
    // 12503 - 2500 = 10003 ns, 10.003 us > 10.001 us.
    EdramConfig config = small_edram(RefreshPolicy::periodic, 10);
    config.retention_min_us = 10.001;
    std::string violation;
    run(config, [](Initiator& initiator, EdramController& edram) {
        sc_core::wait(12499, sc_core::SC_NS);
        initiator.read(0, 128);
        sc_core::wait(1, sc_core::SC_NS);
        edram.refresh_until(now_ns());
    }, &violation);
    INFO(violation);
    CHECK(violation.find("in bank 0 went 10.003 us without refresh") != std::string::npos);
}

TEST_CASE("byte_plane: a burst in a high-byte bank holds up the high bytes only", "[edram][socket][bank_layout]") {
    // By hand: the case's 4 banks as byte_plane bank groups of 1 bank: 0 K-hi, 1 K-lo, 2 V-hi,
    // 3 V-lo. 2DRP plan, share 0.5: per plane 8 rows, 4 important; important_msb is addresses
    // [0, 4096), important_lsb [4096, 8192); each feeds 2 rows of its two banks (K and V).
    // The high-byte controller staggers important_msb (10 us) over its 2 banks: bank 0 at
    // 10 / 2 = 5 us. With the area live that burst refreshes 2 rows, 2 x 4 ns: [5000, 5008) ns.
    // At 5002 ns, a 64 B MSB piece at 0 (32 B each in banks 0 and 2) waits 6 ns for bank 0, then
    // 32 / 32 = 1 ns and 4 ns of latency: 11 ns. The LSB piece at 4096 (banks 1 and 3) does not
    // wait: 5 ns.
    EdramConfig config = small_edram(RefreshPolicy::two_dim, 10);
    config.layout = BankLayout::byte_plane;
    config.important_share = 0.5;
    config.interval_2drp_us[0][0] = 10, config.interval_2drp_us[0][1] = 20;
    config.interval_2drp_us[1][0] = 40, config.interval_2drp_us[1][1] = 80;
    double msb_ns = 0, lsb_ns = 0;
    const EdramStats stats = run(config, [&](Initiator& initiator, EdramController&) {
        initiator.mark_live(0, 4096);
        sc_core::wait(5000, sc_core::SC_NS);
        lsb_ns = initiator.read(4096, 64, 2);
        msb_ns = initiator.read(0, 64, 2);
    });
    CHECK(lsb_ns == Approx(5.0));
    CHECK(msb_ns == Approx(11.0));
    CHECK(stats.refresh_stall_ns == Approx(6.0));
    CHECK(stats.rows_refreshed_per_bank == std::vector<std::uint64_t>{2, 0, 0, 0});
    CHECK(stats.groups[0].controller == "high");
    CHECK(stats.groups[1].controller == "low");
}
