#include "common/observable.h"

#include <algorithm>
#include <cmath>

namespace kelle {

nlohmann::ordered_json& StatsReport::at(const std::string& path) {
    nlohmann::ordered_json* node = &json_;
    std::size_t begin = 0;
    while (true) {
        const std::size_t dot = path.find('.', begin);
        node = &(*node)[path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin)];
        if (dot == std::string::npos) return *node;
        begin = dot + 1;
    }
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    return values[std::max<std::size_t>(rank, 1) - 1];
}

}  // namespace kelle
