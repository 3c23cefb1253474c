#include "vcd_window.h"

#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "common/units.h"

namespace kelle {

namespace {
constexpr double kMaxSteps = 2147483647.0;

double parse_number(const std::string& text, const std::string& what) {
    double value = 0;
    const char* const end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, value);
    if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end || !std::isfinite(value) || value < 0)
        throw std::invalid_argument(what + " '" + text + "' is not a number >= 0");
    return value;
}

// The '-' between the two bounds: not a leading sign, not an exponent's ("1e-3").
std::size_t range_dash(const std::string& range) {
    for (std::size_t i = 1; i < range.size(); ++i)
        if (range[i] == '-' && range[i - 1] != 'e' && range[i - 1] != 'E') return i;
    return std::string::npos;
}
}  // namespace

VcdWindow VcdWindow::parse(const std::string& text) {
    const std::size_t colon = text.find(':');
    const std::string unit = text.substr(0, colon);
    if (colon == std::string::npos || (unit != "steps" && unit != "us"))
        throw std::invalid_argument("expected steps:A-B or us:T0-T1, got '" + text + "'");
    const std::string range = text.substr(colon + 1);
    const std::size_t dash = range_dash(range);
    if (dash == std::string::npos) throw std::invalid_argument("expected a range A-B after '" + unit + ":', got '" + range + "'");
    VcdWindow window;
    window.unit = unit == "steps" ? Unit::steps : Unit::us;
    window.first = parse_number(range.substr(0, dash), "start");
    window.last = parse_number(range.substr(dash + 1), "end");
    if (window.unit == Unit::steps && (window.first < 1 || window.first != std::floor(window.first) ||
                                       window.last != std::floor(window.last)))
        throw std::invalid_argument("decode steps are whole numbers from 1, got '" + range + "'");
    if (window.last < window.first) throw std::invalid_argument("the end comes before the start in '" + range + "'");
    // A trace has at most 2^31 - 1 decode steps; simulated time ends where sc_time does (units.h).
    if (window.unit == Unit::steps && window.last > kMaxSteps)
        throw std::invalid_argument("decode steps go to 2147483647, got '" + range + "'");
    if (window.unit == Unit::us && window.last > kMaxDelayPs * 1e-6)
        throw std::invalid_argument("the end is past the last time SystemC can hold (2^63 ps, about 9.2e12 us), got '" +
                                    range + "'");
    return window;
}

std::string VcdWindow::describe() const {
    std::ostringstream out;
    if (unit == Unit::steps)
        out << "window: decode steps " << first << " to " << last << " (1-based; host.step " << first - 1 << " to "
            << last - 1 << ")";
    else
        out << "window: " << first << " us to " << last << " us of simulated time";
    return out.str();
}

VcdWindowControl::VcdWindowControl(sc_core::sc_module_name name, VcdWriter& writer, const VcdWindow& window)
    : sc_core::sc_module(name), writer_(writer), window_(window) {
    writer_.write_comment(window_.describe());
    if (window_.unit == VcdWindow::Unit::us) {
        SC_HAS_PROCESS(VcdWindowControl);
        SC_THREAD(run_time_window);
    }
}

void VcdWindowControl::run_time_window() {
    const double first_ns = window_.first * 1e3, last_ns = window_.last * 1e3;
    sc_core::wait(from_ns(first_ns));
    writer_.start_recording();
    sc_core::wait(from_ns(last_ns - now_ns()));
    writer_.stop_recording();
}

void VcdWindowControl::on_progress(const ReplayProgress& progress) {
    if (window_.unit != VcdWindow::Unit::steps) return;
    const bool decode = progress.phase == ReplayProgress::Phase::decode;
    const bool prefill_done = !decode && progress.done == progress.total;
    const int first = static_cast<int>(window_.first), last = static_cast<int>(window_.last);
    if ((first == 1 && prefill_done) || (decode && progress.done == first - 1)) writer_.start_recording();
    if (decode && progress.done == last) writer_.stop_recording();
}

}  // namespace kelle
