// systolic_evictor: Kelle's systolic evictor (SE), the column beside the systolic array that
// finds the token to evict while attention runs (../shared/kelle-paper.md section 2).
//
// Dataflow. A head's tokens pass the column in waves of ROWS: wave k holds tokens
// k x ROWS + r, r = 0..ROWS-1, token k x ROWS + r in row r. The array's logits leave it skewed,
// row r one cycle after row r-1, so a wave enters row 0 with `wave_in` and moves down one row a
// cycle: row r reads its `row_score` / `row_logit` lanes in the cycle wave k is at row r, that is
// r cycles after the wave entered. A new wave may enter every cycle. Each row adds the token's
// logit to its importance score, saturating at 2^SCORE_BITS - 1, registers the sum on
// `row_score_out` for the host to write back, and passes the running (min score, index) of the
// wave down; the bottom row folds the wave's minimum into the search's. A row no wave is at
// holds its registers and its `row_score_out` lane (its clock can be gated). So the victim is
// registered in the very edge at which the last wave's last logit leaves the column: a search
// over N tokens, the first wave entering at the `start` edge, ends at edge
// ceil(N / ROWS) + ROWS - 1 (1-based), when `victim_valid` rises.
//
// Tie rule (the TLM policy's, modules/kvcache/eviction_policy.h: "ties evict the oldest"): a
// later token replaces the running minimum only when its score is strictly smaller, so of equal
// scores the lowest index, the oldest token, is the victim. Tokens enter in index order, and every
// merge (row by row in a wave, wave by wave at the bottom) has the older side on the left.
//
// Protection: token i is a candidate only if SINKS <= i < tokens - RECENT (attention sinks at the
// front, the recent window at the back). With no candidate `victim_found` stays low.
//
// Registers (cfg_we / cfg_addr / cfg_wdata, one write per clock; reset clears both):
//   0 SINKS   protected tokens at the front
//   1 RECENT  protected tokens at the back
// `start` begins a search over `tokens` tokens (tokens >= 1): it clears the running minimum and
// `victim_valid`, latches `tokens`, and may come with the first wave. The host feeds exactly
// ceil(tokens / ROWS) waves; lanes of rows past the last token are ignored.
module systolic_evictor #(
    parameter int ROWS = 32,
    parameter int SCORE_BITS = 4,
    parameter int INDEX_BITS = 16
) (
    input  logic                       clk,
    input  logic                       rst_n,
    input  logic                       cfg_we,
    input  logic                       cfg_addr,
    input  logic [INDEX_BITS-1:0]      cfg_wdata,
    input  logic                       start,
    input  logic [INDEX_BITS-1:0]      tokens,
    input  logic                       wave_in,
    input  logic [ROWS*SCORE_BITS-1:0] row_score,
    input  logic [ROWS*SCORE_BITS-1:0] row_logit,
    output logic [ROWS*SCORE_BITS-1:0] row_score_out,
    output logic                       victim_valid,
    output logic                       victim_found,
    output logic [INDEX_BITS-1:0]      victim_index,
    output logic [SCORE_BITS-1:0]      victim_score
);
    localparam logic [SCORE_BITS-1:0] SCORE_MAX = '1;
    localparam logic [INDEX_BITS:0] ROWS_WIDE = (INDEX_BITS + 1)'(ROWS);

    // The registers are readable from C++ (public_flat_rd): the adapter writes them into the
    // platform's waveform (docs/cosim.md, "Waveforms").
    logic [INDEX_BITS-1:0] sinks /*verilator public_flat_rd*/;
    logic [INDEX_BITS-1:0] recent /*verilator public_flat_rd*/;
    logic [INDEX_BITS-1:0] tokens_q /*verilator public_flat_rd*/;
    logic [INDEX_BITS-1:0] next_base /*verilator public_flat_rd*/;

    // The pipeline between rows: register r holds what row r handed down at the last edge a wave
    // was at it. Packed, a field of every row in one vector: a verilated model commits each
    // vector once a clock, where an unpacked array's elements are committed one by one.
    logic [ROWS-1:0]                 live_q /*verilator public_flat_rd*/;   // a wave is at row r + 1 this cycle
    logic [ROWS-1:0][INDEX_BITS-1:0] base_q /*verilator public_flat_rd*/;   // the index of its row-0 token
    logic [ROWS-1:0]                 found_q /*verilator public_flat_rd*/;  // it has a candidate so far
    logic [ROWS-1:0][SCORE_BITS-1:0] min_q /*verilator public_flat_rd*/;
    logic [ROWS-1:0][INDEX_BITS-1:0] idx_q /*verilator public_flat_rd*/;

    // Saturating accumulation: the score of a heavily attended token stays at its maximum. The
    // SCORE_BITS-wide sum wraps below an addend exactly when it carries out.
    function automatic logic [SCORE_BITS-1:0] saturate(input logic [SCORE_BITS-1:0] a,
                                                       input logic [SCORE_BITS-1:0] b);
        logic [SCORE_BITS-1:0] wrapped = a + b;
        return wrapped < a ? SCORE_MAX : wrapped;
    endfunction

    // The column's next state is computed in one clocked process, each row's logic in its local
    // variables. Every output is registered, so nothing is combinational from the inputs and a
    // verilated model evaluates the rows once a clock, at the edge (an always_comb over the input
    // lanes would be evaluated on every eval(), both edges, and again after the flops;
    // docs/cosim.md, "Wall time").
    always_ff @(posedge clk) begin : column
        // What row r sees and hands down this cycle; after the loop, the bottom row's (the last
        // row a wave was at, unless the bottom row is live: read only then). Set first, so that a
        // verilated model keeps them in C++ locals.
        automatic logic                  live = 1'b0;
        automatic logic [INDEX_BITS-1:0] base = '0;
        automatic logic                  found = 1'b0;
        automatic logic [SCORE_BITS-1:0] min_v = '0;
        automatic logic [INDEX_BITS-1:0] idx = '0;
        // Row 0 compares against the tokens of a search starting this very edge.
        automatic logic [INDEX_BITS-1:0] tokens_now;
        automatic logic [INDEX_BITS-1:0] base_row0;
        automatic logic                  bottom_live;
        automatic logic                  keep_best;
        tokens_now = start ? tokens : tokens_q;
        base_row0 = start ? '0 : next_base;
        for (int r = 0; r < ROWS; r++) begin
            live = r == 0 ? wave_in : live_q[r-1];
            live_q[r] <= live && !(start && r > 0);
            // A row without a wave holds its registers: the row below reads them only behind a
            // live wave, the bottom only a live wave, the host only the rows its tokens are at.
            // So its clock can be gated, and the column's power and the verilated model's time
            // go to the rows a wave is at (a 256-token search: 256 row-cycles of 39 x 32).
            if (live) begin
                automatic logic [INDEX_BITS:0]   index;
                automatic logic [INDEX_BITS:0]   held;
                automatic logic [SCORE_BITS-1:0] sum;
                automatic logic                  candidate;
                base = r == 0 ? base_row0 : base_q[r-1];
                index = {1'b0, base} + (INDEX_BITS + 1)'(r);
                held = {1'b0, r == 0 ? tokens_now : tokens_q};
                sum = saturate(row_score[r*SCORE_BITS +: SCORE_BITS], row_logit[r*SCORE_BITS +: SCORE_BITS]);
                candidate = index < held && index >= {1'b0, sinks} && index + {1'b0, recent} < held;
                // The row above holds the older tokens: this one wins only when strictly smaller.
                if (r == 0 || !found_q[r-1]) begin
                    found = candidate;
                    min_v = sum;
                    idx = index[INDEX_BITS-1:0];
                end else if (candidate && sum < min_q[r-1]) begin
                    found = 1'b1;
                    min_v = sum;
                    idx = index[INDEX_BITS-1:0];
                end else begin
                    found = 1'b1;
                    min_v = min_q[r-1];
                    idx = idx_q[r-1];
                end
                base_q[r] <= base;
                found_q[r] <= found;
                min_q[r] <= min_v;
                idx_q[r] <= idx;
                row_score_out[r*SCORE_BITS +: SCORE_BITS] <= sum;
            end
        end

        // The bottom row's wave against the waves before it (older, so again strictly smaller
        // wins). A search's waves never meet a stale one: `start` empties the rows below row 0.
        bottom_live = live && (ROWS == 1 || !start);
        // With ROWS = 1 a wave reaches the bottom in its start edge: the old victim must not count.
        keep_best = victim_found && !start && !(found && min_v < victim_score);
        if (!rst_n) begin
            sinks <= '0;
            recent <= '0;
            tokens_q <= '0;
            next_base <= '0;
            victim_valid <= 1'b0;
            victim_found <= 1'b0;
            victim_index <= '0;
            victim_score <= '0;
        end else begin
            if (cfg_we && !cfg_addr) sinks <= cfg_wdata;
            if (cfg_we && cfg_addr) recent <= cfg_wdata;
            if (start) tokens_q <= tokens;
            if (wave_in) next_base <= base_row0 + INDEX_BITS'(ROWS);
            else if (start) next_base <= '0;
            if (start) begin
                victim_valid <= 1'b0;
                victim_found <= 1'b0;
            end
            if (bottom_live && !keep_best) begin
                victim_found <= found;
                victim_score <= min_v;
                victim_index <= idx;
            end
            if (bottom_live && {1'b0, base} + ROWS_WIDE >= {1'b0, ROWS == 1 ? tokens_now : tokens_q})
                victim_valid <= 1'b1;
        end
    end
endmodule
