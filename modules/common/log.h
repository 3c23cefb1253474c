// Model messages. Every module reports through SystemC's sc_report with a message type of its
// own, so a user can raise or silence one module's messages from the command line
// (`kelle-sim --log kelle/edram=debug`) without touching the others:
//
//   type             module                 what it says at info / debug
//   kelle/host       host/                  phases (prefill, decode) / every decode step
//   kelle/sequencer  sequencer/             the layer's schedule / every layer command
//   kelle/kvcache    kvcache/               budget and tiers / every eviction
//   kelle/edram      edram/                 geometry and refresh groups / every refresh burst
//   kelle/pe         pe_array/              the array's shape / every PE command
//
// Levels: off (nothing, warnings included), warning (the default), info, debug. Errors are
// always reported. Messages go to stderr, stamped with the simulated time, so stdout keeps
// the summary table alone.
#pragma once

#include <sstream>
#include <string>

namespace kelle {

enum class LogLevel { off, warning, info, debug };

namespace msg {
inline constexpr const char* host = "kelle/host";
inline constexpr const char* sequencer = "kelle/sequencer";
inline constexpr const char* kvcache = "kelle/kvcache";
inline constexpr const char* edram = "kelle/edram";
inline constexpr const char* pe = "kelle/pe";
}  // namespace msg

// Applies `TYPE=LEVEL` (TYPE one of the table above, or `kelle` for all of them); InputError
// naming `--log` otherwise.
void set_log_level(const std::string& assignment);
// Installs the stderr handler and the default levels; kelle-sim calls it once, before the model.
void init_logging();
namespace detail {
// The most verbose level of any type, so that a silenced message costs one inline compare
// (refresh bursts log at debug, millions a run).
extern LogLevel loudest_level;
bool type_enabled(const char* type, LogLevel level);
}  // namespace detail

inline bool log_enabled(const char* type, LogLevel level) {
    return level <= detail::loudest_level && detail::type_enabled(type, level);
}

void log_message(const char* type, LogLevel level, const std::string& text);

// KELLE_LOG(msg::edram, LogLevel::debug, "burst " << bank): the text is built only when the
// level is on, so a debug message in a hot path costs one lookup when silenced.
#define KELLE_LOG(type, level, stream_expression)                     \
    do {                                                              \
        if (::kelle::log_enabled(type, level)) {                      \
            std::ostringstream kelle_log_text;                        \
            kelle_log_text << stream_expression;                      \
            ::kelle::log_message(type, level, kelle_log_text.str());  \
        }                                                             \
    } while (false)

}  // namespace kelle
