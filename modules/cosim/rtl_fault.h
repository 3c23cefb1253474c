// The two ways an RTL co-simulation ends a run early, each one line on stderr (platforms/main.cpp):
//   RtlFault       the RTL block did something its adapter cannot go on from (a counter passed its
//                  range, a search that never ended): exit status 1, like a bad input.
//   CosimMismatch  cosim.lockstep saw the TLM model and the RTL block differ: exit status 5.
// Both are exception types, never SC_REPORT_ERROR, and never thrown through the SystemC kernel
// (which aborted the run with `free(): invalid pointer` in SystemC 2.3.4): raise() below.
#pragma once

#include <functional>
#include <optional>
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
    // "t=<ns> ns, <context>: <block>: tlm <value>, rtl <value>", t exact to the picosecond; the
    // context (the decode step) from set_mismatch_context, left out when none is set.
    CosimMismatch(double t_ns, const std::string& block, const std::string& tlm, const std::string& rtl);
    static constexpr int kExitStatus = 5;
};

// What a mismatch line says about where the run was (the platform: "prefill", "decode step 12").
void set_mismatch_context(std::function<std::string()> context);

// Report a fault or a mismatch. Inside a SystemC process (method or thread) they keep the first
// failure, stop the simulation and return, and the caller must return too (with any answer: it
// is no longer used); main asks pending_failure() after sc_start. Nothing is thrown there: a
// thread's caller may be an end-of-run callback nobody guards, and a method's caller is the
// kernel. Outside the simulation (benches) they throw.
void raise(const RtlFault& fault);
void raise(const CosimMismatch& mismatch);

// The first failure raised inside the simulation, as main prints it, "kelle-sim: <kind>: <message>":
// plain data, so that reporting it after sc_start throws nothing (ASan's view of the stack is
// stale after SystemC's coroutines, and it takes a throw then for a stack overflow).
struct PendingFailure {
    std::string kind;  // "RTL error" or "lockstep mismatch"
    std::string message;
    int exit_status = 0;
};
std::optional<PendingFailure> pending_failure();

// Under lockstep a block's fault is a difference from its TLM model: the lockstep registers, for
// the block's name, the mismatch to raise instead (with the TLM side's value). Unregister before
// the lockstep is destroyed.
using FaultTranslator = std::function<CosimMismatch(const RtlFault&)>;
void translate_faults(const std::string& block, FaultTranslator translator);
void stop_translating_faults(const std::string& block);

}  // namespace kelle
