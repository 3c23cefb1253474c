// scripts/sweep, scripts/plot: a 2 x 2 grid on the tiny platform (test_tiny_platform.cpp), run
// locally, resumed, written as a Slurm job array, collected and plotted.
//
// Hand values: under `periodic` every burst refreshes all 4 rows of a bank at 100 pJ a row.
// Interval 200 ns: bursts at 100, 200, ..., 1200 ns before the run ends at 1225 ns = 12, so
// 4800 pJ. Interval 100 ns: the 2 banks alternate every 50 ns, 50 ... 1200 = 24 bursts, 9600 pJ.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "system/run_tool.h"

using namespace kelle_test;

namespace {

const std::string kSweep = "/usr/bin/python3 " + source_path("scripts/sweep") + " --sim " + KELLE_SIM;

// The tiny platform and trace, with the given [edram] lines as the grid.
std::string grid_file(const std::string& name, const std::string& edram_lines) {
    const std::string trace = make_trace("sweep_grid.trace", "--model tiny --prompt 2 --decode 3 --topk 2 --seed 7");
    return write_file(name, "; a test grid\nconfig = " + source_path("testbenches/system/tiny.ini") +
                                "\ntrace = " + trace + "\n[edram]\n" + edram_lines);
}

// Points in grid order, the first key slowest: (0.1, periodic), (0.1, lifetime), (0.2, periodic), (0.2, lifetime).
std::string tiny_grid() {
    return grid_file("tiny_grid.ini", "refresh_interval_us = 0.1, 0.2  ; two intervals\nrefresh_policy = periodic, lifetime\n");
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::istringstream in(text);
    for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
    return parts;
}

// The result file of each point, in grid order, from the manifest the sweep writes.
std::vector<std::string> result_files(const std::string& out) {
    const nlohmann::json manifest = read_json(out + "/sweep.json");
    std::vector<std::string> files;
    for (const auto& point : manifest["points"])
        files.push_back(out + "/" + point["name"].get<std::string>() + ".json");
    return files;
}

bool exists(const std::string& path) {
    struct stat info;
    return stat(path.c_str(), &info) == 0;
}

// A rerun point is a new file (kelle-sim renames a fresh one into place): new inode and mtime.
std::pair<ino_t, long long> identity(const std::string& path) {
    struct stat info;
    REQUIRE(stat(path.c_str(), &info) == 0);
    return {info.st_ino, static_cast<long long>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
}

struct Csv {
    std::vector<std::string> header;
    std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const std::string& path) {
    std::vector<std::string> lines = split(slurp(path), '\n');
    REQUIRE(!lines.empty());
    Csv csv{split(lines[0], ','), {}};
    for (size_t i = 1; i < lines.size(); ++i) {
        const std::vector<std::string> fields = split(lines[i], ',');
        REQUIRE(fields.size() == csv.header.size());
        std::map<std::string, std::string> row;
        for (size_t c = 0; c < fields.size(); ++c) row[csv.header[c]] = fields[c];
        csv.rows.push_back(row);
    }
    return csv;
}

void check_tiny_rows(const Csv& csv) {
    REQUIRE(csv.rows.size() == 4);
    const char* intervals[] = {"0.1", "0.1", "0.2", "0.2"};
    const char* policies[] = {"periodic", "lifetime", "periodic", "lifetime"};
    for (int i = 0; i < 4; ++i) {
        CHECK(csv.rows[i].at("edram.refresh_interval_us") == intervals[i]);
        CHECK(csv.rows[i].at("edram.refresh_policy") == policies[i]);
        CHECK(csv.rows[i].at("refresh.policy") == policies[i]);
    }
    CHECK(std::stod(csv.rows[0].at("energy_pj.edram_refresh")) == Approx(9600));
    CHECK(std::stod(csv.rows[0].at("refresh.rows_refreshed")) == 24 * 4);
    CHECK(std::stod(csv.rows[2].at("energy_pj.edram_refresh")) == Approx(4800));
    CHECK(std::stod(csv.rows[2].at("refresh.bursts")) == 12);
    // lifetime skips rows without live K/V, so it refreshes fewer rows than periodic.
    CHECK(std::stod(csv.rows[3].at("refresh.rows_refreshed")) < 12 * 4);
}

}  // namespace

TEST_CASE("sweep runs every grid point and writes one CSV row per point", "[sweep]") {
    const std::string out = tmp_path("sweep_run");
    const RunResult r = run(kSweep + " " + tiny_grid() + " --out " + out + " --jobs 2");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("ran 4 of 4 points (0 had results)") != std::string::npos);
    CHECK(r.err.find("sweep: 4/4 points, ") != std::string::npos);

