#include "cosim/rtl_fault.h"

#include <iomanip>
#include <sstream>
#include <systemc>

namespace kelle {

namespace {
std::exception_ptr& first_failure() {
    static std::exception_ptr failure;
    return failure;
}

std::string mismatch_line(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl) {
    std::ostringstream line;
    line << "t=" << std::fixed << std::setprecision(3) << t_ns << " ns: " << block << ": tlm " << tlm << ", rtl " << rtl;
    return line.str();
}
}  // namespace

CosimMismatch::CosimMismatch(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl)
    : std::runtime_error(mismatch_line(t_ns, block, tlm, rtl)) {}

void report_from_method(std::exception_ptr failure) {
    if (!first_failure()) first_failure() = std::move(failure);
    sc_core::sc_stop();
}

std::exception_ptr pending_failure() { return first_failure(); }

void raise_in_process(std::exception_ptr failure) {
    const sc_core::sc_process_handle current = sc_core::sc_get_current_process_handle();
    if (current.valid()) return report_from_method(std::move(failure));
    std::rethrow_exception(failure);
}

}  // namespace kelle
