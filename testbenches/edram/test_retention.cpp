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
