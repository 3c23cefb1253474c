// The shipped platforms and their documentation: every platform runs, every hardware number
// carries a source, and docs/config.md lists every parameter the program declares.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
const char* const kPlatforms[] = {"kelle", "original_edram", "original_sram", "aep_sram", "aerp_sram", "aerp_edram"};

std::vector<std::string> declared_keys() {
    const RunResult help = sim("--help");
    REQUIRE(help.status == 0);
    std::vector<std::string> keys;
    const std::regex entry(R"(\n  (\S+) \()");
    for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), entry); it != std::sregex_iterator(); ++it)
        keys.push_back((*it)[1]);
    return keys;
}

// key -> value of an INI file's settings (sections joined with '.'), comments dropped.
std::map<std::string, std::string> settings(const std::string& name) {
    std::istringstream in(slurp(source_path("platforms/" + name + ".ini")));
    const std::regex section(R"(^\[([\w.]+)\].*$)"), setting(R"(^\s*(\w+)\s*=\s*([^;#\s]+).*$)");
    std::map<std::string, std::string> out;
    std::string prefix;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, section)) prefix = std::string(m[1]) + ".";
        else if (std::regex_match(line, m, setting)) out[prefix + std::string(m[1])] = m[2];
    }
    return out;
}
}  // namespace

TEST_CASE("each platform is an overlay of base.ini that repeats none of its settings", "[platforms]") {
    const auto base = settings("base");
    REQUIRE(base.size() > 30);
    for (const char* name : kPlatforms) {
        const auto overlay = settings(name);
        INFO(name);
        CHECK(overlay.at("include") == "base.ini");
        CHECK(overlay.size() <= 12);  // a system is a handful of choices, the machine is shared
        for (const auto& [key, value] : overlay) {
            INFO(key);
            CHECK_FALSE((base.count(key) && base.at(key) == value));
        }
    }
}

TEST_CASE("the program holds no value of its own: every parameter is unset until a file sets it", "[platforms]") {
    const RunResult help = sim("--help --config " + write_file("nothing.ini", "; sets nothing\n"));
    REQUIRE(help.status == 0);
    const auto keys = declared_keys();
    REQUIRE(keys.size() > 40);
    for (const std::string& key : keys) {
        INFO(key);
        CHECK(help.out.find("\n  " + key + " (") != std::string::npos);
    }
    const std::regex value(R"(\n  \S+ \([^)]*\) = (.*))");
    int unset = 0;
    for (auto it = std::sregex_iterator(help.out.begin(), help.out.end(), value); it != std::sregex_iterator(); ++it) {
        INFO((*it)[0]);
        CHECK(std::string((*it)[1]).rfind("(unset)", 0) == 0);
        ++unset;
    }
    CHECK(unset == static_cast<int>(keys.size()));
}

TEST_CASE("every shipped and test config sets every parameter, through base.ini or its own lines", "[platforms]") {
    std::vector<std::string> files;
    for (const char* name : kPlatforms) files.push_back(source_path(std::string("platforms/") + name + ".ini"));
    files.push_back(source_path("platforms/base.ini"));
    files.push_back(source_path("testbenches/system/tiny.ini"));
    for (const std::string& file : files) {
        const RunResult help = sim("--help --config " + file);
        INFO(file);
        REQUIRE(help.status == 0);
        CHECK(help.out.find("(unset)") == std::string::npos);
    }
}

TEST_CASE("every numeric value in a shipped platform names its source", "[platforms]") {
    const std::regex numeric(R"(^\s*\w+\s*=\s*[-+0-9.eE]+\s*(.*)$)");
    std::vector<std::string> files(std::begin(kPlatforms), std::end(kPlatforms));
    files.push_back("base");
    for (const std::string& name : files) {
        std::istringstream in(slurp(source_path("platforms/" + name + ".ini")));
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            std::smatch m;
            if (!std::regex_match(line, m, numeric)) continue;
            const std::string comment = m[1];
            INFO(name << ".ini:" << number << ": " << line);
            CHECK((comment.find("[assumption]") != std::string::npos || comment.find("[paper]") != std::string::npos));
        }
    }
}

TEST_CASE("docs/config.md lists every declared parameter", "[platforms][docs]") {
    const std::string doc = slurp(source_path("docs/config.md"));
    const auto keys = declared_keys();
    CHECK(keys.size() > 40);
    for (const std::string& key : keys) {
        INFO(key);
        CHECK(doc.find("`" + key + "`") != std::string::npos);
    }
}

TEST_CASE("every shipped platform runs on the default trace", "[platforms]") {
    for (const char* name : kPlatforms) {
        const std::string stats = tmp_path(std::string(name) + "_platform.json");
        const RunResult r = sim("--config " + source_path(std::string("platforms/") + name + ".ini") +
                                " --stats-json " + stats);
        INFO(name << ": " << r.err);
        REQUIRE(r.status == 0);
        const nlohmann::json s = read_json(stats);
        CHECK(s["platform"] == name);
        // By construction: an SRAM KV store has no refresh; an eDRAM one refreshes every bank.
        if (s["kv"]["store"] == "sram") {
            CHECK(s["energy_pj"]["edram_refresh"].get<double>() == 0.0);
            CHECK(s["refresh"]["bursts"] == 0);
        } else {
            CHECK(s["refresh"]["bursts"].get<long long>() > 0);
        }
    }
}

TEST_CASE("progress option reports steps on stderr without touching stdout's table", "[platforms]") {
    const std::string trace = make_trace("progress.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 1");
    const RunResult r = sim("--config " + source_path("testbenches/system/tiny.ini") + " --trace " + trace + " --progress");
    REQUIRE(r.status == 0);
    CHECK(r.err.find("step 3/3") != std::string::npos);
    CHECK(r.out.find("step 3/3") == std::string::npos);
    CHECK(r.out.find("latency per decode step") != std::string::npos);
}

TEST_CASE("h2o keeps more attention mass than a window of the same budget", "[platforms][kv]") {
    // H2O keeps the sinks and heavy hitters the prefill and decode attention single out; a
    // window keeps only the most recent tokens. Same budget (kelle.ini: 256 per head).
    auto mass = [](const char* policy) {
        const std::string stats = tmp_path(std::string("mass_") + policy + ".json");
        const RunResult r = sim(std::string("--set kv.policy=") + policy + " --stats-json " + stats);
        REQUIRE(r.status == 0);
        return read_json(stats)["kv"]["attention_mass_retained"]["mean"].get<double>();
    };
    const double h2o = mass("h2o"), window = mass("window"), full = mass("full");
    CHECK(full == Approx(1.0).epsilon(1e-6));
    CHECK(h2o > window + 0.1);
    CHECK(h2o < full);
}
