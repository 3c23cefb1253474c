#include "edram/refresh_manager.h"

#include <cmath>
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

std::uint64_t refresh_interval_ps(double interval_us) {
    return static_cast<std::uint64_t>(std::llround(interval_us * 1e6));
}

std::uint64_t refresh_due_ps(std::uint64_t interval_ps, int banks, std::uint64_t n) {
    // Split into whole steps and remainder so that no product overflows 64 bits.
    const auto b = static_cast<std::uint64_t>(banks);
    const std::uint64_t slots = n + 1;
    return interval_ps / b * slots + ((interval_ps % b) * slots + b / 2) / b;
}

double ps_to_ns(std::uint64_t ps) { return static_cast<double>(ps) * 1000.0 * 1e-15 * 1e9; }

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
