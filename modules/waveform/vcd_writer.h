// kelle-sim's VCD writer: SystemC's trace-file interface, with a selection of signals and a
// window of simulated time (docs/outputs.md, "Waveforms").
//
// SystemC 2.3.4's own VCD file (sc_create_vcd_trace_file) can neither leave out a traced signal
// nor pause: every variable handed to sc_trace is declared, and every change from the first time
// step to the end of the run is written. VcdWriter takes the modules' sc_trace calls unchanged
// (it is an sc_trace_file, registered with the kernel like SystemC's own, so the kernel calls
// cycle() at the end of every time step), declares only the signals a SignalSelection matches,
// and writes nothing until start_recording() and nothing after stop_recording(). The header
// and a dump of every selected signal's value are written at the time step recording starts,
// so a window taken from the middle of a run is a complete waveform of its own.
//
// Supported values: bool and the integer types (the only ones the platform traces); anything
// else is a model error when it is traced. Time is written in ps, the kernel's resolution.
//
// Timed signals: a block clocked outside the kernel (the RTL evictor searches within one
// simulated instant, docs/cosim.md) cannot be sampled at the end of a time step. Its owner
// declares each signal with add_timed() and stamps every change itself (change_at), at or after
// the current simulated time and never before its previous change; the writer merges those
// changes into the file in time order, inside the window like every other signal.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <systemc>
#include <type_traits>
#include <vector>

namespace kelle {

// The signals a waveform keeps: glob patterns (fnmatch(3): `*`, `?`, `[...]`; `*` crosses dots)
// over dotted signal names such as `edram.refresh_bank3`. No pattern keeps every signal.
class SignalSelection {
public:
    SignalSelection() = default;
    explicit SignalSelection(std::vector<std::string> patterns);

    // Whether `name` is kept; remembers which patterns matched something.
    bool keeps(const std::string& name);
    // Patterns that have not matched any name asked about so far (a typo, most likely).
    std::vector<std::string> unmatched_patterns() const;

private:
    std::vector<std::string> patterns_;
    std::vector<bool> matched_;
};

class VcdWriter : public sc_core::sc_trace_file {
public:
    // Opens `path` for writing; throws std::runtime_error when it cannot.
    VcdWriter(const std::string& path, SignalSelection selection);
    ~VcdWriter() override;
    VcdWriter(const VcdWriter&) = delete;
    VcdWriter& operator=(const VcdWriter&) = delete;

    // Whether a signal called `name` is declared: lets a model skip the work of driving a
    // signal that nobody will see (ActivityTrace).
    bool keeps(const std::string& name) { return selection_.keeps(name); }
    const SignalSelection& selection() const { return selection_; }
    // Names of the signals declared, in the order they were traced.
    std::vector<std::string> signal_names() const;

    // Called by a process at the current simulated time; each takes effect at the end of the
    // current time step, so the values written are the ones the time step settles on.
    void start_recording() { start_requested_ = true; }
    void stop_recording() { stop_requested_ = true; }

    // A timed signal (see above) of `width` bits, 0 until its first change: its handle for
    // change_at, or nothing when the selection leaves it out. Declared before recording starts.
    std::optional<std::size_t> add_timed(const std::string& name, int width);
    // `value` from `time_ps` on. Throws std::logic_error for a time before the current simulated
    // time or before an earlier change.
    void change_at(std::size_t timed, std::uint64_t time_ps, std::uint64_t value);
    // Whether a change from now on can still reach the file (false once the window has closed).
    bool takes_changes() const { return state_ != State::done; }

    // After the simulation: writes the last time step (the kernel has no time step after
    // sc_stop) and closes the file. False when nothing was recorded (the window never opened);
    // throws std::runtime_error when a write failed.
    bool finish();

    // sc_trace_file: declares `object` under `name` if the selection keeps it.
    void trace(const bool& object, const std::string& name) override;
    void trace(const unsigned char& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const unsigned short& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const unsigned int& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const unsigned long& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const char& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const short& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const int& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const long& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const sc_dt::int64& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const sc_dt::uint64& object, const std::string& name, int width) override { add(object, name, width); }
    void trace(const sc_core::sc_event&, const std::string& name) override { unsupported(name); }
    void trace(const sc_core::sc_time&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_bit&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_logic&, const std::string& name) override { unsupported(name); }
    void trace(const float&, const std::string& name) override { unsupported(name); }
    void trace(const double&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_int_base&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_uint_base&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_signed&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_unsigned&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_fxval&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_fxval_fast&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_fxnum&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_fxnum_fast&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_bv_base&, const std::string& name) override { unsupported(name); }
    void trace(const sc_dt::sc_lv_base&, const std::string& name) override { unsupported(name); }
    void trace(const unsigned int&, const std::string& name, const char**) override { unsupported(name); }
    void write_comment(const std::string& comment) override;
    // Time is always written in the kernel's 1 ps: a coarser unit would merge edges.
    void set_time_unit(double, sc_core::sc_time_unit) override {}

protected:
    void cycle(bool delta_cycle) override;

private:
    // One declared signal: `bytes` bytes at `address`, read as an integer of `width` bits (a
    // timed signal has no address: its value is the last change applied).
    struct Signal {
        std::string name;
        std::string id;  // the VCD identifier code
        const void* address;
        int bytes;
        int width;
        bool is_signed;
        std::uint64_t value = 0;  // as last written
    };

    template <class T>
    void add(const T& object, const std::string& name, int width) {
        add_signal(&object, sizeof(T), width, std::is_signed_v<T>, name);
    }
    void add_signal(const void* address, int bytes, int width, bool is_signed, const std::string& name);
    [[noreturn]] void unsupported(const std::string& name) const;

    std::uint64_t read(const Signal& signal) const;
    void write_header();
    void write_scopes();
    void write_time(std::uint64_t now_ps);
    void write_value(const Signal& signal);
    void write_changes(std::uint64_t now_ps);
    void end_recording(std::uint64_t now_ps);
    void flush_buffer();
    // Applies the timed changes up to `time_ps`, writing them when recording.
    void apply_timed(std::uint64_t time_ps);

    struct TimedChange {
        std::uint64_t time_ps;
        std::size_t signal;
        std::uint64_t value;
    };

    enum class State { waiting, recording, done };

    std::string path_;
    std::FILE* file_ = nullptr;
    SignalSelection selection_;
    std::vector<Signal> signals_;
    std::deque<TimedChange> timed_;  // in time order, not yet applied
    std::vector<std::string> comments_;  // written into the header
    std::string buffer_;                 // written out in large blocks
    State state_ = State::waiting;
    bool start_requested_ = false;
    bool stop_requested_ = false;
    std::uint64_t last_time_ps_ = 0;  // of the last "#time" line
    bool time_written_ = false;
    bool write_failed_ = false;
};

// Whether `file` keeps a signal called `name`: a VcdWriter asks its selection, any other trace
// file (SystemC's own, in the co-simulation benches) keeps every signal.
bool keeps_signal(sc_core::sc_trace_file* file, const std::string& name);

}  // namespace kelle
