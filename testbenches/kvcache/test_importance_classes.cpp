// 2DRP's class rule (kv_classes.h) on hand-built heads, without a simulation: which tokens
// change class at the prompt and after a step, each worked out by hand in the comments. The KV
// cache's runs of the same rule against a brute-force definition are test_kv_classes.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <utility>
#include <vector>

#include "common/hand_shape.h"
#include "common/kv_areas.h"
#include "kvcache/kv_classes.h"

using namespace kelle;

namespace {

// One layer, one KV head: a slot is 2 x 4 x 2 = 16 B. Four slots a region, the first two the
// important class 0 (slots 0, 1), the other two class 1 (slots 2, 3); 4 KB on chip holds all.
kelle::ModelShape toy() { return kelle_test::one_layer_shape(1, 4, 4); }

struct Classes {
    KvLayout layout{toy(), 4, two_dimensional_area_plan(4096, 64, 2, 0.5), 1 << 20, 2};
    ImportanceClasses classes{layout, 1};
};

// Carries a change out on the head's slots, as the cache does without moving data.
void apply(HeadCache& head, const ClassChange& change, std::uint32_t free_slot = 0) {
    auto& tokens = head.tokens_for_placement();
    if (change.down) std::swap(tokens[change.up].slot, tokens[*change.down].slot);
    else tokens[change.up].slot = free_slot;
}

std::set<std::uint32_t> important(const HeadCache& head) {
    std::set<std::uint32_t> positions;
    for (const KvToken& token : head.tokens())
        if (token.slot < 2) positions.insert(token.position);
    return positions;
}

}  // namespace

TEST_CASE("2DRP classes exist only where the plan has two and the region is on chip", "[kv][2drp]") {
    Classes two;
    CHECK(two.classes.enabled());
    CHECK(two.classes.classed(0));
    const KvLayout one(toy(), 4, plain_area_plan(4096, 64), 1 << 20);
    ImportanceClasses none(one, 1);
    CHECK_FALSE(none.enabled());
    CHECK_FALSE(none.classed(0));
    CHECK(none.listing(0) == nullptr);
}

TEST_CASE("2DRP places the prompt by prefill attention, then swaps a token that outranks class 0's last",
          "[kv][2drp]") {
    Classes c;
    HeadCache head;
    // Admission put positions 0, 1 in class 1 (slots 2, 3) and, that class full, 2, 3 in class 0.
    const double prefill[] = {0.1, 0.4, 0.3, 0.2};
    const std::uint32_t slots[] = {2, 3, 0, 1};
    for (std::uint32_t p = 0; p < 4; ++p) head.append(p, slots[p], prefill[p]);
    // The two most attended are 1 (0.4) and 2 (0.3): 2 is in class 0 already, 1 trades with 3.
    const std::vector<ClassChange> prompt = c.classes.place_prompt(0, head);
    REQUIRE(prompt.size() == 1);
    CHECK(prompt[0].up == 1);
    CHECK(prompt[0].down == std::optional<std::size_t>{3});
    apply(head, prompt[0]);
    CHECK(important(head) == std::set<std::uint32_t>{1, 2});
    // Right as placed: class 0's last (2 at 0.3) ranks before the other's first (3 at 0.2).
    CHECK_FALSE(c.classes.next_change(0, head, 2));

    // A step lists 0 at 0.6 (context 4, no residual): 0 reaches 0.7 and outranks 2 (0.3), class
    // 0's last; they trade, and then 2 (0.3) ranks after 1 (0.4), class 0's new last: done.
    head.accumulate(HeadScores{{{0, 0.6f}}, 0.0f}, 4, c.classes.listing(0));
    c.classes.rank_listed(0, head);
    const std::optional<ClassChange> step = c.classes.next_change(0, head, 2);
    REQUIRE(step);
    CHECK(step->up == 0);
    CHECK(step->down == std::optional<std::size_t>{2});
    apply(head, *step);
    c.classes.rank(0, head.tokens()[0]);
    c.classes.rank(0, head.tokens()[2]);
    CHECK(important(head) == std::set<std::uint32_t>{0, 1});
    CHECK_FALSE(c.classes.next_change(0, head, 2));
}

TEST_CASE("2DRP's prompt ties go to the older tokens, and a token takes a free class-0 slot", "[kv][2drp]") {
    Classes c;
    HeadCache ties;
    const std::uint32_t slots[] = {2, 3, 0, 1};
    for (std::uint32_t p = 0; p < 4; ++p) ties.append(p, slots[p]);
    // No attention yet: the two oldest, 0 and 1, belong in class 0, where 2 and 3 are.
    std::set<std::pair<std::size_t, std::size_t>> pairs;
    for (const ClassChange& change : c.classes.place_prompt(0, ties)) {
        REQUIRE(change.down);
        pairs.insert({change.up, *change.down});
    }
    CHECK((pairs == std::set<std::pair<std::size_t, std::size_t>>{{0, 2}, {1, 3}} ||
           pairs == std::set<std::pair<std::size_t, std::size_t>>{{0, 3}, {1, 2}}));

    HeadCache three;
    const double prefill[] = {0.5, 0.1, 0.2};
    for (std::uint32_t p = 0; p < 3; ++p) three.append(p, slots[p], prefill[p]);
    // Class 0 wants 0 (0.5) and 2 (0.2); 2 is there and slot 1 is free: 0 takes it, nobody leaves.
    const std::vector<ClassChange> prompt = c.classes.place_prompt(0, three);
    REQUIRE(prompt.size() == 1);
    CHECK(prompt[0].up == 0);
    CHECK_FALSE(prompt[0].down);
}

TEST_CASE("2DRP fills a class 0 with room from the other class's first, the older of equals", "[kv][2drp]") {
    Classes c;
    HeadCache head;
    c.classes.place_prompt(0, head);  // an empty prompt
    // Two decode tokens, each new in class 1, both unattended.
    for (std::uint32_t p = 0; p < 2; ++p) {
        head.append(p, 2 + p);
        c.classes.rank(0, head.tokens().back());
    }
    // Class 0 has room for both (min(2 slots, 2 K/V tokens)): 0 first, the older, then 1.
    for (std::uint32_t p = 0; p < 2; ++p) {
        const std::optional<ClassChange> change = c.classes.next_change(0, head, p);
        REQUIRE(change);
        CHECK(change->up == p);
        CHECK_FALSE(change->down);
        apply(head, *change, p);
        c.classes.rank(0, head.tokens()[p]);
    }
    CHECK(important(head) == std::set<std::uint32_t>{0, 1});
    CHECK_FALSE(c.classes.next_change(0, head, 2));
}
