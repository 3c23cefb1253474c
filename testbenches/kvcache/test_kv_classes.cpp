// 2DRP's classes (kv_classes.h, carried out by the KV cache) against their definition,
// recomputed by brute force after every step: the important class holds exactly the
// min(important_slots, K/V tokens) tokens of highest accumulated attention (older first on
// ties), and each step moves only the tokens whose class that definition changed, each once.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <vector>

#include "common/fake_kv_store.h"
#include "common/kv_areas.h"
#include "common/random.h"
#include "kvcache/kv_budget.h"
#include "kvcache/kv_cache.h"

using namespace kelle;

namespace {

// One layer, one KV head and one query head: a slot is 2 x 4 x 2 = 16 B.
TraceHeader toy() {
    TraceHeader h;
    h.model.name = "toy";
    h.model.layers = 1;
    h.model.heads = 1;
    h.model.kv_heads = 1;
    h.model.head_dim = 4;
    h.model.hidden = 4;
    h.model.ffn = 8;
    h.model.dtype_bytes = 2;
    h.prompt_tokens = 4;
    h.decode_steps = 300;
    return h;
}

// The positions the definition puts in the important class.
std::set<std::uint32_t> wanted_important(const HeadCache& head, std::uint64_t important_slots) {
    std::vector<std::size_t> order(head.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) {
                         // Relative importances: the head's base is common to all, and adding it could round two apart.
                         return head.tokens()[a].relative_importance > head.tokens()[b].relative_importance;
                     });
    std::set<std::uint32_t> wanted;
    for (std::size_t k = 0; k < std::min<std::size_t>(important_slots, order.size()); ++k)
        wanted.insert(head.tokens()[order[k]].position);
    return wanted;
}

std::set<std::uint32_t> in_important_class(const HeadCache& head, std::uint64_t important_slots) {
    std::set<std::uint32_t> held;
    for (const KvToken& token : head.tokens())
        if (token.slot < important_slots) held.insert(token.position);
    return held;
}

}  // namespace

TEST_CASE("2DRP's important class is the most-attended tokens after every step", "[kv][2drp]") {
    const TraceHeader header = toy();
    KvConfig config;
    config.policy = KvPolicy::h2o;
    config.budget_tokens = 16;
    config.recent_tokens = 4;
    const KvBudget budget = KvBudget::of(config, header, std::nullopt, 0.5);
    REQUIRE(budget.important_slots == 8);  // half of the 16 slots
    // 64 rows of 64 B in 2 banks: ample room, so every slot is on chip.
    KvCache kv("kv", config, header, two_dimensional_area_plan(4096, 64, 2, 0.5), budget, 1 << 20, false);
    REQUIRE(kv.has_importance_classes());
    kelle_test::KvDriver driver("driver", kv, [&] {
        kv.write_prompt(0, nullptr, 0);
        SplitMix64 random(11);
        for (int step = 0; step < header.decode_steps; ++step) {
            const auto position = static_cast<std::uint32_t>(header.prompt_tokens + step);
            kv.admit_token(0, position, 0);
            kv.write_new(0, 0);
            // Four listed scores in steps of 1/8 (ties are common), the rest spread evenly.
            StepScores scores;
            scores.context_tokens = static_cast<int>(position) + 1;
            scores.heads_per_layer = 1;
            HeadScores listed;
            listed.residual = 0.25f;
            for (int k = 0; k < 4; ++k) {
                const auto p = static_cast<std::uint32_t>(random.next() % (position + 1));
                if (std::none_of(listed.top.begin(), listed.top.end(), [&](const ScoreEntry& e) { return e.position == p; }))
                    listed.top.push_back({p, static_cast<float>(random.next() % 4) / 8.0f});
            }
            scores.heads.push_back(listed);
            kv.update_importance(0, scores);
            const HeadCache& head = kv.head(0, 0);
            const std::set<std::uint32_t> before = in_important_class(head, budget.important_slots);
            const std::set<std::uint32_t> wanted = wanted_important(head, budget.important_slots);
            const std::uint64_t moves_before = kv.stats().class_moves;
            kv.move_between_classes(0, 0);
            REQUIRE(in_important_class(head, budget.important_slots) == wanted);
            // Moved: the tokens that leave the class and those that enter it, once each.
            std::vector<std::uint32_t> changed;
            std::set_symmetric_difference(before.begin(), before.end(), wanted.begin(), wanted.end(),
                                          std::back_inserter(changed));
            REQUIRE(kv.stats().class_moves - moves_before == changed.size());
        }
        // The run exercised both: 4 + 300 tokens through a budget of 16 evict 288, and classes
        // changed along the way.
        CHECK(kv.stats().evictions == 288);
        CHECK(kv.stats().class_moves > 0);
    });
    sc_core::sc_start();
}

TEST_CASE("2DRP puts the prompt's tokens in their classes before writing them", "[kv][2drp]") {
    TraceHeader header = toy();
    header.prompt_tokens = 12;
    KvConfig config;
    config.policy = KvPolicy::h2o;
    config.budget_tokens = 16;
    config.recent_tokens = 4;
    const KvBudget budget = KvBudget::of(config, header, std::nullopt, 0.5);
    REQUIRE(budget.important_slots == 8);
    KvCache kv("kv", config, header, two_dimensional_area_plan(4096, 64, 2, 0.5), budget, 1 << 20, false);
    // Prefill attention: positions 5, 7, 9 and 11 listed at 0.2, the other eight share 0.8
    // (0.1 each). By hand: those four, then the four oldest of the ties (0-3) are the important
    // eight. Admission alone would put 0-7 in the unimportant class (a new token's class) and
    // 8-11 in the important one, so this placement is not the admission order.
    StepScores prefill;
    prefill.step = -1;
    prefill.context_tokens = header.prompt_tokens;
    prefill.heads_per_layer = 1;
    HeadScores listed;
    listed.residual = 0.8f;
    for (const std::uint32_t p : {5u, 7u, 9u, 11u}) listed.top.push_back({p, 0.2f});
    prefill.heads.push_back(listed);
    kelle_test::KvDriver driver("driver", kv, [&] {
        kv.write_prompt(0, &prefill, 0);
        CHECK(in_important_class(kv.head(0, 0), budget.important_slots) ==
              std::set<std::uint32_t>{0, 1, 2, 3, 5, 7, 9, 11});
        // Placed before anything was written: nothing had to move.
        CHECK(kv.stats().class_moves == 0);
        kv.move_between_classes(0, 0);
        CHECK(kv.stats().class_moves == 0);
    });
    sc_core::sc_start();
}
