// RetentionModel: the log-normal fit must pass through its two anchors and be monotone.
#include <catch2/catch.hpp>
#include <cmath>

#include "edram/retention_model.h"

using kelle::RetentionModel;

TEST_CASE("normal quantile inverts the CDF", "[retention]") {
    // Standard table values: Phi(-1.959964) = 0.025, Phi^-1(1e-9) = -5.997807.
    CHECK(RetentionModel::normal_quantile(0.025) == Approx(-1.959964).epsilon(1e-6));
    CHECK(RetentionModel::normal_quantile(1e-9) == Approx(-5.997807).epsilon(1e-6));
}

TEST_CASE("the fit passes through both anchors", "[retention]") {
    const RetentionModel model(45.0, 1e-9, 700.0, 1e-5);
    CHECK(model.p_fail(45.0) == Approx(1e-9).epsilon(1e-6));
    CHECK(model.p_fail(700.0) == Approx(1e-5).epsilon(1e-6));
    // sigma = (ln 700 - ln 45) / (Phi^-1(1e-5) - Phi^-1(1e-9)) = 2.744418 / (-4.264891 + 5.997807)
    CHECK(model.sigma_ln() == Approx(2.744418 / 1.732916).epsilon(1e-5));
}

TEST_CASE("failure probability rises with time since refresh", "[retention]") {
    const RetentionModel model(45.0, 1e-9, 700.0, 1e-5);
    CHECK(model.p_fail(0.0) == 0.0);
    CHECK(model.p_fail(20.0) < model.p_fail(45.0));
    CHECK(model.p_fail(90.0) > model.p_fail(45.0));
    // The median retention is exp(mu): half the cells have failed there.
    CHECK(model.p_fail(std::exp(model.mu_ln_us())) == Approx(0.5));
}

TEST_CASE("a screened minimum retention truncates the distribution", "[retention]") {
    // Truncated at 45 us: p(t <= 45) = 0, and p(700) = (1e-5 - 1e-9) / (1 - 1e-9).
    const RetentionModel model(45.0, 1e-9, 700.0, 1e-5, 45.0);
    CHECK(model.p_fail(30.0) == 0.0);
    CHECK(model.p_fail(45.0) == 0.0);
    CHECK(model.p_fail(700.0) == Approx((1e-5 - 1e-9) / (1 - 1e-9)).epsilon(1e-6));
}

TEST_CASE("the paper's retention curve, expressed through the two anchor keys", "[retention]") {
    // kelle-paper.md section 4 proposes a log-normal cell retention with median ~0.56 s and
    // sigma(ln) ~1.68, P(45 us) ~ 1e-8, and gives its value at the four 2DRP intervals. The
    // existing keys express it as two anchors: retention_safe_us = 45 with p_fail 1e-8, and
    // retention_tail_us = 7200 with p_fail 4.9e-3 (the longest 2DRP interval). By hand:
    //   z1 = Phi^-1(1e-8) = -5.612001, z2 = Phi^-1(4.9e-3) = -2.582807,
    //   sigma = (ln 7200 - ln 45) / (z2 - z1) = 5.075174 / 3.029194 = 1.675421,
    //   mu = ln 45 - z1 x sigma = 3.806662 + 9.402463 = 13.209125, median e^mu = 0.545 s.
    // The paper's other points then come out within 4% (6.19e-6, 1.97e-4, 2.94e-3): the same curve.
    const RetentionModel model(45.0, 1e-8, 7200.0, 4.9e-3);
    CHECK(model.sigma_ln() == Approx(1.675421).epsilon(1e-5));
    CHECK(std::exp(model.mu_ln_us()) * 1e-6 == Approx(0.545).epsilon(0.01));
    CHECK(model.p_fail(360.0) == Approx(6.4e-6).epsilon(0.10));
    CHECK(model.p_fail(1440.0) == Approx(2.0e-4).epsilon(0.10));
    CHECK(model.p_fail(5400.0) == Approx(2.9e-3).epsilon(0.10));
    CHECK(model.p_fail(7200.0) == Approx(4.9e-3).epsilon(0.10));
}
