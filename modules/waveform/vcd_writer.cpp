#include "waveform/vcd_writer.h"

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

namespace kelle {

namespace {
constexpr std::size_t kFlushBytes = 1 << 20;

// The VCD identifier codes: printable ASCII from '!' to '~', shortest first.
std::string identifier_code(std::size_t index) {
    constexpr int kFirst = '!', kCount = '~' - '!' + 1;
    std::string code;
    do {
        code += static_cast<char>(kFirst + index % kCount);
        index /= kCount;
    } while (index > 0);
    return code;
}

std::uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }  // the kernel's resolution is 1 ps (units.h)

// A signal's dotted name as nested scopes: `edram.refresh_bank3` is `refresh_bank3` in scope
// `edram`. Signals stay in the order they were traced; scopes are sorted, as SystemC's are.
struct Scope {
    std::vector<std::pair<std::string, std::size_t>> signals;  // leaf name, index
    std::map<std::string, std::unique_ptr<Scope>> children;

    void add(const std::string& name, std::size_t index) {
        const std::size_t dot = name.find('.');
        if (dot == std::string::npos) {
            signals.emplace_back(name, index);
            return;
        }
        std::unique_ptr<Scope>& child = children[name.substr(0, dot)];
        if (!child) child = std::make_unique<Scope>();
        child->add(name.substr(dot + 1), index);
    }
};
}  // namespace

SignalSelection::SignalSelection(std::vector<std::string> patterns)
    : patterns_(std::move(patterns)), matched_(patterns_.size(), false) {}

bool SignalSelection::keeps(const std::string& name) {
    if (patterns_.empty()) return true;
    bool kept = false;
    for (std::size_t i = 0; i < patterns_.size(); ++i)
        if (fnmatch(patterns_[i].c_str(), name.c_str(), 0) == 0) kept = matched_[i] = true;
    return kept;
}

std::vector<std::string> SignalSelection::unmatched_patterns() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < patterns_.size(); ++i)
        if (!matched_[i]) out.push_back(patterns_[i]);
    return out;
}

VcdWriter::VcdWriter(const std::string& path, SignalSelection selection)
    : path_(path), file_(std::fopen(path.c_str(), "w")), selection_(std::move(selection)) {
    if (!file_) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    sc_core::sc_get_curr_simcontext()->add_trace_file(this);
}

VcdWriter::~VcdWriter() {
    sc_core::sc_get_curr_simcontext()->remove_trace_file(this);
    if (file_) std::fclose(file_);
}

std::vector<std::string> VcdWriter::signal_names() const {
    std::vector<std::string> names;
    for (const Signal& signal : signals_) names.push_back(signal.name);
    return names;
}

void VcdWriter::trace(const bool& object, const std::string& name) { add_signal(&object, sizeof(bool), 1, false, name); }

void VcdWriter::add_signal(const void* address, int bytes, int width, bool is_signed, const std::string& name) {
    if (state_ != State::waiting || start_requested_)
        throw std::logic_error("VCD signal " + name + " traced after recording started");
    if (width < 1 || width > 64) throw std::logic_error("VCD signal " + name + ": width must be 1 to 64 bits");
    if (!selection_.keeps(name)) return;
    signals_.push_back({name, identifier_code(signals_.size()), address, bytes, width, is_signed});
}

std::optional<std::size_t> VcdWriter::add_timed(const std::string& name, int width) {
    const std::size_t before = signals_.size();
    add_signal(nullptr, 0, width, false, name);
    if (signals_.size() == before) return std::nullopt;
    return before;
}

void VcdWriter::change_at(std::size_t timed, std::uint64_t time_ps, std::uint64_t value) {
    if (state_ == State::done) return;
    if (time_ps < now_ps() || (!timed_.empty() && time_ps < timed_.back().time_ps))
        throw std::logic_error("VCD signal " + signals_.at(timed).name + ": a change stamped before an earlier one");
    const int width = signals_.at(timed).width;
    timed_.push_back({time_ps, timed, width >= 64 ? value : value & ((std::uint64_t{1} << width) - 1)});
}

void VcdWriter::apply_timed(std::uint64_t time_ps) {
    for (; !timed_.empty() && timed_.front().time_ps <= time_ps; timed_.pop_front()) {
        Signal& signal = signals_[timed_.front().signal];
        if (signal.value == timed_.front().value && state_ == State::recording) continue;
        signal.value = timed_.front().value;
        if (state_ != State::recording) continue;
        write_time(timed_.front().time_ps);
        write_value(signal);
    }
}

void VcdWriter::unsupported(const std::string& name) const {
    throw std::logic_error("VCD signal " + name + ": kelle's VCD writer traces bool and integers only");
}

void VcdWriter::write_comment(const std::string& comment) { comments_.push_back(comment); }

