// Eviction policies on hand-made score sequences; the kept sets are worked out in comments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "kvcache/eviction_policy.h"
#include "kvcache/eviction_unit.h"
#include "common/random.h"

using namespace kelle;

namespace {
std::vector<std::uint32_t> positions(const HeadCache& head) {
    std::vector<std::uint32_t> out;
    for (const KvToken& t : head.tokens()) out.push_back(t.position);
    return out;
}

// Admits `position` the way the KV cache does: evict first when the budget (the cache's, not the
// policy's: KvBudget) is full; 0 is no budget.
void admit(HeadCache& head, const EvictionPolicy& policy, std::size_t budget, std::uint32_t position) {
    if (budget != 0 && head.size() >= budget) head.erase(policy.victim(head));
    head.append(position, position);
}

HeadScores scores(std::vector<ScoreEntry> top, float residual) { return HeadScores{std::move(top), residual}; }
}  // namespace

TEST_CASE("accumulate gives listed scores and spreads the residual", "[kv]") {
    HeadCache head;
    for (std::uint32_t p = 0; p < 4; ++p) head.append(p, p);
    // context 4, listed {1: 0.5, 3: 0.3}, residual 0.2 over the 2 unlisted positions -> 0.1 each.
    const double mass = head.accumulate(scores({{1, 0.5f}, {3, 0.3f}}, 0.2f), 4);
    CHECK(head.importance(0) == Approx(0.1));
    CHECK(head.importance(1) == Approx(0.5));
    CHECK(head.importance(2) == Approx(0.1));
    CHECK(head.importance(3) == Approx(0.3));
    CHECK(mass == Approx(1.0));
}

TEST_CASE("attention mass counts only what the cache holds", "[kv]") {
    HeadCache head;
    head.append(2, 0);
    head.append(3, 1);
    // context 4 (positions 0..3), listed {0: 0.6, 3: 0.2}, residual 0.2 over 2 unlisted (1, 2):
    // held = 3's 0.2 + 2's share 0.1 = 0.3.
    CHECK(head.accumulate(scores({{0, 0.6f}, {3, 0.2f}}, 0.2f), 4) == Approx(0.3));
}

TEST_CASE("full keeps every token", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::full, 0);
    HeadCache head;
    for (std::uint32_t p = 0; p < 10; ++p) admit(head, *policy, 0, p);
    CHECK(head.size() == 10);
}

TEST_CASE("window keeps the most recent budget tokens", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::window, 0);
    HeadCache head;
    for (std::uint32_t p = 0; p < 6; ++p) admit(head, *policy, 3, p);
    // Budget 3 after positions 0..5: {3, 4, 5}.
    CHECK(positions(head) == std::vector<std::uint32_t>{3, 4, 5});
}

TEST_CASE("h2o keeps heavy hitters and the recent window", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::h2o, 1);
    HeadCache head;
    for (std::uint32_t p = 0; p < 3; ++p) admit(head, *policy, 3, p);
    // Step with context 3: position 0 is a heavy hitter (0.7), 1 gets 0.1, 2 gets 0.2.
    head.accumulate(scores({{0, 0.7f}, {1, 0.1f}, {2, 0.2f}}, 0.0f), 3);
    // Admitting 3: candidates exclude the newest 1 (position 2); lowest of {0: 0.7, 1: 0.1} is 1.
    admit(head, *policy, 3, 3);
    CHECK(positions(head) == std::vector<std::uint32_t>{0, 2, 3});
    // Context 4: 0 gets 0.1 (total 0.8), 2 gets 0.05 (0.25), 3 gets 0.85; 1 is gone.
    head.accumulate(scores({{0, 0.1f}, {2, 0.05f}, {3, 0.85f}}, 0.0f), 4);
    // Admitting 4: the recent window protects 3; lowest of {0: 0.8, 2: 0.25} is 2.
    admit(head, *policy, 3, 4);
    CHECK(positions(head) == std::vector<std::uint32_t>{0, 3, 4});
}

TEST_CASE("h2o evicts the oldest among equal scores", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::h2o, 1);
    HeadCache head;
    for (std::uint32_t p = 0; p < 5; ++p) admit(head, *policy, 3, p);
    // No scores: all importances 0, so the oldest non-recent token goes each time -> {2, 3, 4}.
    CHECK(positions(head) == std::vector<std::uint32_t>{2, 3, 4});
}

