#include "cosim/rtl_fault.h"

#include <iomanip>
#include <map>
#include <sstream>
#include <systemc>

namespace kelle {

namespace {
std::exception_ptr& first_failure() {
    static std::exception_ptr failure;
    return failure;
}

std::map<std::string, FaultTranslator>& translators() {
    static std::map<std::string, FaultTranslator> registered;
    return registered;
}

// The failure to report: a fault of a block under lockstep becomes its translator's mismatch.
std::exception_ptr translated(std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const RtlFault& fault) {
        const auto it = translators().find(fault.block());
        return it == translators().end() ? failure : it->second(fault);
    } catch (...) {
        return failure;
    }
}

std::string mismatch_line(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl) {
    std::ostringstream line;
    line << "t=" << std::fixed << std::setprecision(3) << t_ns << " ns: " << block << ": tlm " << tlm << ", rtl " << rtl;
    return line.str();
}
}  // namespace

CosimMismatch::CosimMismatch(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl)
    : std::runtime_error(mismatch_line(t_ns, block, tlm, rtl)) {}

void translate_faults(const std::string& block, FaultTranslator translator) {
    translators()[block] = std::move(translator);
}

void stop_translating_faults(const std::string& block) { translators().erase(block); }

void report_from_method(std::exception_ptr failure) {
    if (!first_failure()) first_failure() = translated(std::move(failure));
    sc_core::sc_stop();
}

std::exception_ptr pending_failure() { return first_failure(); }

void raise_in_process(std::exception_ptr failure) {
    const sc_core::sc_process_handle current = sc_core::sc_get_current_process_handle();
    if (current.valid()) return report_from_method(std::move(failure));
    std::rethrow_exception(failure);
}

}  // namespace kelle
