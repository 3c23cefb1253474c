// kv.onchip_capacity (platforms/platform.h): the named assumption that the on-chip KV store holds
// the whole retained cache, with its size, leakage and area in the stats.
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
// The hand counts below size K/V as the grouped-query model has it, not 2 x C (kv.size_rule,
// test_readings.cpp).
const std::string MODEL_SIZE = "--set kv.size_rule=model";
}  // namespace

TEST_CASE("retained capacity: whole copies of the stated eDRAM, their leakage and area reported", "[system][capacity]") {
    // The bundled trace's model has 16 layers and 8 KV heads of head_dim 64 (16-bit), stored as
    // the model has them (kv.size_rule = model, MODEL_SIZE): a K/V slot is 2 x 64 x 2 = 256 B. kelle.ini keeps N' = 256 per head, all as K/V (grouped-query: x
    // saves nothing, so no x entries): 16 x 8 x 256 x 256 B = 8 MiB, two copies of the 4 MiB
    // eDRAM. Leakage 8 MB x 38.5 mW/MB = 308 mW; area 8 MB x 0.8 mm2/MB = 6.4 mm2 (Table 1).
    const nlohmann::json stated = run_stats("capacity_stated", MODEL_SIZE);
    const nlohmann::json retained = run_stats("capacity_retained", MODEL_SIZE + " --set kv.onchip_capacity=retained");
    CHECK(stated["kv"]["onchip_capacity"]["rule"] == "stated");
    CHECK(stated["kv"]["onchip_capacity"]["bytes"].get<double>() == 4.0 * 1024 * 1024);
    CHECK(retained["kv"]["onchip_capacity"]["rule"] == "retained");
    CHECK(retained["kv"]["onchip_capacity"]["bytes"].get<double>() == 8.0 * 1024 * 1024);
    CHECK(retained["kv"]["onchip_capacity"]["leakage_mw"].get<double>() == Approx(308.0));
    CHECK(retained["kv"]["onchip_capacity"]["area_mm2"].get<double>() == Approx(6.4));
    // The leakage is charged, not only reported: the eDRAM's static power doubles.
    CHECK(retained["static_mw"]["edram"].get<double>() == Approx(2 * stated["static_mw"]["edram"].get<double>()));
    // Every layer now fits: first-fit placement puts all 16 on chip, against 8 in 4 MiB.
    CHECK(stated["kv"]["onchip_layers"].get<int>() == 8);
    CHECK(retained["kv"]["onchip_layers"].get<int>() == 16);
}

TEST_CASE("retained_uncharged: the same store, charged the stated store's leakage and refresh", "[system][capacity]") {
    // As above, two copies of the 4 MiB eDRAM hold the 8 MiB; each MB is now charged half its
    // leakage and each row half its refresh energy, so the eDRAM's static power and refresh
    // energy are those of 4 MiB, while the stats keep the real 308 mW and 6.4 mm2, uncharged.
    const nlohmann::json charged = run_stats("capacity_charged", MODEL_SIZE + " --set kv.onchip_capacity=retained");
    const nlohmann::json free = run_stats("capacity_uncharged", MODEL_SIZE + " --set kv.onchip_capacity=retained_uncharged");
    CHECK(free["kv"]["onchip_capacity"]["charged"] == false);
    CHECK(charged["kv"]["onchip_capacity"]["charged"] == true);
    CHECK(free["kv"]["onchip_capacity"]["leakage_mw"].get<double>() == Approx(308.0));
    CHECK(free["static_mw"]["edram"].get<double>() == Approx(0.5 * charged["static_mw"]["edram"].get<double>()));
    CHECK(free["energy_pj"]["edram_refresh"].get<double>() ==
          Approx(0.5 * charged["energy_pj"]["edram_refresh"].get<double>()));
    CHECK(free["latency_per_token_ms"] == charged["latency_per_token_ms"]);
}

TEST_CASE("2DRP moves tokens between its classes only in layers on chip", "[system][capacity]") {
    // The classes are refresh groups of the eDRAM; a layer in DRAM keeps its tokens where they
    // were written. 8 MiB holds all 16 layers, 4 MiB the first 8 (above), 0.25 MiB none: the
    // 8 on-chip layers make some of the 16 layers' moves and no layer in DRAM makes any.
    const nlohmann::json none = run_stats("classes_none", MODEL_SIZE + " --set edram.capacity_mb=0.25");
    const nlohmann::json half = run_stats("classes_half", MODEL_SIZE);
    const nlohmann::json all = run_stats("classes_all", MODEL_SIZE + " --set kv.onchip_capacity=retained");
    REQUIRE(none["kv"]["onchip_layers"].get<int>() == 0);
    CHECK(none["kv"]["class_moves"].get<long long>() == 0);
    CHECK(half["kv"]["class_moves"].get<long long>() > 0);
    CHECK(half["kv"]["class_moves"].get<long long>() < all["kv"]["class_moves"].get<long long>());
}