TEST_CASE("a budget that cannot hold what the policy never evicts is refused", "[kv]") {
    CHECK_THROWS_AS(check_budget_holds(KvPolicy::h2o, 4, 4, 0), std::invalid_argument);  // window 4 of 4
    CHECK_THROWS_AS(check_budget_holds(KvPolicy::window, 0, 0, 0), std::invalid_argument);
    CHECK_THROWS_AS(check_budget_holds(KvPolicy::streaming, 4, 0, 4), std::invalid_argument);  // 4 sinks of 4
    CHECK_THROWS_AS(check_budget_holds(KvPolicy::aep, 4, 3, 1), std::invalid_argument);  // 1 + 3 leaves none
    CHECK_NOTHROW(check_budget_holds(KvPolicy::aep, 5, 3, 1));                           // one evictable
    CHECK_NOTHROW(check_budget_holds(KvPolicy::full, 0, 0, 0));                          // full has no budget
}

TEST_CASE("h2o keeps the prompt tokens prefill marked as heavy", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::h2o, 1);
    HeadCache head;
    // Prefill importance: position 0 (a sink) 0.5, position 2 0.3, the rest 0.05.
    const double prefill[] = {0.5, 0.05, 0.3, 0.05, 0.05};
    for (std::uint32_t p = 0; p < 5; ++p) {
        if (head.size() >= 3) head.erase(policy->victim(head));
        head.append(p, p, prefill[p]);
    }
    // Admitting 3 evicts 1 (0.05, the lowest outside the window {2}); admitting 4 protects 3 and
    // evicts the lowest of {0: 0.5, 2: 0.3}: 2. Kept: {0, 3, 4}. Without prefill, {2, 3, 4}.
    CHECK(positions(head) == std::vector<std::uint32_t>{0, 3, 4});
}

TEST_CASE("streaming keeps the sinks and the most recent tokens", "[kv]") {
    auto policy = make_eviction_policy(KvPolicy::streaming, 0, 2);
    HeadCache head;
    for (std::uint32_t p = 0; p < 8; ++p) admit(head, *policy, 4, p);
    // Budget 4 with 2 sinks: positions 0 and 1 stay, the 2 most recent of 2..7 are 6 and 7.
    CHECK(positions(head) == std::vector<std::uint32_t>{0, 1, 6, 7});
}

TEST_CASE("aep evicts by H2O's rule", "[kv]") {
    auto aep = make_eviction_policy(KvPolicy::aep, 1);
    auto h2o = make_eviction_policy(KvPolicy::h2o, 1);
    HeadCache a, b;
    const double prefill[] = {0.5, 0.05, 0.3, 0.05, 0.05};
    for (std::uint32_t p = 0; p < 5; ++p) {
        if (a.size() >= 3) a.erase(aep->victim(a));
        if (b.size() >= 3) b.erase(h2o->victim(b));
        a.append(p, p, prefill[p]);
        b.append(p, p, prefill[p]);
    }
    CHECK(std::string(aep->name()) == "aep");
    CHECK(positions(a) == positions(b));
}

TEST_CASE("aep with sinks never evicts the first positions, by the head's heap and by the scan", "[kv]") {
    // Budget 4, 1 sink, window 1; prefill importance: the sink 0 is the least attended.
    auto aep = make_eviction_policy(KvPolicy::aep, 1, 1);
    const double prefill[] = {0.01, 0.3, 0.1, 0.2, 0.05, 0.4};
    HeadCache scanned, heaped;
    for (std::uint32_t p = 0; p < 6; ++p) {
        if (scanned.size() >= 4) scanned.erase(least_important_scan(scanned, 1, 1));
        if (heaped.size() >= 4) heaped.erase(aep->victim(heaped));
        scanned.append(p, p, prefill[p]);
        heaped.append(p, p, prefill[p]);
    }
    // Admitting 4 evicts the least of {1 .3, 2 .1} (3 is the window): 2. Admitting 5 evicts
    // the least of {1 .3, 3 .2} (4 is the window): 3. Position 0 (.01) stays as the sink;
    // without it, 0 would have gone first.
    CHECK(positions(scanned) == std::vector<std::uint32_t>{0, 1, 4, 5});
    CHECK(positions(heaped) == positions(scanned));
}

