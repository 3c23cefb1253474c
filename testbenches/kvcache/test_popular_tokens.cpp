// AERP's popularity rule (kv_popularity.h) on hand-built heads, without a simulation: which
// prompt tokens a layer keeps as x, each count worked out by hand in the comments. The KV
// cache's runs of the rule (slots, x entries, traffic) are test_aerp_popularity.cpp.
#include <catch2/catch.hpp>
#include <vector>

#include "common/hand_shape.h"
#include "kvcache/kv_popularity.h"

using namespace kelle;

namespace {

// Four KV heads of head_dim 4 at 2 bytes. An x entry is hidden x 2 B; a holder's K/V 2 x 4 x 2.
ModelShape four_heads(int hidden) { return kelle_test::one_layer_shape(4, 4, hidden); }

HeadCache holding(const std::vector<std::uint32_t>& positions) {
    HeadCache head;
    for (const std::uint32_t p : positions) head.append(p, p);
    return head;
}

// The layer's heads: 0 and 1 held by all four, 2 by three, 3 and 4 by two, 5 by one.
const std::vector<HeadCache> kHeads = {holding({0, 1, 2, 3}), holding({0, 1, 2, 4}), holding({0, 1, 2, 3, 4}),
                                       holding({0, 1, 5})};

std::vector<std::uint32_t> chosen(PopularTokens& popular, KvStats& stats) {
    popular.start(6);
    for (const HeadCache& head : kHeads) popular.count(head);
    popular.choose(stats);
    std::vector<std::uint32_t> as_x;
    for (std::uint32_t p = 0; p < 6; ++p)
        if (popular.as_x(p)) as_x.push_back(p);
    return as_x;
}

}  // namespace

TEST_CASE("popular tokens are those more than half the heads hold, where x saves bytes", "[kv][aerp]") {
    // Share 0.5 of 4 heads: 3 make a token popular (2 are exactly half): 0, 1 and 2.
    // Multi-head (hidden 16 = 4 heads x 4): x is 32 B, three holders' K/V 3 x 16 = 48 B: x saves.
    PopularTokens popular(four_heads(16), 0.5, std::nullopt);
    KvStats stats;
    CHECK(chosen(popular, stats) == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(stats.popular_tokens == 3);
    CHECK(stats.x_saves_nothing_tokens == 0);
}

TEST_CASE("a popular token whose x is not smaller than its holders' K/V stays K/V", "[kv][aerp]") {
    // hidden 24: x is 48 B, equal to three holders' K/V (48 B, not smaller: 2 stays K/V) and less
    // than four holders' (64 B: 0 and 1 become x). All three count as popular, 2 as saving nothing.
    PopularTokens popular(four_heads(24), 0.5, std::nullopt);
    KvStats stats;
    CHECK(chosen(popular, stats) == std::vector<std::uint32_t>{0, 1});
    CHECK(stats.popular_tokens == 3);
    CHECK(stats.x_saves_nothing_tokens == 1);
}

TEST_CASE("a limit keeps the most-held popular tokens as x, the older of equals", "[kv][aerp]") {
    KvStats stats;
    // Limit 2: of 0, 1 (four holders) and 2 (three), the most held are 0 and 1.
    PopularTokens two(four_heads(16), 0.5, std::uint64_t{2});
    CHECK(chosen(two, stats) == std::vector<std::uint32_t>{0, 1});
    // Limit 1: 0 and 1 tie at four holders; the older, 0, stays x.
    PopularTokens one(four_heads(16), 0.5, std::uint64_t{1});
    CHECK(chosen(one, stats) == std::vector<std::uint32_t>{0});
    // The popular tokens are counted before the cap: 3 a layer, twice.
    CHECK(stats.popular_tokens == 6);
}
