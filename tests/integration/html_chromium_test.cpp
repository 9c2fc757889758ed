// The HTML pages in a real browser: headless Chromium (Debian `chromium`, installed by
// scripts/install-deps.sh) loads the page of a real run against `perfgate serve` with a baseline
// (so the comparison, the baseline's spectrum and the history exist), the `compare --html` page
// of the same two runs, and a trends page with a change point; each must load without an error,
// fetch nothing, and draw every chart with a size. The test copies each page and puts a probe
// script at the top of its <head> (the pages themselves have none) that records errors and each
// svg's bounding box into the DOM, which `--dump-dom` prints.
//
// Screenshots are kept as test artifacts: BUILD_DIR/test-artifacts/html/{run,compare,trends}.png
// (docs/report.md says so for contributors). The suite is named HtmlInChromium so the CI's
// sanitizer stage can leave it out.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/trends.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace perfgate::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kChromium = "/usr/bin/chromium";

// Runs before anything of the page: errors of any kind (script, resource) and console.error are
// collected; once loaded, one line per error, per svg (its rendered width and height) and the
// count of resources fetched, in <pre id="probe">.
constexpr const char* kProbe = R"(<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(e.message || ('cannot load ' + (e.target && (e.target.src || e.target.href))));
  }, true);
  var consoleError = console.error;
  console.error = function () { errors.push('console: ' + Array.prototype.join.call(arguments, ' ')); };
  window.addEventListener('load', function () {
    var lines = [];
    errors.forEach(function (e) { lines.push('ERROR ' + e); });
    document.querySelectorAll('svg').forEach(function (svg) {
      var box = svg.getBoundingClientRect();
      lines.push('SVG ' + Math.round(box.width) + ' ' + Math.round(box.height));
    });
    lines.push('RESOURCES ' + performance.getEntriesByType('resource').length);
    lines.push('END');
    var pre = document.createElement('pre');
    pre.id = 'probe';
    pre.textContent = lines.join('\n');
    document.body.appendChild(pre);
  });
})();
</script>)";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Rendering {
  std::vector<std::string> errors;
  std::vector<std::pair<int, int>> svg_sizes;
  int resources = -1;
  bool complete = false;  // the probe's END was seen
};

class HtmlInChromium : public TempDirTest {
 protected:
  HtmlInChromium() : TempDirTest("perfgate-html") {}

  void SetUp() override {
    TempDirTest::SetUp();
    if (access(kChromium, X_OK) != 0) GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh)";
  }

  // Chromium with its own profile folder under the test's, ended (its whole process group) after 30 s.
  ProcessOutput chromium(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                  "--no-first-run", "--user-data-dir=" + path("chromium-profile")};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, std::chrono::seconds(30));
  }

  // The page with the probe, as Chromium leaves its DOM.
  Rendering render(const std::string& page) {
    std::string html = read_file(page);
    const auto head = html.find("<head>");
    EXPECT_NE(head, std::string::npos);
    html.insert(head + 6, kProbe);
    const std::string probed = page + ".probe.html";
    std::ofstream(probed) << html;
    ProcessOutput out = chromium({"--virtual-time-budget=5000", "--dump-dom", "file://" + probed});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    Rendering r;
    const auto begin = out.out.find("<pre id=\"probe\">");
    if (begin == std::string::npos) return r;
    std::istringstream lines(out.out.substr(begin + 16));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("ERROR ", 0) == 0) r.errors.push_back(line.substr(6));
      if (line.rfind("SVG ", 0) == 0) {
        std::istringstream size(line.substr(4));
        std::pair<int, int> wh;
        size >> wh.first >> wh.second;
        r.svg_sizes.push_back(wh);
      }
      if (line.rfind("RESOURCES ", 0) == 0) r.resources = std::stoi(line.substr(10));
      if (line.rfind("END", 0) == 0) {
        r.complete = true;
        break;
      }
    }
    return r;
  }

  // The page as a person sees it, kept under the build folder for whoever looks at a CI run.
  void screenshot(const std::string& page, const std::string& name) {
    const std::filesystem::path folder = std::filesystem::path(perfgate_binary()).parent_path() / "test-artifacts" / "html";
    std::filesystem::create_directories(folder);
    const std::string png = (folder / (name + ".png")).string();
    std::filesystem::remove(png);
    ProcessOutput out = chromium({"--window-size=1280,2200", "--virtual-time-budget=5000", "--screenshot=" + png,
                                  "file://" + page});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    ASSERT_TRUE(std::filesystem::exists(png)) << out.err;
    EXPECT_GT(std::filesystem::file_size(png), 20'000u) << png << ": a blank page?";
  }

  // Loads without an error, fetches nothing, and every chart is drawn with a size.
  void expect_renders(const std::string& page, std::size_t min_charts) {
    const std::string html = read_file(page);
    EXPECT_THAT(html, Not(HasSubstr("<script")));  // the page itself: no script at all
    Rendering r = render(page);
    ASSERT_TRUE(r.complete) << page << ": the probe never ran";
    EXPECT_THAT(r.errors, ::testing::IsEmpty());
    EXPECT_EQ(r.resources, 0) << "the page fetched something";
    EXPECT_GE(r.svg_sizes.size(), min_charts);
    for (const auto& [width, height] : r.svg_sizes) {
      EXPECT_GE(width, 300) << page;
      EXPECT_GE(height, 150) << page;
    }
  }
};

