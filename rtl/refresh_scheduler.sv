// refresh_scheduler: the eDRAM refresh scheduler Kelle adds to a memory controller, as RTL.
//
// Behaviour (the same as the TLM model, modules/edram/refresh_scheduler.h): refresh group g
// refreshes bank b in one burst at interval_g x (n + 1) / banks, n = 0, 1, ..., bank = n % banks,
// staggered across banks. One group with every row is the periodic policy; several groups with
// their own intervals are 2DRP (one per importance class and bit plane). Each group has its own
// comparator, so every group due at a clock issues its slot in that clock (the host hands them
// to the memory controller lower group first, as the TLM model orders ties).
//
// Time is not counted here. The host drives `now_ticks` (the current time, in ticks of any unit;
// the platform uses picoseconds) and reads `next_due_ticks`, the time of the earliest slot, so it
// only needs to clock the block when something is due: the block holds no free-running counter,
// which is what lets a simulation jump from one slot to the next instead of toggling a clock
// billions of times. In silicon `now_ticks` is the controller's timebase counter.
//
// Exact due times without a divider: software writes each interval as a per-bank step, whole
// ticks (STEP_TICKS = interval / banks) plus a remainder in 1/banks of a tick (STEP_REM =
// interval % banks); a Bresenham accumulator per group carries the remainder. The accumulator
// starts at banks / 2, so a slot lands on interval x (n + 1) / banks rounded half up to a tick,
// which is how SystemC rounds the TLM model's due times to its 1 ps resolution.
//
// Skip (lifetime-aware refresh): `slot_bank` shows, per group, the bank of its next slot; the
// host sets bit g of `slot_skip` when group g holds no live data in that bank. A skipped slot
// keeps the grid (it is consumed at its time) but raises no refresh request.
//
// Registers (written through cfg_we / cfg_addr / cfg_wdata, one per clock):
//   0x00 BANKS        banks in use, 1..MAX_BANKS
//   0x01 GROUPS       refresh groups in use, 1..MAX_GROUPS
//   0x02 START        any write starts every group's grid at tick 0 (write it last)
//   0x10 + 2g         STEP_TICKS of group g (g < 8)
//   0x11 + 2g         STEP_REM of group g, < BANKS
// Per-group fields are packed, group g in bits [g x BANK_BITS +: BANK_BITS]. The cmd_* and
// bank_req outputs are registered: they describe the slots the latest clock issued.
// Time wraps after 2^TIME_BITS ticks (48 bits of picoseconds: 281 s of simulated time).
module refresh_scheduler #(
    parameter int MAX_GROUPS = 8,
    parameter int MAX_BANKS = 64,
    parameter int TIME_BITS = 48
) (
    input  logic                                    clk,
    input  logic                                    rst_n,
    input  logic                                    cfg_we,
    input  logic [7:0]                              cfg_addr,
    input  logic [TIME_BITS-1:0]                    cfg_wdata,
    input  logic [TIME_BITS-1:0]                    now_ticks,
    input  logic [MAX_GROUPS-1:0]                   slot_skip,
    output logic [TIME_BITS-1:0]                    next_due_ticks,
    output logic [MAX_GROUPS*$clog2(MAX_BANKS)-1:0] slot_bank,
    output logic [MAX_GROUPS-1:0]                   cmd_valid,
    output logic [MAX_GROUPS*$clog2(MAX_BANKS)-1:0] cmd_bank,
    output logic [MAX_BANKS-1:0]                    bank_req
);
    localparam int BANK_BITS = $clog2(MAX_BANKS);
    localparam int ACC_BITS = BANK_BITS + 1;  // the accumulator holds a remainder plus a step remainder < 2 x banks
    localparam logic [7:0] ADDR_BANKS = 8'h00;
    localparam logic [7:0] ADDR_GROUPS = 8'h01;
    localparam logic [7:0] ADDR_START = 8'h02;
    localparam logic [3:0] ADDR_STEP_PAGE = 4'h1;

    // The registers are readable from C++ (public_flat_rd): the adapter writes them into the
    // platform's waveform (docs/cosim.md, "Waveforms").
    logic [ACC_BITS-1:0] banks /*verilator public_flat_rd*/;
    logic [$clog2(MAX_GROUPS):0] groups /*verilator public_flat_rd*/;
    logic running /*verilator public_flat_rd*/;
    logic [TIME_BITS-1:0] step_ticks [MAX_GROUPS] /*verilator public_flat_rd*/;
    logic [ACC_BITS-1:0] step_rem [MAX_GROUPS] /*verilator public_flat_rd*/;
    logic [TIME_BITS-1:0] due [MAX_GROUPS] /*verilator public_flat_rd*/;
    logic [ACC_BITS-1:0] acc [MAX_GROUPS] /*verilator public_flat_rd*/;
    logic [BANK_BITS-1:0] bank_of [MAX_GROUPS] /*verilator public_flat_rd*/;

    // One step of a group's grid: the remainder accumulator's carry (the tick it adds to the
    // whole-tick step) and its new value, {carry, accumulator}.
    function automatic logic [ACC_BITS:0] advance(input logic [ACC_BITS-1:0] acc_now,
                                                  input logic [ACC_BITS-1:0] rem,
                                                  input logic [ACC_BITS-1:0] modulus);
        logic [ACC_BITS-1:0] sum = acc_now + rem;
        return sum >= modulus ? {1'b1, sum - modulus} : {1'b0, sum};
    endfunction

    // Combinational, so the host reads the next due time as soon as an edge has updated the grid,
    // and a group is due in the very edge whose now_ticks reaches its slot.
    logic [MAX_GROUPS-1:0] in_use;
    logic [MAX_GROUPS-1:0] due_now;
    always_comb begin
        next_due_ticks = '1;
        for (int g = 0; g < MAX_GROUPS; g++) begin
            in_use[g] = running && g < 32'(groups);
            due_now[g] = in_use[g] && due[g] <= now_ticks;
            slot_bank[g*BANK_BITS +: BANK_BITS] = bank_of[g];
            if (in_use[g] && due[g] < next_due_ticks) next_due_ticks = due[g];
        end
    end

    // A write to the step page (0x10..0x1F): bits [3:1] pick the group, bit 0 the field.
    wire cfg_step = cfg_we && cfg_addr[7:4] == ADDR_STEP_PAGE && 32'(cfg_addr[3:1]) < MAX_GROUPS;

    always_ff @(posedge clk) begin : sequential
        logic [ACC_BITS:0] step;
        if (!rst_n) begin
            running <= 1'b0;
            banks <= ACC_BITS'(1);
            groups <= '0;
            cmd_valid <= '0;
            bank_req <= '0;
        end else begin
            if (cfg_we && cfg_addr == ADDR_BANKS) banks <= cfg_wdata[ACC_BITS-1:0];
            if (cfg_we && cfg_addr == ADDR_GROUPS) groups <= cfg_wdata[$clog2(MAX_GROUPS):0];
            if (cfg_we && cfg_addr == ADDR_START) running <= 1'b1;
            bank_req <= '0;
            for (int g = 0; g < MAX_GROUPS; g++) begin
                if (cfg_step && 32'(cfg_addr[3:1]) == g && !cfg_addr[0]) step_ticks[g] <= cfg_wdata;
                if (cfg_step && 32'(cfg_addr[3:1]) == g && cfg_addr[0]) step_rem[g] <= cfg_wdata[ACC_BITS-1:0];
                cmd_valid[g] <= due_now[g] && !slot_skip[g];
                cmd_bank[g*BANK_BITS +: BANK_BITS] <= bank_of[g];
                if (cfg_we && cfg_addr == ADDR_START) begin
                    // The first slot is one step from tick 0, the accumulator primed with the rounding half.
                    step = advance(banks >> 1, step_rem[g], banks);
                    due[g] <= step_ticks[g] + TIME_BITS'(step[ACC_BITS]);
                    acc[g] <= step[ACC_BITS-1:0];
                    bank_of[g] <= '0;
                end else if (due_now[g]) begin
                    step = advance(acc[g], step_rem[g], banks);
                    due[g] <= due[g] + step_ticks[g] + TIME_BITS'(step[ACC_BITS]);
                    acc[g] <= step[ACC_BITS-1:0];
                    bank_of[g] <= 32'(bank_of[g]) + 1 == 32'(banks) ? '0 : bank_of[g] + BANK_BITS'(1);
                    if (!slot_skip[g]) bank_req[bank_of[g]] <= 1'b1;
                end
            end
        end
    end
endmodule