std::uint64_t VcdWriter::read(const Signal& signal) const {
    if (!signal.address) return signal.value;  // timed: its last change applied
    std::uint64_t raw = 0;
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the low bytes of `raw` must be the value's");
    std::memcpy(&raw, signal.address, static_cast<std::size_t>(signal.bytes));
    if (signal.is_signed && signal.bytes < 8 && (raw >> (8 * signal.bytes - 1)) & 1)
        raw |= ~std::uint64_t{0} << (8 * signal.bytes);  // sign-extend, then keep `width` bits
    return signal.width >= 64 ? raw : raw & ((std::uint64_t{1} << signal.width) - 1);
}

void VcdWriter::cycle(bool delta_cycle) {
    if (delta_cycle || state_ == State::done) return;
    const std::uint64_t now = now_ps();
    apply_timed(now);
    if (state_ == State::waiting) {
        if (!start_requested_) return;
        write_header();
        write_time(now);
        buffer_ += "$dumpvars\n";
        for (Signal& signal : signals_) {
            signal.value = read(signal);
            write_value(signal);
        }
        buffer_ += "$end\n";
        state_ = State::recording;
    } else {
        write_changes(now);
    }
    if (stop_requested_) end_recording(now);
    if (buffer_.size() >= kFlushBytes) flush_buffer();
}

// The last time written is the window's end, so a viewer shows the waveform up to it.
void VcdWriter::end_recording(std::uint64_t now) {
    if (now > last_time_ps_) write_time(now);
    state_ = State::done;
    timed_.clear();  // past the window
}

void VcdWriter::write_changes(std::uint64_t now) {
    bool time_written = false;
    for (Signal& signal : signals_) {
        const std::uint64_t value = read(signal);
        if (value == signal.value) continue;
        if (!time_written) write_time(now);
        time_written = true;
        signal.value = value;
        write_value(signal);
    }
}

bool VcdWriter::finish() {
    cycle(false);
    if (state_ == State::waiting) return false;
    if (state_ == State::recording) {
        // A block clocked outside the kernel may have stamped changes past the last time step.
        const std::uint64_t last_change_ps = timed_.empty() ? 0 : timed_.back().time_ps;
        apply_timed(last_change_ps);
        end_recording(std::max(now_ps(), last_change_ps));
    }
    flush_buffer();
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (write_failed_ || !closed) throw std::runtime_error("write failed, the waveform is incomplete");
    return true;
}

void VcdWriter::write_header() {
    buffer_ += "$version\n    kelle-sim (SystemC " + std::string(sc_core::sc_release()) + ")\n$end\n";
    for (const std::string& comment : comments_) buffer_ += "$comment\n    " + comment + "\n$end\n";
    buffer_ += "$timescale\n    1 ps\n$end\n";
    write_scopes();
    buffer_ += "$enddefinitions $end\n";
}

void VcdWriter::write_scopes() {
    Scope top;
    for (std::size_t i = 0; i < signals_.size(); ++i) top.add(signals_[i].name, i);
    const auto write = [this](const auto& self, const std::string& name, const Scope& scope) -> void {
        buffer_ += "$scope module " + name + " $end\n";
        for (const auto& [leaf, index] : scope.signals) {
            const Signal& signal = signals_[index];
            buffer_ += "$var wire " + std::to_string(signal.width) + " " + signal.id + " " + leaf;
            if (signal.width > 1) buffer_ += " [" + std::to_string(signal.width - 1) + ":0]";
            buffer_ += " $end\n";
        }
        for (const auto& [child_name, child] : scope.children) self(self, child_name, *child);
        buffer_ += "$upscope $end\n";
    };
    write(write, "kelle", top);
}

void VcdWriter::write_time(std::uint64_t now) {
    if (time_written_ && now == last_time_ps_) return;  // timed changes may have written it
    buffer_ += '#' + std::to_string(now) + '\n';
    last_time_ps_ = now;
    time_written_ = true;
}

// A vector's leading zeros are left out: VCD extends a value with zeros to its width.
void VcdWriter::write_value(const Signal& signal) {
    if (signal.width == 1) {
        buffer_ += signal.value ? '1' : '0';
    } else {
        buffer_ += 'b';
        int bit = signal.width - 1;
        while (bit > 0 && !((signal.value >> bit) & 1)) --bit;
        for (; bit >= 0; --bit) buffer_ += ((signal.value >> bit) & 1) ? '1' : '0';
        buffer_ += ' ';
    }
    buffer_ += signal.id;
    buffer_ += '\n';
}

// After a failed write (a full disk) the rest is dropped: the run goes on for its stats, and
// finish() reports the waveform incomplete.
void VcdWriter::flush_buffer() {
    if (!write_failed_ && !buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) write_failed_ = true;
    buffer_.clear();
}

bool keeps_signal(sc_core::sc_trace_file* file, const std::string& name) {
    auto* writer = dynamic_cast<VcdWriter*>(file);
    return !writer || writer->keeps(name);
}

}  // namespace kelle
