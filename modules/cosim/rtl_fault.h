// The two ways an RTL co-simulation ends a run early, each one line on stderr (platforms/main.cpp):
//   RtlFault       the RTL block did something its adapter cannot go on from (a counter passed its
//                  range, a search that never ended): exit status 1, like a bad input.
//   CosimMismatch  cosim.lockstep saw the TLM model and the RTL block differ: exit status 5.
// Both are exceptions, not SC_REPORT_ERROR: thrown in the host's thread they reach main through
// HostInterface::failure() after sc_stop(), and a method process reports them through
// report_from_method(), so the kernel is never unwound by an exception (which aborted the run
// with `free(): invalid pointer` in SystemC 2.3.4).
#pragma once

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace kelle {

class RtlFault : public std::runtime_error {
public:
    RtlFault(const std::string& block, const std::string& message)
        : std::runtime_error(block + ": " + message), block_(block) {}
    const std::string& block() const { return block_; }
    static constexpr int kExitStatus = 1;

private:
    std::string block_;
};

class CosimMismatch : public std::runtime_error {
public:
    // "t=<ns> ns: <block>: tlm <value>, rtl <value>"
    CosimMismatch(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl);
    static constexpr int kExitStatus = 5;
};

// For a method process: keeps the first failure, stops the simulation and returns; main asks
// pending_failure() after sc_start and rethrows it.
void report_from_method(std::exception_ptr failure);
std::exception_ptr pending_failure();
// Under lockstep a block's fault is a difference from its TLM model: the lockstep registers, for
// the block's name, what to report instead (a CosimMismatch with the TLM side's value), and
// report_from_method() reports that. Unregister before the lockstep is destroyed.
using FaultTranslator = std::function<std::exception_ptr(const RtlFault&)>;
void translate_faults(const std::string& block, FaultTranslator translator);
void stop_translating_faults(const std::string& block);

// Inside a process (method or thread) reports `failure` as above and returns, and the caller must
// return too: a thread's caller may not catch it (the end-of-run callbacks run outside the
// host's try), and the first failure must win. Outside the simulation rethrows it.
void raise_in_process(std::exception_ptr failure);

}  // namespace kelle
