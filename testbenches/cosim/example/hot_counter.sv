// hot_counter: the example block of docs/cosim.md's walk-through ("Putting your own RTL block
// in"), built and tested so that the walk-through stays true (test_hot_counter.cpp). It counts the
// accesses of one eDRAM bank, saturating at 2^WIDTH - 1, and raises `hot` once the count reaches
// the THRESHOLD register. Register port (one write per clock): address 0 THRESHOLD (reset: all
// ones). `clear` starts a new count.
module hot_counter #(
    parameter int WIDTH = 8
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             cfg_we,
    input  logic             cfg_addr,
    input  logic [WIDTH-1:0] cfg_wdata,
    input  logic             access,
    input  logic             clear,
    output logic [WIDTH-1:0] count,
    output logic             hot
);
    logic [WIDTH-1:0] threshold;

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            count <= '0;
            threshold <= '1;
        end else begin
            if (cfg_we && !cfg_addr) threshold <= cfg_wdata;
            if (clear) count <= '0;
            else if (access && count != '1) count <= count + WIDTH'(1);
        end
    end

    assign hot = count >= threshold;
endmodule
