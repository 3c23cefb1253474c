#include "edram/refresh_manager.h"

#include <map>
#include <stdexcept>

#include "edram/refresh_scheduler.h"

namespace kelle {

namespace {
// A function-local static: it exists before the first registration or lookup, whichever comes first.
std::map<RefreshImpl, RefreshManagerFactory>& factories() {
    static std::map<RefreshImpl, RefreshManagerFactory> registry{
        {RefreshImpl::tlm, [](const char* /*name*/, int banks, const std::vector<double>& intervals_us) {
             return std::make_unique<RefreshScheduler>(banks, intervals_us);
         }}};
    return registry;
}
}  // namespace

void register_refresh_impl(RefreshImpl impl, RefreshManagerFactory factory) {
    factories()[impl] = std::move(factory);
}

bool has_refresh_impl(RefreshImpl impl) { return factories().count(impl) != 0; }

std::unique_ptr<RefreshManager> make_refresh_manager(RefreshImpl impl, const char* name, int banks,
                                                     const std::vector<double>& group_intervals_us) {
    const auto found = factories().find(impl);
    if (found == factories().end())
        throw std::logic_error("no refresh scheduler registered as '" + kRefreshImpls.name(impl) + "'");
    return found->second(name, banks, group_intervals_us);
}

}  // namespace kelle
