// A VCD file read back for tests: the declared signals by dotted name and every value change.
#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace kelle_test {

// What a test needs of a VCD: the declared signals by full dotted name, and every value change
// with its time (the $dumpvars block's at the time before it).
struct Vcd {
    std::map<std::string, std::string> id_of;  // dotted name (top scope left out) -> identifier
    std::vector<std::uint64_t> times;          // every #time line, in order
    std::map<std::string, std::vector<std::pair<std::uint64_t, std::uint64_t>>> changes;  // id -> (time, value)
    bool dumpvars_after_time = false;          // a #time precedes $dumpvars
};

inline Vcd parse_vcd(const std::string& text) {
    Vcd vcd;
    std::istringstream in(text);
    std::vector<std::string> scopes;
    bool seen_time = false;
    std::uint64_t now = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string first;
        words >> first;
        if (first == "$scope") {
            std::string kind, name;
            words >> kind >> name;
            scopes.push_back(name);
        } else if (first == "$upscope") {
            scopes.pop_back();
        } else if (first == "$var") {
            std::string type, width, id, leaf;
            words >> type >> width >> id >> leaf;
            std::string name;
            for (std::size_t i = 1; i < scopes.size(); ++i) name += scopes[i] + ".";
            vcd.id_of[name + leaf] = id;
        } else if (first == "$dumpvars") {
            vcd.dumpvars_after_time = seen_time;
        } else if (!first.empty() && first[0] == '#') {
            now = std::stoull(first.substr(1));
            vcd.times.push_back(now);
            seen_time = true;
        } else if (!first.empty() && first[0] == 'b') {
            std::string id;
            words >> id;
            vcd.changes[id].emplace_back(now, std::stoull(first.substr(1), nullptr, 2));
        } else if (!first.empty() && (first[0] == '0' || first[0] == '1')) {
            vcd.changes[first.substr(1)].emplace_back(now, first[0] == '1' ? 1 : 0);
        }
    }
    return vcd;
}

}  // namespace kelle_test
