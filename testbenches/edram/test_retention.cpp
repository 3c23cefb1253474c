// RetentionModel: the log-normal fit must pass through its two anchors and be monotone; and
// EdramArray's expected flips, counted in the refresh group each write's address is in.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "common/units.h"
#include "edram/edram_array.h"
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

TEST_CASE("a write's expected flips count in the refresh group its address falls in", "[retention]") {
    // The paper's 4 MB store under 2DRP (test_bank_layout.cpp's plan): four areas of 512 rows of
    // 2048 B = 1 MiB each, important_msb from 0, important_lsb from 1 MiB, unimportant_msb from
    // 2 MiB, unimportant_lsb from 3 MiB; the group of an address is the area whose range holds it.
    kelle::EdramConfig config;
    config.capacity_mb = 4;
    config.banks = 32;
    config.row_bytes = 2048;
    config.refresh_policy = kelle::RefreshPolicy::two_dim;
    config.important_share = 0.5;
    config.interval_2drp_us[0][0] = 360, config.interval_2drp_us[0][1] = 5400;
    config.interval_2drp_us[1][0] = 1440, config.interval_2drp_us[1][1] = 7200;
    config.retention_safe_us = 45, config.retention_safe_p_fail = 1e-8;
    config.retention_tail_us = 7200, config.retention_tail_p_fail = 4.9e-3;
    const kelle::KvAreaPlan plan = kelle::refresh_area_plan(config);
    REQUIRE(plan.areas.size() == 4);
    kelle::EdramArray array(config, plan, kelle::group_intervals_us(config, plan));
    constexpr std::uint64_t kMiB = 1048576;
    CHECK(array.group_of(0) == 0);
    CHECK(array.group_of(kMiB - 1) == 0);
    CHECK(array.group_of(kMiB) == 1);
    CHECK(array.group_of(3 * kMiB - 1) == 2);
    CHECK(array.group_of(4 * kMiB - 1) == 3);
    // 10 B into unimportant_msb: 80 bits x p_fail(1440 us), nothing in the other groups.
    array.write(2 * kMiB + 100, nullptr, 10);
    const RetentionModel model(45, 1e-8, 7200, 4.9e-3);
    CHECK(array.expected_bit_flips(2) == Approx(80 * model.p_fail(1440)).epsilon(1e-12));
    CHECK(array.expected_bit_flips(0) == 0);
    CHECK(array.expected_bit_flips(3) == 0);
}

TEST_CASE("functional cells read back across a chunk boundary, and unwritten bytes read as zeros", "[retention]") {
    // 4 MB under periodic refresh at 45 us with a screened retention of 1 s: p_fail = 0, so
    // the bytes come back as written. The array keeps them in 1 MiB chunks: a write of 6 B at
    // 1 MiB - 3 puts 3 B in chunk 0 and 3 B in chunk 1.
    kelle::EdramConfig config;
    config.capacity_mb = 4;
    config.banks = 32;
    config.row_bytes = 2048;
    config.refresh_policy = kelle::RefreshPolicy::periodic;
    config.refresh_interval_us = 45;
    config.functional = true;
    config.retention_min_us = 1e6;
    config.retention_safe_us = 45, config.retention_safe_p_fail = 1e-8;
    config.retention_tail_us = 7200, config.retention_tail_p_fail = 4.9e-3;
    const kelle::KvAreaPlan plan = kelle::refresh_area_plan(config);
    kelle::EdramArray array(config, plan, kelle::group_intervals_us(config, plan));
    const unsigned char written[6] = {1, 2, 3, 4, 5, 6};
    array.write(1048576 - 3, written, 6);
    unsigned char read[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    array.read(1048576 - 4, read, 8);  // one unwritten byte either side
    const unsigned char expected[8] = {0, 1, 2, 3, 4, 5, 6, 0};
    CHECK(std::equal(read, read + 8, expected));
    array.read(3 * 1048576, read, 8);  // a chunk nothing was written to
    CHECK(std::all_of(read, read + 8, [](unsigned char b) { return b == 0; }));
    CHECK(array.actual_bit_flips() == 0);
}