    const Csv csv = read_csv(out + "/results.csv");
    REQUIRE(csv.header.size() > 4);
    CHECK(csv.header[0] == "edram.refresh_interval_us");
    CHECK(csv.header[1] == "edram.refresh_policy");
    for (const char* column : {"energy_pj.total", "refresh.rows_refreshed", "refresh.rows_refreshed_per_bank.1",
                               "refresh.groups.all.energy_pj", "wall_time_s", "kv.attention_mass_retained.mean"})
        CHECK(std::count(csv.header.begin(), csv.header.end(), column) == 1);
    // Parameters are columns of their own, not repeated from the stats' config section.
    CHECK(std::count(csv.header.begin(), csv.header.end(), "config.edram.banks") == 0);
    check_tiny_rows(csv);
}

TEST_CASE("a resumed sweep runs only the points without a result", "[sweep]") {
    const std::string grid = tiny_grid();
    const std::string out = tmp_path("sweep_resume");
    REQUIRE(run(kSweep + " " + grid + " --out " + out).status == 0);
    const std::vector<std::string> files = result_files(out);
    REQUIRE(files.size() == 4);
    std::vector<std::pair<ino_t, long long>> before;
    for (const auto& file : files) before.push_back(identity(file));
    std::remove(files[2].c_str());

    const RunResult r = run(kSweep + " " + grid + " --out " + out);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("ran 1 of 4 points (3 had results)") != std::string::npos);
    CHECK(r.err.find("sweep: 1/1 points, ") != std::string::npos);
    for (int i : {0, 1, 3}) CHECK(identity(files[i]) == before[i]);
    CHECK(exists(files[2]));
    check_tiny_rows(read_csv(out + "/results.csv"));
}

TEST_CASE("sweep --slurm writes a job array over the missing points, running the local sweep's commands", "[sweep]") {
    const std::string out = tmp_path("sweep_slurm");
    const std::string grid = tiny_grid();
    const RunResult r = run(kSweep + " " + grid + " --out " + out + " --slurm --sbatch=--time=00:05:00");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const std::string script = slurp(out + "/slurm/sweep.sbatch");
    CHECK(script.find("\n#SBATCH --array=0-3\n") != std::string::npos);
    CHECK(script.find("\n#SBATCH --time=00:05:00\n") != std::string::npos);
    CHECK(script.find("$((SLURM_ARRAY_TASK_ID + 1))p") != std::string::npos);
    const std::string submit = slurp(out + "/slurm/submit.sh");
    CHECK(submit.find("--dependency=afterok:") != std::string::npos);
    CHECK(submit.find("--collect-only " + out) != std::string::npos);

    const std::vector<std::string> commands = split(slurp(out + "/slurm/points.txt"), '\n');
    const std::vector<std::string> files = result_files(out);
    REQUIRE(commands.size() == 4);
    for (int i = 0; i < 4; ++i) {
        CHECK(commands[i].rfind(std::string(KELLE_SIM) + " --stats-json " + files[i] + " ", 0) == 0);
        CHECK(commands[i].find(" --config " + source_path("testbenches/system/tiny.ini")) != std::string::npos);
    }
    CHECK(commands[0].find("--set edram.refresh_interval_us=0.1 --set edram.refresh_policy=periodic") !=
          std::string::npos);
    CHECK(commands[3].find("--set edram.refresh_interval_us=0.2 --set edram.refresh_policy=lifetime") !=
          std::string::npos);

    // Run the array's tasks as Slurm would (#SBATCH lines are comments to bash), then collect.
    for (int task = 0; task < 4; ++task)
        REQUIRE(run("SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash " + out + "/slurm/sweep.sbatch").status == 0);
    const RunResult collected = run(kSweep + " --collect-only " + out);
    INFO(collected.err);
    REQUIRE(collected.status == 0);
    check_tiny_rows(read_csv(out + "/results.csv"));

    std::remove(files[1].c_str());
    std::remove(files[3].c_str());
    REQUIRE(run(kSweep + " " + grid + " --out " + out + " --slurm").status == 0);
    CHECK(slurp(out + "/slurm/sweep.sbatch").find("\n#SBATCH --array=1,3\n") != std::string::npos);
}

