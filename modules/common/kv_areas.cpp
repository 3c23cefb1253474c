#include "common/kv_areas.h"

#include <cmath>
#include <tuple>

namespace kelle {

KvAreaPlan plain_area_plan(std::uint64_t capacity_bytes, std::uint64_t row_bytes) {
    KvAreaPlan plan;
    plan.row_bytes = row_bytes;
    plan.areas.push_back(KvArea{"all", 0, 0, 0, capacity_bytes / row_bytes});
    return plan;
}

KvAreaPlan two_dimensional_area_plan(std::uint64_t capacity_bytes, std::uint64_t row_bytes, int banks,
                                     double important_share) {
    KvAreaPlan plan;
    plan.classes = 2;
    plan.planes = 2;
    plan.row_bytes = row_bytes;
    const std::uint64_t rows = capacity_bytes / row_bytes;
    const auto b = static_cast<std::uint64_t>(banks);
    // Per plane: the class's share of half the rows, rounded down to whole rows in every bank.
    const auto whole = [b](double r) { return static_cast<std::uint64_t>(std::floor(r / static_cast<double>(b))) * b; };
    const std::uint64_t important = whole(static_cast<double>(rows) / 2.0 * important_share);
    const std::uint64_t unimportant = whole(static_cast<double>(rows) / 2.0) - important;
    std::uint64_t next = 0;
    for (const auto& [name, klass, plane, count] :
         {std::tuple{"important_msb", 0, 0, important}, std::tuple{"important_lsb", 0, 1, important},
          std::tuple{"unimportant_msb", 1, 0, unimportant}, std::tuple{"unimportant_lsb", 1, 1, unimportant}}) {
        plan.areas.push_back(KvArea{name, klass, plane, next, count});
        next += count;
    }
    if (next < rows) plan.areas.push_back(KvArea{"unused", -1, 0, next, rows - next});
    return plan;
}

}  // namespace kelle
