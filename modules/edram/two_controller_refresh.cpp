#include "edram/two_controller_refresh.h"

#include <algorithm>
#include <iterator>

namespace kelle {

TwoControllerRefresh::Controller TwoControllerRefresh::make(RefreshImpl impl, const std::string& name,
                                                            RefreshController which, const EdramBankMap& map,
                                                            const std::vector<double>& group_intervals_us) {
    Controller c;
    c.name = controller_name(which);
    c.banks = map.banks_of(which);
    std::vector<double> intervals_us;
    for (int g = 0; g < map.areas(); ++g) {
        const RefreshController owner = map.controller_of(g);
        if (owner != which && owner != RefreshController::both) continue;
        c.groups.push_back(g);
        intervals_us.push_back(group_intervals_us[static_cast<std::size_t>(g)]);
    }
    const std::string manager_name = name + "_" + c.name;
    c.manager = make_refresh_manager(impl, manager_name.c_str(), static_cast<int>(c.banks.size()), intervals_us);
    return c;
}

TwoControllerRefresh::TwoControllerRefresh(RefreshImpl impl, const std::string& name, const EdramBankMap& map,
                                           const std::vector<double>& group_intervals_us)
    : high_(make(impl, name, RefreshController::high, map, group_intervals_us)),
      low_(make(impl, name, RefreshController::low, map, group_intervals_us)) {}

double TwoControllerRefresh::next_due_ns() const {
    return std::min(high_.manager->next_due_ns(), low_.manager->next_due_ns());
}

void TwoControllerRefresh::pop(Controller& c, double now_ns) {
    c.due.clear();
    c.manager->pop_due(now_ns, c.due);
    for (RefreshBurst& burst : c.due) {
        burst.group = c.groups[static_cast<std::size_t>(burst.group)];
        burst.bank = c.banks[static_cast<std::size_t>(burst.bank)];
    }
}

void TwoControllerRefresh::pop_due(double now_ns, std::vector<RefreshBurst>& due) {
    pop(high_, now_ns);
    pop(low_, now_ns);
    const auto earlier = [](const RefreshBurst& a, const RefreshBurst& b) { return a.due_ns < b.due_ns; };
    std::merge(high_.due.begin(), high_.due.end(), low_.due.begin(), low_.due.end(), std::back_inserter(due), earlier);
}

void TwoControllerRefresh::trace(sc_core::sc_trace_file* file, const std::string& prefix) {
    high_.manager->trace(file, prefix + "_" + high_.name);
    low_.manager->trace(file, prefix + "_" + low_.name);
}

}  // namespace kelle