TEST_CASE("sweep --collect-only writes the rows it has and names a point without a result", "[sweep]") {
    const std::string out = tmp_path("sweep_collect");
    REQUIRE(run(kSweep + " " + tiny_grid() + " --out " + out).status == 0);
    std::remove(result_files(out)[3].c_str());
    const RunResult r = run(kSweep + " --collect-only " + out + " --csv " + out + "/partial.csv");
    CHECK(r.status == 1);
    CHECK(r.err ==
          "sweep: 1 of 4 points have no result yet (first: edram.refresh_interval_us=0.2 "
          "edram.refresh_policy=lifetime); run the sweep again to finish them\n");
    CHECK(read_csv(out + "/partial.csv").rows.size() == 3);
}

TEST_CASE("a failing sweep point is named with the simulator's message, and finished points stay", "[sweep]") {
    const std::string out = tmp_path("sweep_fail");
    const std::string grid = grid_file("fail_grid.ini", "refresh_interval_us = 0.2, -1\n");
    const RunResult r = run(kSweep + " " + grid + " --out " + out + " --jobs 1");
    CHECK(r.status == 1);
    const std::vector<std::string> lines = split(r.err, '\n');
    REQUIRE(!lines.empty());
    CHECK(lines.back().rfind("sweep: edram.refresh_interval_us=-1: kelle-sim: error: ", 0) == 0);
    CHECK(lines.back().find("edram.refresh_interval_us") != std::string::npos);
    CHECK(exists(result_files(out)[0]));
    CHECK(!exists(result_files(out)[1]));
}

TEST_CASE("a bad sweep grid gives one line naming the file, the line and the key", "[sweep]") {
    const std::string ini = write_file("bad_grid.ini", "; comment\n[kv]\nbogus = 1, 2\n");
    const RunResult unknown = run(kSweep + " " + ini + " --out " + tmp_path("sweep_bad"));
    CHECK(unknown.status == 1);
    CHECK(unknown.err == "sweep: " + ini + ":3: kv.bogus: unknown parameter (see kelle-sim --help)\n");
    CHECK(!exists(tmp_path("sweep_bad")));

    const std::string json = write_file("bad_grid.json", "{\"kv.policy\": [\"h2o\", \"aerp\"],\n \"kv.budget_tokens\": []}\n");
    const RunResult empty = run(kSweep + " " + json + " --out " + tmp_path("sweep_bad"));
    CHECK(empty.status == 1);
    CHECK(empty.err == "sweep: " + json + ":2: kv.budget_tokens: empty list of values\n");
}

TEST_CASE("plot draws a PNG from a sweep CSV and names an unknown column", "[sweep]") {
    const std::string out = tmp_path("sweep_plot");
    REQUIRE(run(kSweep + " " + tiny_grid() + " --out " + out).status == 0);
    const std::string plot = "/usr/bin/python3 " + source_path("scripts/plot") + " " + out + "/results.csv";
    const RunResult drawn = run(plot + " --x edram.refresh_interval_us --y energy_pj.edram_refresh" +
                                " --by edram.refresh_policy --out " + out + "/plot.png");
    INFO(drawn.err);
    REQUIRE(drawn.status == 0);
    const std::string png = slurp(out + "/plot.png");
    REQUIRE(png.size() > 8);
    CHECK(png.compare(1, 3, "PNG") == 0);

    const RunResult unknown = run(plot + " --x edram.refresh_interval_us --y energy_pj.totl --out " + out + "/x.png");
    CHECK(unknown.status == 1);
    CHECK(unknown.err.rfind("plot: --y energy_pj.totl: no such column; did you mean energy_pj.total", 0) == 0);

    // Without --by the two policies' rows would share each x: the error names the column.
    const RunResult mixed = run(plot + " --x edram.refresh_interval_us --y energy_pj.total --out " + out + "/x.png");
    CHECK(mixed.status == 1);
    CHECK(mixed.err.find("differ in edram.refresh_policy") != std::string::npos);
}
