#include "edram/retention_model.h"

#include <cmath>
#include <stdexcept>

namespace kelle {

double RetentionModel::normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double RetentionModel::normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw std::domain_error("normal_quantile: p must be in (0, 1)");
    // Bisection: the CDF is monotone, and 200 halvings of [-40, 40] reach double precision.
    double low = -40.0, high = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (low + high);
        (normal_cdf(mid) < p ? low : high) = mid;
    }
    return 0.5 * (low + high);
}

RetentionModel::RetentionModel(double t1_us, double p1, double t2_us, double p2, double min_retention_us)
    : min_retention_us_(min_retention_us) {
    if (!(t1_us > 0 && t2_us > t1_us && p1 > 0 && p2 > p1 && p2 < 1))
        throw std::invalid_argument("retention anchors need 0 < t1 < t2 and 0 < p1 < p2 < 1");
    const double z1 = normal_quantile(p1);
    const double z2 = normal_quantile(p2);
    sigma_ = (std::log(t2_us) - std::log(t1_us)) / (z2 - z1);
    mu_ = std::log(t1_us) - z1 * sigma_;
    f_min_ = untruncated(min_retention_us);
}

double RetentionModel::untruncated(double t_us) const {
    return t_us <= 0 ? 0.0 : normal_cdf((std::log(t_us) - mu_) / sigma_);
}

double RetentionModel::p_fail(double t_us) const {
    if (t_us <= min_retention_us_) return 0.0;
    return (untruncated(t_us) - f_min_) / (1.0 - f_min_);
}

}  // namespace kelle
