#include "kvcache/eviction_unit.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace kelle {

namespace {
struct Registered {
    EvictionUnitFactory factory;
    std::vector<int> score_bits;
};
std::map<std::string, Registered>& factories() {
    static std::map<std::string, Registered> registered;
    return registered;
}
}  // namespace

std::size_t least_important_scan(const HeadCache& head, std::size_t sinks, std::size_t recent) {
    const auto& tokens = head.tokens();
    const std::size_t end = tokens.size() - std::min(recent, tokens.size());
    // Select, not branch: a new minimum is rare but not predictable, and this runs for every
    // head at every decode step.
    std::size_t best = sinks;
    double best_importance = tokens[sinks].relative_importance;
    for (std::size_t i = sinks + 1; i < end; ++i) {
        const double importance = tokens[i].relative_importance;
        const bool lower = importance < best_importance;  // strict: ties keep the oldest
        best = lower ? i : best;
        best_importance = lower ? importance : best_importance;
    }
    return best;
}

void register_evictor_impl(const std::string& impl, EvictionUnitFactory factory, std::vector<int> score_bits) {
    factories()[impl] = {std::move(factory), std::move(score_bits)};
}

bool has_evictor_impl(const std::string& impl) { return factories().count(impl) != 0; }

bool has_evictor_impl(const std::string& impl, int score_bits) {
    const auto it = factories().find(impl);
    return it != factories().end() &&
           std::find(it->second.score_bits.begin(), it->second.score_bits.end(), score_bits) != it->second.score_bits.end();
}

std::unique_ptr<EvictionUnit> make_eviction_unit(const std::string& impl, int score_bits) {
    if (!has_evictor_impl(impl, score_bits))
        throw std::logic_error("no eviction unit registered as '" + impl + "' for " + std::to_string(score_bits) +
                               "-bit scores");
    return factories().at(impl).factory(score_bits);
}

}  // namespace kelle
