#include "cosim/rtl_fault.h"

#include <iomanip>
#include <map>
#include <sstream>
#include <systemc>

namespace kelle {

namespace {
std::optional<PendingFailure>& first_failure() {
    static std::optional<PendingFailure> failure;
    return failure;
}

std::map<std::string, FaultTranslator>& translators() {
    static std::map<std::string, FaultTranslator> registered;
    return registered;
}

std::function<std::string()>& context() {
    static std::function<std::string()> where;
    return where;
}

std::string mismatch_line(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl) {
    std::ostringstream line;
    line << "t=" << std::fixed << std::setprecision(3) << t_ns << " ns";
    if (context()) line << ", " << context()();
    line << ": " << block << ": tlm " << tlm << ", rtl " << rtl;
    return line.str();
}
}  // namespace

CosimMismatch::CosimMismatch(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl)
    : std::runtime_error(mismatch_line(t_ns, block, tlm, rtl)) {}

void set_mismatch_context(std::function<std::string()> where) { context() = std::move(where); }

void translate_faults(const std::string& block, FaultTranslator translator) {
    translators()[block] = std::move(translator);
}

void stop_translating_faults(const std::string& block) { translators().erase(block); }

namespace {
template <class Failure>
void keep_or_throw(const Failure& failure, const char* kind) {
    if (!sc_core::sc_get_current_process_handle().valid()) throw failure;
    if (!first_failure()) first_failure() = PendingFailure{kind, failure.what(), Failure::kExitStatus};
    sc_core::sc_stop();
}
}  // namespace

void raise(const RtlFault& fault) {
    const auto it = translators().find(fault.block());
    if (it != translators().end()) return raise(it->second(fault));
    keep_or_throw(fault, "RTL error");
}

void raise(const CosimMismatch& mismatch) { keep_or_throw(mismatch, "lockstep mismatch"); }

std::optional<PendingFailure> pending_failure() { return first_failure(); }

}  // namespace kelle
