// Micro-benchmark of writing a templated request: what the load engine pays per request for
// ${seq} and ${uuid} in the body, beside the fixed request it would otherwise send as is.
//   g++ -std=c++20 -O2 -DNDEBUG -Isrc -DPERFGATE_VERSION='"0"' bench/request_template_bench.cpp
//       src/http/request_template.cpp src/http/url.cpp src/core/text_template.cpp -lbenchmark -lfmt -pthread
#include "http/request_template.hpp"

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>

namespace {

using perfgate::TemplateValues;
using perfgate::http::RequestSpec;
using perfgate::http::TemplatedRequest;

perfgate::http::Url target() {
  std::string error;
  return *perfgate::http::parse_url("http://127.0.0.1:8080/orders", &error);
}

void write_templated_request(benchmark::State& state) {
  RequestSpec spec{.method = "POST",
                   .headers = {{"Content-Type", "application/json"}},
                   .body = R"({"seq": ${seq}, "id": "${uuid}", "kind": "order"})"};
  auto request = TemplatedRequest::compile(target(), spec);
  auto buffer = std::make_unique<char[]>(request.max_size());
  std::atomic<std::uint64_t> sequence{0};  // as the engine takes it, one fetch_add per request
  std::uint64_t rng = 42;
  TemplateValues values;
  values.rng_state = &rng;
  std::size_t bytes = 0;
  for (auto _ : state) {
    values.seq = sequence.fetch_add(1, std::memory_order_relaxed);
    bytes = request.write(buffer.get(), values);
    benchmark::DoNotOptimize(buffer.get());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(write_templated_request);

}  // namespace

BENCHMARK_MAIN();