TEST_CASE("the head's heap picks the scan's victim while scores accumulate", "[kv]") {
    // The scan (least_important_scan) is the rule; the heap must agree at every eviction over a
    // long decode in which listed scores raise and lower tokens (a listed score below the even
    // share lowers a token's relative importance) and coarse scores make ties common.
    const std::size_t budget = 24, recent = 6, sinks = 3;
    auto h2o = make_eviction_policy(KvPolicy::h2o, recent, sinks);
    HeadCache heaped, scanned;
    SplitMix64 random(7);
    std::uint32_t position = 0;
    for (int step = 0; step < 600; ++step, ++position) {
        if (heaped.size() >= budget) {
            const std::size_t victim = h2o->victim(heaped);
            REQUIRE(victim == least_important_scan(scanned, sinks, recent));
            heaped.erase(victim);
            scanned.erase(victim);
        }
        heaped.append(position, position);
        scanned.append(position, position);
        std::vector<ScoreEntry> top;
        for (int k = 0; k < 4; ++k) {
            const auto listed = static_cast<std::uint32_t>(random.next() % (position + 1));
            if (std::none_of(top.begin(), top.end(), [&](const ScoreEntry& e) { return e.position == listed; }))
                top.push_back({listed, static_cast<float>(random.next() % 4) / 8.0f});
        }
        const HeadScores scores{top, 0.25f};
        heaped.accumulate(scores, static_cast<int>(position + 1));
        scanned.accumulate(scores, static_cast<int>(position + 1));
    }
}

namespace {
// Admits positions 0..n-1 with `importance` by the replay (PromptEvictions) and, alongside, into a
// HeadCache by victim() and erase; returns both victim sequences.
std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>> replayed_and_erased(
    const EvictionPolicy& policy, std::size_t budget, const std::vector<double>& importance) {
    std::vector<std::uint32_t> replayed, erased;
    const std::unique_ptr<PromptEvictions> replay = policy.prompt_evictions(budget);
    HeadCache head;
    for (std::uint32_t p = 0; p < importance.size(); ++p) {
        if (const auto victim = replay->admit(p, importance[p])) replayed.push_back(*victim);
        if (head.size() >= budget)
            erased.push_back(head.erase(policy.victim(head)).position);
        head.append(p, p, importance[p]);
    }
    return {replayed, erased};
}
}  // namespace

TEST_CASE("a prompt's replayed evictions, worked by hand", "[kv]") {
    // aep, budget 4, window 1, 1 sink, the prefill importances of the case above: admitting 4
    // evicts 2, admitting 5 evicts 3.
    auto aep = make_eviction_policy(KvPolicy::aep, 1, 1);
    const auto [replayed, erased] = replayed_and_erased(*aep, 4, {0.01, 0.3, 0.1, 0.2, 0.05, 0.4});
    CHECK(replayed == std::vector<std::uint32_t>{2, 3});
    CHECK(erased == replayed);
    // window, budget 3: admitting 3, 4, 5 evicts the oldest, 0, 1, 2.
    auto window = make_eviction_policy(KvPolicy::window, 0);
    CHECK(replayed_and_erased(*window, 3, std::vector<double>(6, 0.0)).first == std::vector<std::uint32_t>{0, 1, 2});
    // streaming, budget 4, 2 sinks: the oldest past the sinks, 2, 3, 4.
    auto streaming = make_eviction_policy(KvPolicy::streaming, 0, 2);
    CHECK(replayed_and_erased(*streaming, 4, std::vector<double>(7, 0.0)).first == std::vector<std::uint32_t>{2, 3, 4});
}

