// RetentionModel: probability that an eDRAM bit has lost its value a time t after it was last
// written or refreshed.
//
// Gain-cell eDRAM retention times across cells follow a log-normal distribution (Teman et al.,
// DATE 2015, measured gain-cell arrays; RANA, ISCA 2018, uses the same shape). We fit the two
// parameters through two anchor points given as (time, failure probability): by default
// P = 1e-9 at 45 us (RANA's worst-case "safe" retention) and P = 1e-5 at 700 us, both
// [assumption] values listed in docs/ and kelle-paper.md. Temperature is not modelled: the
// anchors stand for the worst-case operating temperature.
//
// Screening: if parts are tested so that no cell retains less than `min_retention_us`, the
// distribution is truncated there: p_fail(t) = 0 for t <= t_min, and
// (F(t) - F(t_min)) / (1 - F(t_min)) above it. 0 (the default) means no such guarantee.
#pragma once

namespace kelle {

class RetentionModel {
public:
    // Anchors: p_fail(t1_us) = p1 and p_fail(t2_us) = p2, with t1 < t2 and p1 < p2.
    RetentionModel(double t1_us, double p1, double t2_us, double p2, double min_retention_us = 0);

    // P(retention time < t): the chance one bit has flipped after t without refresh.
    double p_fail(double t_us) const;

    double mu_ln_us() const { return mu_; }        // mean of ln(retention / 1 us)
    double sigma_ln() const { return sigma_; }     // std-dev of ln(retention / 1 us)

    static double normal_cdf(double z);
    static double normal_quantile(double p);  // inverse of normal_cdf, p in (0, 1)

private:
    double untruncated(double t_us) const;

    double mu_ = 0;
    double sigma_ = 1;
    double min_retention_us_ = 0;
    double f_min_ = 0;  // untruncated CDF at min_retention_us
};

}  // namespace kelle
