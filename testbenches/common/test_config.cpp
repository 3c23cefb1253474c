// The parameter registry: typed values from INI files only, --set precedence, errors with
// file/line/key, and no parameter without a value.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <fstream>

#include "config/config.h"

using namespace kelle;

namespace {
std::string ini(const std::string& name, const std::string& text) {
    const std::string path = std::string(KELLE_TEST_TMP) + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    return path;
}

ParamRegistry declared() {
    ParamRegistry r;
    r.declare(param(ParamType::real, "edram.refresh_interval_us", "us", "interval").positive());
    r.declare(param(ParamType::integer, "edram.banks", "", "banks").positive());
    r.declare(param(ParamType::boolean, "edram.functional", "", "functional mode"));
    r.declare(param(ParamType::text, "kv.policy", "", "policy").one_of({"full", "h2o"}));
    r.declare(param(ParamType::real, "p", "", "probability").non_negative().at_most(1));
    return r;
}

// A file of this process's own: ctest runs the test cases in parallel processes.
std::string own_ini(const std::string& name, const std::string& text) {
    return ini(std::to_string(getpid()) + "_" + name, text);
}

// The registry above with every value set by a base file, as platforms/base.ini does.
const char* const kBase = "p = 0.5\n[edram]\nrefresh_interval_us = 45 ; [paper] base retention\nbanks = 16\n"
                          "functional = false\n[kv]\npolicy = h2o\n";

ParamRegistry registry() {
    ParamRegistry r = declared();
    r.load_ini(own_ini("registry_base.ini", kBase));
    return r;
}

std::string load_error(const std::string& name, const std::string& text) {
    ParamRegistry r = registry();
    try {
        r.load_ini(ini(name, text));
    } catch (const InputError& e) {
        CHECK(e.exit_status() == 1);
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("values read back typed", "[config]") {
    const ParamRegistry r = registry();
    CHECK(r.get_real("edram.refresh_interval_us") == 45.0);
    CHECK(r.get_int("edram.banks") == 16);
    CHECK(r.get_real("edram.banks") == 16.0);
    CHECK_FALSE(r.get_bool("edram.functional"));
    CHECK(r.get_text("kv.policy") == "h2o");
    CHECK_THAT(r.origin_of("edram.banks"), Catch::EndsWith("_registry_base.ini:4"));
}

TEST_CASE("a parameter no file sets is an error naming it, never a built-in value", "[config]") {
    ParamRegistry r = declared();
    const std::string path = ini("partial.ini", "p = 0.5\n[edram]\nrefresh_interval_us = 45\n");
    r.load_ini(path);
    CHECK(r.origin_of("edram.banks") == "unset");
    CHECK_THROWS_AS(r.get_int("edram.banks"), std::logic_error);  // reading before the check is a bug
    try {
        r.check_complete(path);
        FAIL("an unset parameter was accepted");
    } catch (const InputError& e) {
        CHECK(e.exit_status() == 1);
        CHECK_THAT(e.what(), Catch::StartsWith(path + ": edram.banks: has no value"));
    }
    r.apply_assignment("edram.banks=4");
    r.apply_assignment("edram.functional=true");
    r.apply_assignment("kv.policy=full");
    CHECK_NOTHROW(r.check_complete(path));
}

TEST_CASE("the file sets values and --set overrides the file", "[config]") {
    ParamRegistry r = registry();
    const std::string path = ini("precedence.ini",
                                 "p = 0.25   ; a global key\n"
                                 "[edram]\n"
                                 "refresh_interval_us = 90  ; trailing comment\n"
                                 "functional = yes\n"
                                 "[kv]\n"
                                 "policy = full # another comment\n");
    r.load_ini(path);
    CHECK(r.get_real("p") == 0.25);
    CHECK(r.get_real("edram.refresh_interval_us") == 90.0);
    CHECK(r.get_bool("edram.functional"));
    CHECK(r.get_text("kv.policy") == "full");
    CHECK(r.origin_of("edram.refresh_interval_us") == path + ":3");
    r.apply_assignment("edram.refresh_interval_us=180");
    CHECK(r.get_real("edram.refresh_interval_us") == 180.0);
    CHECK(r.origin_of("edram.refresh_interval_us") == "--set");
}

TEST_CASE("file errors name the file, the line and the key", "[config]") {
    CHECK_THAT(load_error("e1.ini", "[edram]\nrefresh_intervall_us = 3\n"),
               Catch::Contains("e1.ini:2: edram.refresh_intervall_us: unknown parameter; did you mean edram.refresh_interval_us?"));
    CHECK_THAT(load_error("e2.ini", "\n[edram]\nbanks = 4.5\n"), Catch::Contains("e2.ini:3: edram.banks: expected an integer"));
    CHECK_THAT(load_error("e3.ini", "[edram]\nrefresh_interval_us = 0\n"), Catch::Contains("e3.ini:2: edram.refresh_interval_us: must be > 0"));
    CHECK_THAT(load_error("e4.ini", "p = 1.5\n"), Catch::Contains("e4.ini:1: p: must be <= 1"));
    CHECK_THAT(load_error("e5.ini", "[kv]\npolicy = lru\n"), Catch::Contains("e5.ini:2: kv.policy: must be one of: full, h2o"));
    CHECK_THAT(load_error("e6.ini", "[edram]\nbanks\n"), Catch::Contains("e6.ini:2: banks: expected key = value"));
    CHECK_THAT(load_error("e7.ini", "[edram\n"), Catch::Contains("e7.ini:1"));
    CHECK_THAT(load_error("e8.ini", "[edram]\nbanks = 4\nbanks = 8\n"), Catch::Contains("e8.ini:3: edram.banks: set twice"));
    CHECK_THAT(load_error("e9.ini", "[edram]\nfunctional = maybe\n"), Catch::Contains("e9.ini:2: edram.functional"));
    CHECK_THAT(load_error("e10.ini", "[edram]\nbanks =\n"), Catch::Contains("e10.ini:2: edram.banks: empty value"));
    CHECK_THAT(load_error("e11.ini", std::string("p = 0.1\n\x01\x02\n", 10)), Catch::Contains("e11.ini:2"));
    CHECK_THAT(load_error("e12.ini", "[edram]\nrefresh_interval_us = 1e999\n"), Catch::Contains("e12.ini:2"));
}

TEST_CASE("a missing file is an error naming it", "[config]") {
    ParamRegistry r = registry();
    CHECK_THROWS_WITH(r.load_ini("/nonexistent/x.ini"), Catch::Contains("/nonexistent/x.ini"));
}

TEST_CASE("command-line errors exit with status 2", "[config]") {
    ParamRegistry r = registry();
    for (const char* bad : {"edram.banks", "=3", "edram.bank=3", "edram.banks=-1"}) {
        try {
            r.apply_assignment(bad);
            FAIL("accepted " << bad);
        } catch (const InputError& e) {
            CHECK(e.exit_status() == 2);
        }
    }
}

TEST_CASE("json and help list every parameter with its value", "[config]") {
    ParamRegistry r = registry();
    r.apply_assignment("edram.banks=8");
    const nlohmann::json j = r.to_json();
    CHECK(j["edram.banks"] == 8);
    CHECK(j["edram.refresh_interval_us"] == 45.0);
    CHECK(j["edram.functional"] == false);
    CHECK(j["kv.policy"] == "h2o");
    const std::string help = r.help_text();
    for (const auto& spec : r.specs()) CHECK_THAT(help, Catch::Contains(spec.key));
    // The value a run uses, where it was set and the source its setting line gives.
    CHECK_THAT(help, Catch::Contains("edram.refresh_interval_us (real, us) = 45"));
    CHECK_THAT(help, Catch::Contains("registry_base.ini:3: [paper] base retention"));
    CHECK_THAT(help, Catch::Contains("edram.banks (integer) = 8"));
    CHECK_THAT(help, Catch::Contains("set at --set\n"));
}

TEST_CASE("declaring a key twice is a programming error", "[config]") {
    ParamRegistry r = registry();
    CHECK_THROWS_AS(r.declare(param(ParamType::integer, "edram.banks", "", "again")), std::logic_error);
}

namespace {
enum class Flavour { plain, fancy };
const Choices<Flavour> kFlavours{{"plain", Flavour::plain}, {"fancy", Flavour::fancy}};

// A config as a module writes one: each member bound in one line, plus a rule across two.
struct ToyConfig {
    double interval_us = 0;
    int banks = 0;
    std::uint64_t budget = 0, recent = 0;
    bool functional = false;
    Flavour flavour = Flavour::plain;

    void bind(ParamBinder& p) {
        p.real("toy.interval_us", interval_us, "us", "interval").positive();
        p.integer("toy.banks", banks, "", "banks").positive();
        p.integer("toy.budget", budget, "tokens", "budget").positive();
        p.integer("toy.recent", recent, "tokens", "recent window").non_negative();
        p.flag("toy.functional", functional, "functional mode");
        p.choice("toy.flavour", flavour, kFlavours, "flavour");
        p.rule("toy.recent", [this] { return recent < budget ? "" : "must be smaller than toy.budget"; });
    }
};

ParamRegistry toy_registry() {
    ParamRegistry r;
    declare_params<ToyConfig>(r);
    r.load_ini(own_ini("toy_base.ini", "[toy]\ninterval_us = 45\nbanks = 16\nbudget = 8\nrecent = 4\nfunctional = false\n"
                                   "flavour = plain\n"));
    return r;
}
}  // namespace

TEST_CASE("a bound config declares its members once and loads them typed", "[config]") {
    ParamRegistry r = toy_registry();
    REQUIRE(r.specs().size() == 6);
    CHECK(r.specs()[0].key == "toy.interval_us");
    CHECK(r.specs()[5].choices == std::vector<std::string>{"plain", "fancy"});
    r.apply_assignment("toy.banks=4");
    r.apply_assignment("toy.flavour=fancy");
    r.apply_assignment("toy.functional=on");
    const ToyConfig c = load_params<ToyConfig>(r);
    CHECK(c.interval_us == 45.0);
    CHECK(c.banks == 4);
    CHECK(c.functional);
    CHECK(c.flavour == Flavour::fancy);
    CHECK(kFlavours.name(c.flavour) == "fancy");
}

TEST_CASE("a bound integer refuses what its member cannot hold instead of truncating", "[config]") {
    ParamRegistry r = toy_registry();
    // 2^32 + 16 would wrap to 16 in an int member.
    CHECK_THROWS_WITH(r.apply_assignment("toy.banks=4294967312"), Catch::Contains("toy.banks: does not fit"));
    CHECK_THROWS_WITH(r.apply_assignment("toy.budget=-3"), Catch::Contains("toy.budget: must be > 0"));
    CHECK_NOTHROW(r.apply_assignment("toy.budget=4294967312"));  // a 64-bit member holds it
}

TEST_CASE("a broken rule across parameters names the key and where its value came from", "[config]") {
    ParamRegistry r = toy_registry();
    const std::string path = ini("rule.ini", "[toy]\nbudget = 4\nrecent = 4\n");
    r.load_ini(path);
    CHECK_THROWS_WITH(load_params<ToyConfig>(r), path + ":3: toy.recent: must be smaller than toy.budget");
}

TEST_CASE("an included file is loaded first and the including file overrides it", "[config]") {
    ParamRegistry r = toy_registry();
    const std::string base = ini("base.ini", "[toy]\nbanks = 32\nbudget = 64\n");
    const std::string overlay = ini("overlay.ini", "include = base.ini   ; the common machine\n[toy]\nbanks = 8\n");
    r.load_ini(overlay);
    CHECK(r.get_int("toy.banks") == 8);
    CHECK(r.origin_of("toy.banks") == overlay + ":3");
    CHECK(r.get_int("toy.budget") == 64);
    CHECK(r.origin_of("toy.budget") == base + ":3");
}

TEST_CASE("include errors: a missing file, a cycle, an include after a key", "[config]") {
    ParamRegistry r = toy_registry();
    CHECK_THROWS_WITH(r.load_ini(ini("inc1.ini", "include = nowhere.ini\n")),
                      Catch::Contains("inc1.ini:1: include: cannot open"));
    ini("inc_a.ini", "include = inc_b.ini\n");
    CHECK_THROWS_WITH(r.load_ini(ini("inc_b.ini", "include = inc_a.ini\n")), Catch::Contains("a cycle"));
    ParamRegistry with_global = registry();
    CHECK_THROWS_WITH(with_global.load_ini(ini("inc3.ini", "p = 0.1\ninclude = base.ini\n")),
                      Catch::Contains("inc3.ini:2: include: must come before every key"));
}
