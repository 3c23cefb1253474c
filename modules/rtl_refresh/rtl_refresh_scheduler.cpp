#include "rtl_refresh/rtl_refresh_scheduler.h"

#include "Vrefresh_scheduler.h"
#include "Vrefresh_scheduler___024root.h"
#include "common/error.h"
#include "common/units.h"
#include "cosim/rtl_fault.h"

namespace kelle {

namespace {
// The register map of rtl/refresh_scheduler.sv.
constexpr std::uint32_t kAddrBanks = 0x00;
constexpr std::uint32_t kAddrGroups = 0x01;
constexpr std::uint32_t kAddrStart = 0x02;
constexpr std::uint32_t kAddrStepTicks = 0x10;  // + 2 x group
constexpr std::uint32_t kAddrStepRem = 0x11;    // + 2 x group
constexpr int kBankBits = 6;                    // $clog2(MAX_BANKS): the width of a packed bank field
constexpr int kTimeBits = 48;                   // TIME_BITS: due times and steps

std::uint64_t now_ticks() { return sc_core::sc_time_stamp().value(); }  // a tick is 1 ps, SystemC's resolution

int packed_bank(std::uint64_t fields, int group) {
    return static_cast<int>((fields >> (group * kBankBits)) & ((1u << kBankBits) - 1));
}

void check_limits(int banks, const std::vector<std::uint64_t>& interval_ticks) {
    const auto fail = [](const std::string& key, const std::string& message) {
        throw InputError("edram.refresh_impl=rtl", 0, key, message);
    };
    if (banks > RtlRefreshScheduler::kMaxBanks)
        fail("edram.banks", "the RTL scheduler handles at most " + std::to_string(RtlRefreshScheduler::kMaxBanks) + " banks");
    if (interval_ticks.size() > static_cast<std::size_t>(RtlRefreshScheduler::kMaxGroups))
        fail("edram.refresh_policy", "the RTL scheduler handles at most " +
                                         std::to_string(RtlRefreshScheduler::kMaxGroups) + " refresh groups");
    for (const std::uint64_t ticks : interval_ticks)
        if (ticks < static_cast<std::uint64_t>(banks))
            fail("edram.refresh_interval_us", "the RTL scheduler needs intervals of at least one ps per bank");
}
}  // namespace

RtlRefreshScheduler::RtlRefreshScheduler(sc_core::sc_module_name name, int banks,
                                         const std::vector<double>& group_intervals_us, EmptyQuery empty)
    : sc_core::sc_module(name), banks_(banks), empty_(std::move(empty)),
      rtl_(std::make_unique<Vrefresh_scheduler>("rtl")) {
    for (const double us : group_intervals_us)
        interval_ticks_.push_back(refresh_interval_ps(us));
    check_limits(banks, interval_ticks_);
    rtl_->clk(clk_);
    rtl_->rst_n(rst_n_);
    rtl_->cfg_we(cfg_we_);
    rtl_->cfg_addr(cfg_addr_);
    rtl_->cfg_wdata(cfg_wdata_);
    rtl_->now_ticks(now_ticks_);
    rtl_->slot_skip(slot_skip_);
    rtl_->next_due_ticks(next_due_ticks_);
    rtl_->slot_bank(slot_bank_);
    rtl_->cmd_valid(cmd_valid_);
    rtl_->cmd_bank(cmd_bank_);
    rtl_->bank_req(bank_req_);
    SC_HAS_PROCESS(RtlRefreshScheduler);
    SC_THREAD(reset_and_configure);
    SC_METHOD(on_slot);
    dont_initialize();
    sensitive << slot_event_;
}

RtlRefreshScheduler::~RtlRefreshScheduler() = default;

double RtlRefreshScheduler::next_due_ns() const {
    if (!configured_) return to_ns(sc_core::sc_time::from_value(1));
    if (!queued_.empty()) return queued_.front().due_ns;
    return to_ns(sc_core::sc_time::from_value(slot_ticks_));
}

void RtlRefreshScheduler::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    while (!queued_.empty() && queued_.front().due_ns <= now_ns) {
        due.push_back(queued_.front());
        queued_.pop_front();
    }
}

void RtlRefreshScheduler::pop_bank_requests(double now_ns, std::vector<SlotBankRequests>& out) {
    while (!bank_requests_.empty() && ps_to_ns(bank_requests_.front().slot_ps) <= now_ns) {
        out.push_back(bank_requests_.front());
        bank_requests_.pop_front();
    }
}

void RtlRefreshScheduler::trace(sc_core::sc_trace_file* file, const std::string& prefix) {
    sc_core::sc_trace(file, clk_, prefix + ".clk");
    sc_core::sc_trace(file, rst_n_, prefix + ".rst_n");
    sc_core::sc_trace(file, cfg_we_, prefix + ".cfg_we");
    sc_core::sc_trace(file, cfg_addr_, prefix + ".cfg_addr");
    sc_core::sc_trace(file, cfg_wdata_, prefix + ".cfg_wdata");
    sc_core::sc_trace(file, now_ticks_, prefix + ".now_ticks");
    sc_core::sc_trace(file, next_due_ticks_, prefix + ".next_due_ticks");
    sc_core::sc_trace(file, slot_bank_, prefix + ".slot_bank");
    sc_core::sc_trace(file, slot_skip_, prefix + ".slot_skip");
    sc_core::sc_trace(file, cmd_valid_, prefix + ".cmd_valid");
    sc_core::sc_trace(file, cmd_bank_, prefix + ".cmd_bank");
    sc_core::sc_trace(file, bank_req_, prefix + ".bank_req");
    // The block's registers (public_flat_rd in the .sv), updated in the model's delta cycles and
    // so settled at the end of each time step, when the waveform samples them.
    const auto* root = rtl_->rootp;
    sc_core::sc_trace(file, root->refresh_scheduler__DOT__banks, prefix + ".banks", kBankBits + 1);
    sc_core::sc_trace(file, root->refresh_scheduler__DOT__groups, prefix + ".groups", 4);
    sc_core::sc_trace(file, root->refresh_scheduler__DOT__running, prefix + ".running", 1);
    for (int g = 0; g < kMaxGroups; ++g) {
        const std::string group = prefix + ".group" + std::to_string(g);
        sc_core::sc_trace(file, root->refresh_scheduler__DOT__step_ticks[g], group + ".step_ticks", kTimeBits);
        sc_core::sc_trace(file, root->refresh_scheduler__DOT__step_rem[g], group + ".step_rem", kBankBits + 1);
        sc_core::sc_trace(file, root->refresh_scheduler__DOT__due[g], group + ".due", kTimeBits);
        sc_core::sc_trace(file, root->refresh_scheduler__DOT__acc[g], group + ".acc", kBankBits + 1);
        sc_core::sc_trace(file, root->refresh_scheduler__DOT__bank_of[g], group + ".bank_of", kBankBits);
    }
}

