// SystemC's library owns main() and calls sc_main; running Catch from there lets a test case
// elaborate a design and sc_start it (one design per process: ctest runs each case alone).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
