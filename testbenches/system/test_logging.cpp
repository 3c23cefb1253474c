// Model messages: one sc_report message type per module, each module's level set from the
// command line, on stderr so the summary table on stdout stays the same.
#include <catch2/catch.hpp>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {
std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
}
}  // namespace

TEST_CASE("a module's messages follow its own --log level and leave stdout alone", "[logging]") {
    const RunResult quiet = sim("");
    REQUIRE(quiet.status == 0);
    CHECK(quiet.err.empty());

    const RunResult host = sim("--log kelle/host=debug");
    REQUIRE(host.status == 0);
    CHECK(count_lines_with(host.out, "kelle/") == 0);
    CHECK(count_lines_with(host.out, "\n") == count_lines_with(quiet.out, "\n"));
    CHECK(count_lines_with(host.err, "kelle/host: prefill of 480 tokens") == 1);
    // The bundled trace decodes 32 steps (traces/default.recipe): one debug line each.
    CHECK(count_lines_with(host.err, "kelle/host: decode step ") == 32);
    CHECK(count_lines_with(host.err, "kelle/pe:") == 0);  // another module stays at its default

    const RunResult silenced = sim("--log kelle=debug --log kelle/host=off");
    REQUIRE(silenced.status == 0);
    CHECK(count_lines_with(silenced.err, "kelle/host:") == 0);
    CHECK(count_lines_with(silenced.err, "kelle/pe:") > 0);
}

TEST_CASE("a bad --log is a one-line command-line error", "[logging]") {
    for (const char* bad : {"kelle/nothing=info", "kelle/pe=loud", "kelle/pe"}) {
        const RunResult r = sim(std::string("--log ") + bad);
        INFO(bad);
        CHECK(r.status == 2);
        CHECK_THAT(r.err, Catch::StartsWith("kelle-sim: error: command line: --log: "));
        CHECK(count_lines_with(r.err, "\n") == 1);
    }
}
