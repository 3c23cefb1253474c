#include "kvcache/eviction_unit.h"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace kelle {

namespace {
std::map<std::string, EvictionUnitFactory>& factories() {
    static std::map<std::string, EvictionUnitFactory> registered;
    return registered;
}
}  // namespace

std::size_t least_important_scan(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    const auto& tokens = head.tokens();
    const std::size_t end = tokens.size() - std::min(recent, tokens.size());
    std::size_t best = sinks;
    for (std::size_t i = sinks + 1; i < end; ++i)
        if (tokens[i].importance < tokens[best].importance) best = i;  // strict: ties keep the oldest
    return best;
}

void register_evictor_impl(const std::string& impl, EvictionUnitFactory factory) {
    factories()[impl] = std::move(factory);
}

bool has_evictor_impl(const std::string& impl) { return factories().count(impl) != 0; }

std::unique_ptr<EvictionUnit> make_eviction_unit(const std::string& impl) {
    const auto it = factories().find(impl);
    if (it == factories().end()) throw std::logic_error("no eviction unit registered as '" + impl + "'");
    return it->second();
}

}  // namespace kelle