TEST_CASE("a prompt's replayed evictions are the ones victim() makes, ties included", "[kv]") {
    // The head's own search is the rule; coarse importances make ties (the oldest goes first).
    SplitMix64 random(11);
    std::vector<double> importance(500);
    for (double& value : importance) value = static_cast<double>(random.next() % 5) / 4.0;
    for (const KvPolicy kind : {KvPolicy::window, KvPolicy::streaming, KvPolicy::h2o, KvPolicy::aep}) {
        auto policy = make_eviction_policy(kind, 12, 3);
        const auto [replayed, erased] = replayed_and_erased(*policy, 40, importance);
        CHECK(replayed.size() == 460);
        CHECK(replayed == erased);
    }
    CHECK(make_eviction_policy(KvPolicy::full, 0)->prompt_evictions(40) == nullptr);
}

TEST_CASE("4-bit score registers add each head's attention in sixteenths, rounded down, and saturate at 15", "[kv][registers]") {
    HeadCache head;
    head.use_registers(ScoreRegisters{4});
    for (std::uint32_t p = 0; p < 4; ++p) head.append(p, p);
    head.begin_step();
    // context 4, listed {1: 0.5, 3: 0.3}, residual 0.2 over 2 unlisted -> 0.1 each.
    // 0.5 x 16 = 8; 0.3 x 16 = 4.8 -> 4; 0.1 x 16 = 1.6 -> 1 for positions 0 and 2.
    const double mass = head.accumulate(scores({{1, 0.5f}, {3, 0.3f}}, 0.2f), 4);
    CHECK(mass == Approx(1.0));  // the attention held, not its register counts
    CHECK(head.importance(0) == 1);
    CHECK(head.importance(1) == 8);
    CHECK(head.importance(2) == 1);
    CHECK(head.importance(3) == 4);
    // A second query head of the same step (grouped-query): 1 gets 0.9 -> 14, saturating 8 + 14 at
    // 15; its lane is what the step added, 8 + 14 capped at 15 too, from a register of 0.
    head.accumulate(scores({{1, 0.9f}}, 0.1f), 4);  // residual 0.1 / 3 = 0.033 -> 0: nothing
    CHECK(head.importance(1) == 15);
    CHECK(head.score_lane(1).before == 0);
    CHECK(head.score_lane(1).lane == 15);
    CHECK(head.importance(0) == 1);
    // The next step starts from the registers: before = the register, lane 0.
    head.begin_step();
    CHECK(head.score_lane(3).before == 4);
    CHECK(head.score_lane(3).lane == 0);
    head.accumulate(scores({{3, 0.125f}}, 0.0f), 4);  // 0.125 x 16 = 2
    CHECK(head.importance(3) == 6);
    CHECK(head.score_lane(3).lane == 2);
}

TEST_CASE("with 4-bit registers a small share adds nothing and ties evict the oldest", "[kv][registers]") {
    auto policy = make_eviction_policy(KvPolicy::h2o, 1);
    HeadCache head;
    head.use_registers(ScoreRegisters{4});
    for (std::uint32_t p = 0; p < 5; ++p) head.append(p, p);
    head.begin_step();
    // Position 2 gets 0.05 (0.8 of a sixteenth -> 0), 3 gets 0.07 (1.12 -> 1); the residual
    // 0.88 over 3 unlisted is 0.29 each (4.7 -> 4). Registers: 0:4 1:4 2:0 3:1 4:4.
    head.accumulate(scores({{2, 0.05f}, {3, 0.07f}}, 0.88f), 5);
    CHECK(head.importance(2) == 0);
    CHECK(head.importance(3) == 1);
    CHECK(head.importance(0) == 4);
    CHECK(policy->victim(head) == 2);
    // Exact importances would rank 2 (0.05) below 3 (0.07) too; with 3 at 0.05 they tie in
    // registers, 0 and 0, and the oldest, 2, goes: compare the exact head, where 3 (0.04) goes.
    HeadCache exact;
    for (std::uint32_t p = 0; p < 5; ++p) exact.append(p, p);
    exact.accumulate(scores({{2, 0.05f}, {3, 0.04f}}, 0.91f), 5);
    CHECK(policy->victim(exact) == 3);
    HeadCache fixed;
    fixed.use_registers(ScoreRegisters{4});
    for (std::uint32_t p = 0; p < 5; ++p) fixed.append(p, p);
    fixed.begin_step();
    fixed.accumulate(scores({{2, 0.05f}, {3, 0.04f}}, 0.91f), 5);
    CHECK(policy->victim(fixed) == 2);
}
