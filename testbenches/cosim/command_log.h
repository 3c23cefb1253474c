// Refresh commands as the lockstep bench sees them, and the comparison of two sides' streams.
// Plain C++: the comparison is tested on hand-made streams too (test_command_log.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kelle_cosim {

struct RefreshCommand {
    std::uint64_t time_ps = 0;
    int group = 0;
    int bank = 0;
    bool operator==(const RefreshCommand& o) const { return time_ps == o.time_ps && group == o.group && bank == o.bank; }
};

using CommandLog = std::vector<RefreshCommand>;

inline std::string describe(const CommandLog& log, std::size_t index) {
    if (index >= log.size()) return "(none)";
    const RefreshCommand& c = log[index];
    char text[96];
    std::snprintf(text, sizeof text, "(%.3f ns, group %d, bank %d)", static_cast<double>(c.time_ps) * 1e-3, c.group, c.bank);
    return text;
}

// Empty when the streams match command for command; otherwise the first mismatch, at the
// earlier of the two commands' times, with both sides' values.
inline std::string first_mismatch(const CommandLog& tlm, const CommandLog& rtl) {
    for (std::size_t i = 0; i < std::max(tlm.size(), rtl.size()); ++i) {
        if (i < tlm.size() && i < rtl.size() && tlm[i] == rtl[i]) continue;
        const std::uint64_t at_ps = i >= tlm.size()   ? rtl[i].time_ps
                                    : i >= rtl.size() ? tlm[i].time_ps
                                                      : std::min(tlm[i].time_ps, rtl[i].time_ps);
        char head[96];
        std::snprintf(head, sizeof head, "first mismatch, command #%zu at %.3f ns: ", i, static_cast<double>(at_ps) * 1e-3);
        return head + std::string("tlm ") + describe(tlm, i) + " vs rtl " + describe(rtl, i);
    }
    return "";
}

}  // namespace kelle_cosim
