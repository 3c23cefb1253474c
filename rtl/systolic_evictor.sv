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
// wave down; the bottom row folds the wave's minimum into the search's. So the victim is
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

    // The pipeline between rows: register r holds what row r handed down at the last edge.
    logic                  live_q [ROWS] /*verilator public_flat_rd*/;   // a wave is at row r + 1 this cycle
    logic [INDEX_BITS-1:0] base_q [ROWS] /*verilator public_flat_rd*/;   // the index of its row-0 token
    logic                  found_q [ROWS] /*verilator public_flat_rd*/;  // it has a candidate so far
    logic [SCORE_BITS-1:0] min_q [ROWS] /*verilator public_flat_rd*/;
    logic [INDEX_BITS-1:0] idx_q [ROWS] /*verilator public_flat_rd*/;

    // What row r sees and hands down this cycle.
    logic                  live [ROWS];
    logic [INDEX_BITS-1:0] base [ROWS];
    logic                  found [ROWS];
    logic [SCORE_BITS-1:0] min_v [ROWS];
    logic [INDEX_BITS-1:0] idx [ROWS];
    logic [SCORE_BITS-1:0] sum [ROWS];

    // Saturating accumulation: the 4-bit score of a heavily attended token stays at its maximum.
    function automatic logic [SCORE_BITS-1:0] saturate(input logic [SCORE_BITS-1:0] a,
                                                       input logic [SCORE_BITS-1:0] b);
        logic [SCORE_BITS:0] wide = {1'b0, a} + {1'b0, b};
        return wide[SCORE_BITS] ? SCORE_MAX : wide[SCORE_BITS-1:0];
    endfunction

    // Row 0 compares against the tokens of a search starting this very edge.
    wire [INDEX_BITS-1:0] tokens_now = start ? tokens : tokens_q;

    always_comb begin
        for (int r = 0; r < ROWS; r++) begin
            logic [INDEX_BITS:0] index;
            logic [INDEX_BITS:0] held;
            logic candidate;
            live[r] = r == 0 ? wave_in : live_q[r-1];
            base[r] = r == 0 ? (start ? '0 : next_base) : base_q[r-1];
            index = {1'b0, base[r]} + (INDEX_BITS + 1)'(r);
            held = {1'b0, r == 0 ? tokens_now : tokens_q};
            sum[r] = saturate(row_score[r*SCORE_BITS +: SCORE_BITS], row_logit[r*SCORE_BITS +: SCORE_BITS]);
            candidate = live[r] && index < held && index >= {1'b0, sinks} && index + {1'b0, recent} < held;
            // The row above holds the older tokens: this one wins only when strictly smaller.
            if (r == 0 || !found_q[r-1] || !live[r]) begin
                found[r] = candidate;
                min_v[r] = sum[r];
                idx[r] = index[INDEX_BITS-1:0];
            end else if (candidate && sum[r] < min_q[r-1]) begin
                found[r] = 1'b1;
                min_v[r] = sum[r];
                idx[r] = index[INDEX_BITS-1:0];
            end else begin
                found[r] = 1'b1;
                min_v[r] = min_q[r-1];
                idx[r] = idx_q[r-1];
            end
        end
    end

    // The bottom row's wave against the waves before it (older, so again strictly smaller wins).
    // A search's waves never meet a stale one: `start` empties the rows below row 0.
    wire bottom_live = live[ROWS-1] && (ROWS == 1 || !start);
    wire [INDEX_BITS-1:0] bottom_tokens = ROWS == 1 ? tokens_now : tokens_q;
    wire [INDEX_BITS:0] bottom_end = {1'b0, base[ROWS-1]} + ROWS_WIDE;
    // With ROWS = 1 a wave reaches the bottom in its start edge: the old victim must not count.
    wire keep_best = victim_found && !start && !(found[ROWS-1] && min_v[ROWS-1] < victim_score);

    always_ff @(posedge clk) begin : pipeline
        for (int r = 0; r < ROWS; r++) begin
            live_q[r] <= live[r] && !(start && r > 0);
            base_q[r] <= base[r];
            found_q[r] <= found[r];
            min_q[r] <= min_v[r];
            idx_q[r] <= idx[r];
            row_score_out[r*SCORE_BITS +: SCORE_BITS] <= sum[r];
        end
    end

    always_ff @(posedge clk) begin : control
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
            if (wave_in) next_base <= base[0] + INDEX_BITS'(ROWS);
            else if (start) next_base <= '0;
            if (start) begin
                victim_valid <= 1'b0;
                victim_found <= 1'b0;
            end
            if (bottom_live && !keep_best) begin
                victim_found <= found[ROWS-1];
                victim_score <= min_v[ROWS-1];
                victim_index <= idx[ROWS-1];
            end
            if (bottom_live && bottom_end >= {1'b0, bottom_tokens}) victim_valid <= 1'b1;
        end
    end
endmodule
