// The human summary table kelle-sim prints on stdout, read from the stats JSON so the two
// can never disagree.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

namespace kelle {

void print_summary(std::ostream& out, const nlohmann::ordered_json& stats);

}  // namespace kelle
