// AERP's popularity rule (kv.x_selection = popularity) on toys small enough to follow by hand:
// which prompt tokens a layer's KV heads keep, which of them are popular (kept by more than
// half of the heads), that those are stored once as x, stay x while any head holds them and
// free their entry with the last, and that a grouped-query layer keeps everything as K/V.
#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "common/fake_kv_store.h"
#include "common/kv_areas.h"
#include "kvcache/kv_budget.h"
#include "kvcache/kv_cache.h"

using namespace kelle;

namespace {

// One layer of `kv_heads` KV heads shared by 4 query heads, head_dim 8, hidden 32, 16-bit: a
// slot (K and V of one head) is 2 x 8 x 2 = 32 B and an x entry 32 x 2 = 64 B.
TraceHeader toy(int kv_heads) {
    TraceHeader h;
    h.model.name = "toy";
    h.model.layers = 1;
    h.model.heads = 4;
    h.model.kv_heads = kv_heads;
    h.model.head_dim = 8;
    h.model.hidden = 32;
    h.model.ffn = 64;
    h.model.dtype_bytes = 2;
    h.prompt_tokens = 9;
    h.decode_steps = 2;
    return h;
}

// Budget N' = 6 with 1 sink and a recent window of 1 (the paper's shape, scaled down).
KvConfig popularity_config() {
    KvConfig c;
    c.policy = KvPolicy::aerp;
    c.budget_tokens = 6;
    c.recent_tokens = 1;
    c.sink_tokens = 1;
    c.keep_sinks = true;
    c.x_selection = XSelection::popularity;
    c.popular_share = 0.5;
    return c;
}

// Prefill attention each query head gave positions 0..8 (all listed, no residual). Admitting the
// prompt with a fixed importance, a head of budget 6 ends with {0} (the sink), {7, 8} (8 is the
// window; 7 was when 8 arrived) and the 3 most important of 1..6:
//   table 0: 1 (.30), 3 (.20), 2 (.10)      table 1: 1 (.30), 4 (.20), 2 (.10)
//   table 2: 1 (.30), 4 (.20), 3 (.10)      table 3: 1 (.30), 2 (.20), 5 (.10)
// Positions 7 and 8 get .50, above every other candidate, so decode never evicts them here.
const std::vector<std::vector<float>> kTables = {
    {.05f, .30f, .10f, .20f, .01f, .02f, .03f, .50f, .50f},
    {.05f, .30f, .10f, .01f, .20f, .02f, .03f, .50f, .50f},
    {.05f, .30f, .01f, .10f, .20f, .02f, .03f, .50f, .50f},
    {.05f, .30f, .20f, .01f, .02f, .10f, .03f, .50f, .50f},
};

StepScores prefill(const std::vector<int>& table_of_query_head) {
    StepScores s;
    s.context_tokens = 9;
    s.heads_per_layer = 4;
    for (const int table : table_of_query_head) {
        HeadScores head;
        for (std::uint32_t p = 0; p < 9; ++p) head.top.push_back({p, kTables[static_cast<std::size_t>(table)][p]});
        s.heads.push_back(head);
    }
    return s;
}

std::vector<std::uint32_t> positions(const HeadCache& head, bool as_x) {
    std::vector<std::uint32_t> out;
    for (const KvToken& t : head.tokens())
        if (static_cast<bool>(t.as_x) == as_x) out.push_back(t.position);
    return out;
}

using Positions = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("popular_min_heads is a strict majority of the share", "[kv][aerp]") {
    CHECK(popular_min_heads(0.5, 4) == 3);    // 2 of 4 is exactly half: not more
    CHECK(popular_min_heads(0.5, 32) == 17);  // LLaMA-2-7B
    CHECK(popular_min_heads(0.75, 4) == 4);   // 3 of 4 is exactly 75%
    CHECK(popular_min_heads(0.4, 4) == 2);    // 1.6 heads: 2 are more
}

TEST_CASE("popular prompt tokens are stored once as x, stay x while held and free with the last head",
          "[kv][aerp]") {
    const TraceHeader header = toy(4);
    const KvConfig config = popularity_config();
    const KvBudget budget = KvBudget::of(config, header, std::nullopt, 0);
    // No x tier: each head's region holds the whole budget; the x store the most popular tokens
    // the layer can hold, 6 x 4 heads / 3 heads each = 8.
    CHECK(budget.kv_slots == 6);
    CHECK(budget.x_entries == 8);
    KvCache kv("kv", config, header, plain_area_plan(8192, 64), budget, 1 << 20, false);
    const StepScores scores = prefill({0, 1, 2, 3});  // KV head h uses table h
    kelle_test::KvDriver driver("driver", kv, [&] {
        kv.write_prompt(0, &scores, 0);
        // Heads keep {0, 7, 8} and: h0 {1, 2, 3}, h1 {1, 2, 4}, h2 {1, 3, 4}, h3 {1, 2, 5}.
        // Holders: 0, 1, 7, 8 by 4 heads; 2 by 3 (h0, h1, h3): popular. 3 (h0, h2) and 4 (h1, h2)
        // by exactly 2: not popular; 5 by 1.
        CHECK(positions(kv.head(0, 0), true) == Positions{0, 1, 2, 7, 8});
        CHECK(positions(kv.head(0, 0), false) == Positions{3});
        CHECK(positions(kv.head(0, 1), false) == Positions{4});
        CHECK(positions(kv.head(0, 2), true) == Positions{0, 1, 7, 8});
        CHECK(positions(kv.head(0, 2), false) == Positions{3, 4});
        CHECK(positions(kv.head(0, 3), false) == Positions{5});
        CHECK(kv.stats().popular_tokens == 5);
        CHECK(kv.stats().x_saves_nothing_tokens == 0);
        // Stored once: 5 x entries for 4 + 4 + 3 + 4 + 4 = 19 head references. On chip: K/V
        // slots 1 + 1 + 2 + 1 = 5 x 32 B = 160 B, x 5 x 64 B = 320 B: 480 B, where all 24 as
        // K/V would take 768 B.
        CHECK(kv.x_tokens_max() == 5);
        CHECK(kv.stats().onchip_kv_bytes_max == 480);
        CHECK(kv.read_x(0, 0).recompute_tokens == 5);

        // Step 1 admits 9; each head evicts the least important outside sink 0 and window 8:
        // h0 of {1 .3, 2 .1, 3 .2, 7 .5}: 2; h1 of {1, 2 .1, 4 .2, 7}: 2; h2 of {1, 3 .1, 4 .2, 7}:
        // 3; h3 of {1, 2 .2, 5 .1, 7}: 5. Token 2 is left in h3 alone: still x, not recomputed
        // any less (its K and V are recomputed for every head; h3 alone reads them).
        kv.admit_token(0, 9, 0);
        CHECK(kv.read_x(0, 0).recompute_tokens == 5);
        kv.write_new(0, 0);
        CHECK(positions(kv.head(0, 3), true) == Positions{0, 1, 2, 7, 8});
        CHECK(positions(kv.head(0, 0), false) == Positions{3, 9});  // a decode token is K/V

        // Step 2 admits 10 (window 9): h0 evicts 3 (.2), h1 and h2 evict 4 (.2), h3 evicts 2
        // (.2 against 1 .3, 7 and 8 .5): its last holder, so its x entry is freed.
        kv.admit_token(0, 10, 0);
        CHECK(kv.read_x(0, 0).recompute_tokens == 4);
        CHECK(positions(kv.head(0, 3), true) == Positions{0, 1, 7, 8});
        // 5 + 5 + 4 recomputed over the three reads; 3 evictions a head in prefill (9 into 6),
        // then 4 a step.
        CHECK(kv.stats().recomputes == 14);
        CHECK(kv.stats().evictions == 20);
    });
    sc_core::sc_start();
}

TEST_CASE("grouped-query attention: popular tokens stay K/V, since x saves nothing", "[kv][aerp]") {
    // 2 KV heads, each shared by 2 query heads: KV head 0 sums tables 0 and 0, KV head 1 tables
    // 1 and 1, so they keep h0's and h1's sets above: {0, 1, 2, 3, 7, 8} and {0, 1, 2, 4, 7, 8}.
    // 0, 1, 2, 7 and 8 are held by both, more than half: popular. But x is 32 x 2 = 64 B and
    // the K/V of both heads 2 x 32 B = 64 B: x is not smaller, so none is converted.
    const TraceHeader header = toy(2);
    const KvConfig config = popularity_config();
    const KvBudget budget = KvBudget::of(config, header, std::nullopt, 0);
    CHECK(budget.x_entries == 0);  // even all heads holding a token would not make x smaller
    KvCache kv("kv", config, header, plain_area_plan(8192, 64), budget, 1 << 20, false);
    const StepScores scores = prefill({0, 0, 1, 1});
    kelle_test::KvDriver driver("driver", kv, [&] {
        kv.write_prompt(0, &scores, 0);
        CHECK(positions(kv.head(0, 0), false) == Positions{0, 1, 2, 3, 7, 8});
        CHECK(positions(kv.head(0, 1), true).empty());
        CHECK(kv.stats().popular_tokens == 5);
        CHECK(kv.stats().x_saves_nothing_tokens == 5);
        CHECK(kv.x_tokens_max() == 0);
        CHECK(kv.read_x(0, 0).recompute_tokens == 0);
        CHECK(kv.stats().onchip_kv_bytes_max == 12 * 32);  // AEP's footprint: 12 slots
    });
    sc_core::sc_start();
}

TEST_CASE("retained_cache_bytes: LLaMA-2-7B at N' = 128, batch 16", "[kv][capacity]") {
    TraceHeader header;
    header.model.name = "llama-2-7b";
    header.model.layers = 32;
    header.model.heads = 32;
    header.model.kv_heads = 32;
    header.model.head_dim = 128;
    header.model.hidden = 4096;
    header.model.ffn = 11008;
    header.model.dtype_bytes = 2;
    KvConfig config;
    config.policy = KvPolicy::aep;
    config.budget_tokens = 128;
    config.recent_tokens = 64;
    const KvBudget aep = KvBudget::of(config, header, std::nullopt, 0);
    // 32 layers x 32 heads x 128 tokens x (2 x 128 x 2 B) x 16 sequences
    // = 1024 x 128 x 512 B x 16 = 67,108,864 B x 16 = 1,073,741,824 B: 1 GiB.
    CHECK(aep.retained_cache_bytes(header.model, 16) == 1073741824ULL);
    // AERP by popularity adds the x store: 128 x 32 / 17 = 240 entries a layer (a popular token
    // takes at least 17 of the 32 heads' 128 slots), x 32 layers = 7680 entries of 16 x 4096 x 2
    // = 131,072 B: 1,006,632,960 B more, 2,080,374,784 B in all.
    config.policy = KvPolicy::aerp;
    config.x_selection = XSelection::popularity;
    const KvBudget aerp = KvBudget::of(config, header, std::nullopt, 0);
    CHECK(aerp.x_entries == 7680);
    CHECK(aerp.retained_cache_bytes(header.model, 16) == 2080374784ULL);
}

TEST_CASE("an idle-compute limit keeps the most-held popular tokens as x, the rest as K/V", "[kv][aerp]") {
    // The toy above with the array able to recompute 3 tokens a layer (kv.recompute_sizing =
    // idle_compute): of the popular 0, 1, 7, 8 (4 holders each) and 2 (3 holders), the most held
    // first and the older among equals: 0, 1, 7 become x; 8 and 2 stay K/V in every head.
    const TraceHeader header = toy(4);
    const KvConfig config = popularity_config();
    const KvBudget budget = KvBudget::of(config, header, std::uint64_t{3}, 0);
    CHECK(budget.kv_slots == 6);
    CHECK(budget.x_entries == 3);  // min(8 the layer could hold, 3 the array recomputes)
    KvCache kv("kv_capped", config, header, plain_area_plan(8192, 64), budget, 1 << 20, false);
    const StepScores scores = prefill({0, 1, 2, 3});
    kelle_test::KvDriver driver("driver_capped", kv, [&] {
        kv.write_prompt(0, &scores, 0);
        CHECK(positions(kv.head(0, 0), true) == Positions{0, 1, 7});
        CHECK(positions(kv.head(0, 0), false) == Positions{2, 3, 8});
        CHECK(positions(kv.head(0, 2), false) == Positions{3, 4, 8});
        CHECK(kv.x_tokens_max() == 3);
        CHECK(kv.read_x(0, 0).recompute_tokens == 3);
    });
    sc_core::sc_start();
}