void RtlRefreshScheduler::reset_and_configure() {
    rst_n_.write(false);
    clock_cycle();
    rst_n_.write(true);
    const auto banks = static_cast<std::uint64_t>(banks_);
    write_register(kAddrBanks, banks);
    write_register(kAddrGroups, interval_ticks_.size());
    for (std::uint32_t g = 0; g < interval_ticks_.size(); ++g) {
        write_register(kAddrStepTicks + 2 * g, interval_ticks_[g] / banks);
        write_register(kAddrStepRem + 2 * g, interval_ticks_[g] % banks);
    }
    write_register(kAddrStart, 1);
    configured_ = true;
    slot_ticks_ = next_due_ticks_.read();
    slot_event_.notify(until_edge_of_next_slot());
}

void RtlRefreshScheduler::write_register(std::uint32_t address, std::uint64_t value) {
    cfg_we_.write(true);
    cfg_addr_.write(address);
    cfg_wdata_.write(value);
    clock_cycle();
    cfg_we_.write(false);
}

void RtlRefreshScheduler::clock_cycle() {
    clk_.write(true);
    wait(sc_core::SC_ZERO_TIME);  // the model sees the rising edge in this delta cycle...
    wait(sc_core::SC_ZERO_TIME);  // ...its registers are readable in the next
    clk_.write(false);
    wait(sc_core::SC_ZERO_TIME);  // the falling edge lands before the next rising one, or neither would be seen
}

sc_core::sc_time RtlRefreshScheduler::until_edge_of_next_slot() const {
    return sc_core::sc_time(static_cast<double>(next_due_ticks_.read() - 1 - now_ticks()), sc_core::SC_PS);
}

void RtlRefreshScheduler::on_slot() {
    switch (phase_) {
    case Phase::edge:
        // The block's 48-bit time wraps after 281 s: past it, its next slot would lie in the past.
        if (next_due_ticks_.read() <= now_ticks())
            return raise(RtlFault(name(), "simulated time passed the RTL refresh scheduler's 48-bit picosecond "
                                          "counter (281 s); run this trace with edram.refresh_impl=tlm"));
        clock_slot();
        phase_ = Phase::edge_seen;
        return next_trigger(sc_core::SC_ZERO_TIME);  // the model sees the rising edge in this delta cycle...
    case Phase::edge_seen:
        phase_ = Phase::outputs_readable;
        return next_trigger(sc_core::SC_ZERO_TIME);  // ...its registers are readable in the next
    case Phase::outputs_readable:
        // Every group due at the edge steps past it; a block that did not would never wake again.
        if (next_due_ticks_.read() <= slot_ticks_)
            return raise(RtlFault(name(), "the block did not step past its slot at " + std::to_string(slot_ticks_) +
                                              " ps: next_due_ticks is " + std::to_string(next_due_ticks_.read())));
        queue_commands();
        slot_ticks_ = next_due_ticks_.read();
        phase_ = Phase::slot;
        return next_trigger(sc_core::sc_time(1, sc_core::SC_PS));
    case Phase::slot:
        clk_.write(false);
        phase_ = Phase::edge;
        return next_trigger(until_edge_of_next_slot());
    }
}

void RtlRefreshScheduler::clock_slot() {
    now_ticks_.write(next_due_ticks_.read());
    if (empty_) slot_skip_.write(skipped_groups());
    clk_.write(true);
}

std::uint32_t RtlRefreshScheduler::skipped_groups() const {
    std::uint32_t skip = 0;
    const std::uint64_t banks = slot_bank_.read();
    for (int g = 0; g < static_cast<int>(interval_ticks_.size()); ++g)
        if (empty_(g, packed_bank(banks, g))) skip |= 1u << g;
    return skip;
}

void RtlRefreshScheduler::queue_commands() {
    const std::uint32_t issued = cmd_valid_.read();
    const double slot_ns = ps_to_ns(slot_ticks_);
    for (int g = 0; g < static_cast<int>(interval_ticks_.size()); ++g)
        if (issued & (1u << g)) queued_.push_back({g, packed_bank(cmd_bank_.read(), g), slot_ns, slot_ticks_});
    if (record_bank_requests_) bank_requests_.push_back({slot_ticks_, bank_req_.read()});
}

void register_rtl_refresh_impl() {
    register_refresh_impl(RefreshImpl::rtl, [](const char* name, int banks, const std::vector<double>& group_intervals_us) {
        return std::make_unique<RtlRefreshScheduler>(name, banks, group_intervals_us);
    });
}

}  // namespace kelle
