#include "common/log.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <systemc>

#include "common/error.h"

namespace kelle {

namespace {
constexpr std::array<const char*, 5> kTypes{msg::host, msg::sequencer, msg::kvcache, msg::edram, msg::pe};
constexpr std::array<const char*, 4> kLevelNames{"off", "warning", "info", "debug"};

std::array<LogLevel, kTypes.size()>& levels() {
    static std::array<LogLevel, kTypes.size()> table = [] {
        std::array<LogLevel, kTypes.size()> t{};
        t.fill(LogLevel::warning);
        return t;
    }();
    return table;
}

int type_index(const char* type) {
    for (std::size_t i = 0; i < kTypes.size(); ++i)
        if (type == kTypes[i] || std::strcmp(type, kTypes[i]) == 0) return static_cast<int>(i);
    return -1;
}

std::string known_types() {
    std::string list = "kelle";
    for (const char* type : kTypes) list += std::string(", ") + type;
    return list;
}

// SystemC's actions follow our table: a type's warnings and infos are displayed or not.
void apply(int index) {
    using namespace sc_core;
    const LogLevel level = levels()[static_cast<std::size_t>(index)];
    sc_report_handler::set_actions(kTypes[static_cast<std::size_t>(index)], SC_WARNING,
                                   level >= LogLevel::warning ? SC_DISPLAY : SC_DO_NOTHING);
    sc_report_handler::set_actions(kTypes[static_cast<std::size_t>(index)], SC_INFO,
                                   level >= LogLevel::info ? SC_DISPLAY : SC_DO_NOTHING);
}

// Our types' displayed reports go to stderr as one line; everything else keeps SystemC's handler.
void handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
    if (type_index(report.get_msg_type()) >= 0 && (actions & sc_core::SC_DISPLAY) &&
        report.get_severity() <= sc_core::SC_WARNING) {
        std::fprintf(stderr, "%.3f us %s: %s%s\n", report.get_time().to_seconds() * 1e6, report.get_msg_type(),
                     report.get_severity() == sc_core::SC_WARNING ? "warning: " : "", report.get_msg());
        return;
    }
    sc_core::sc_report_handler::default_handler(report, actions);
}
}  // namespace

LogLevel detail::loudest_level = LogLevel::warning;

bool detail::type_enabled(const char* type, LogLevel level) {
    const int index = type_index(type);
    return index >= 0 && levels()[static_cast<std::size_t>(index)] >= level;
}

void init_logging() {
    sc_core::sc_report_handler::set_handler(handler);
    for (std::size_t i = 0; i < kTypes.size(); ++i) apply(static_cast<int>(i));
}

void set_log_level(const std::string& assignment) {
    const auto equals = assignment.find('=');
    const std::string type = assignment.substr(0, equals);
    const std::string level = equals == std::string::npos ? "" : assignment.substr(equals + 1);
    int level_index = -1;
    for (std::size_t i = 0; i < kLevelNames.size(); ++i)
        if (level == kLevelNames[i]) level_index = static_cast<int>(i);
    if (level_index < 0)
        throw InputError("command line", 0, "--log", "expected TYPE=off|warning|info|debug, got '" + assignment + "'",
                         InputOrigin::command_line);
    const int index = type_index(type.c_str());
    if (index < 0 && type != "kelle")
        throw InputError("command line", 0, "--log", "unknown message type '" + type + "' (one of " + known_types() + ")",
                         InputOrigin::command_line);
    for (std::size_t i = 0; i < kTypes.size(); ++i) {
        if (index >= 0 && static_cast<int>(i) != index) continue;
        levels()[i] = static_cast<LogLevel>(level_index);
        apply(static_cast<int>(i));
    }
    detail::loudest_level = *std::max_element(levels().begin(), levels().end());
}

void log_message(const char* type, LogLevel level, const std::string& text) {
    if (level == LogLevel::warning) SC_REPORT_WARNING(type, text.c_str());
    else SC_REPORT_INFO(type, text.c_str());
}

}  // namespace kelle