TEST_F(HtmlInChromium, TheRunCompareAndTrendsPagesLoadWithoutErrorsAndDrawTheirCharts) {
  const int port = free_port();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  write("suite.yaml", "name: html-page\n"
                      "services:\n"
                      "  - name: target\n"
                      "    command: " + perfgate_binary() + " serve --port " + std::to_string(port) +
                          " --latency 1ms --quiet\n"
                      "    ready: " + base + "/health\n"
                      "    monitor: {interval: 100ms}\n"
                      "benchmarks:\n"
                      "  - name: open-model\n"
                      "    http: {url: " + base + "/health, rate: 200/s, connections: 4, threads: 1, duration: 2s}\n"
                      "    thresholds: [p99 < 2s]\n");
  auto run = [&](const std::string& name, const std::string& baseline) {
    ProcessOutput out = run_perfgate({"run", path("suite.yaml"), "--store", path("history.db"), "--baseline", baseline,
                                      "--json", path(name + ".json"), "--html", path(name + ".html"), "--quiet"},
                                     std::chrono::seconds(60));
    // 1 would be a gate that failed on a loaded machine: the page is written all the same.
    ASSERT_LE(out.exit_code, 1) << out.out << out.err;
  };
  run("first", "none");
  // The first run, by its id in the store, is the baseline (the default one depends on the branch
  // this checkout is on): the comparison, the baseline's spectrum and its point in the history.
  const std::string first_id = nlohmann::json::parse(read_file(path("first.json")))["run"]["id"].get<std::string>();
  run("second", first_id);

  const std::string page = read_file(path("second.html"));
  EXPECT_THAT(page, HasSubstr("<title>baseline</title></polyline>"));             // the baseline's spectrum
  EXPECT_THAT(page, HasSubstr("<title>uncorrected</title></polyline>"));    // open model: both lines
  EXPECT_THAT(page, HasSubstr("<title>target RSS over time</title>"));           // monitored
  EXPECT_THAT(page, HasSubstr("across runs</title>"));                           // history from the store
  EXPECT_THAT(page, HasSubstr(">baseline</text>"));                              // its point marked
  EXPECT_THAT(page, HasSubstr("<h2>Comparison</h2>"));
  EXPECT_THAT(read_file(path("first.html")), Not(HasSubstr("<title>baseline</title>")));
  expect_renders(path("second.html"), 6);
  screenshot(path("second.html"), "run");

  ProcessOutput compared = run_perfgate({"compare", path("first.json"), path("second.json"), "--store", path("history.db"),
                                         "--html", path("compare.html")});
  ASSERT_LE(compared.exit_code, 1) << compared.err;
  EXPECT_THAT(read_file(path("compare.html")), HasSubstr("<title>baseline</title></polyline>"));
  expect_renders(path("compare.html"), 4);
  screenshot(path("compare.html"), "compare");

  report::TrendSeries series{"api", "</svg><script>alert(1)</script>", "latency_p99", "ms", "lower", {}, {}};
  for (int i = 0; i < 12; ++i) {
    series.points.push_back({"run-" + std::to_string(i), "2026-11-" + std::to_string(10 + i) + "T09:00:00.000Z",
                             std::string("c0ffee") + std::to_string(i), i < 7 ? 10.0 + (i % 3) * 0.2 : 14.0 + (i % 2) * 0.3});
  }
  series.changes.push_back({7, 10.2, 14.1, 0.38, 0.001, "worse"});
  report::TrendSeries steady = series;
  steady.metric = "throughput";
  steady.changes.clear();
  std::ofstream(path("trends.html")) << report::trends_html({series, steady});
  expect_renders(path("trends.html"), 1);
  screenshot(path("trends.html"), "trends");
}

TEST(CompareHtmlOption, AFolderThatDoesNotExistIsAUsageErrorNamingTheOption) {
  ProcessOutput out = run_perfgate({"compare", "a.json", "b.json", "--html", "/nonexistent-perfgate-folder/c.html"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.err, HasSubstr("--html"));
}

}  // namespace
}  // namespace perfgate::testing
