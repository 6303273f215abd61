// The peer: the same operations called from C++ directly against libtorch, so the binding's overhead is
// the difference. Prints one JSON object.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

using clk = std::chrono::steady_clock;

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Seconds per matmul of an n x n fp32 product (median of `reps` timed batches).
static double matmul_seconds(int64_t n, int iters, int reps) {
  auto a = at::randn({n, n});
  auto b = at::randn({n, n});
  for (int i = 0; i < 2; i++) at::matmul(a, b);
  std::vector<double> t;
  for (int r = 0; r < reps; r++) {
    auto s = clk::now();
    for (int i = 0; i < iters; i++) at::matmul(a, b);
    t.push_back(std::chrono::duration<double>(clk::now() - s).count() / iters);
  }
  return median(t);
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  at::set_num_threads(threads);
  double mm1024 = matmul_seconds(1024, 10, 7);

  auto x = at::ones({1});
  auto y = at::ones({1});
  const int calls = 200000;
  std::vector<double> tiny;
  for (int r = 0; r < 7; r++) {
    auto s = clk::now();
    for (int i = 0; i < calls; i++) { auto z = at::add(x, y); }
    tiny.push_back(std::chrono::duration<double>(clk::now() - s).count() / calls);
  }

  double peak = 0;
  int64_t peak_n = 0;
  for (int64_t n : {256, 512, 1024, 1536, 2048}) {
    double s = matmul_seconds(n, n >= 1536 ? 3 : 10, 5);
    double gflops = 2.0 * n * n * n / s / 1e9;
    if (gflops > peak) { peak = gflops; peak_n = n; }
  }
  std::printf("{\"threads\": %d, \"matmul1024_s\": %.9g, \"add1_s\": %.9g, \"gemm_peak_gflops\": %.6g, \"gemm_peak_n\": %lld}\n",
              threads, mm1024, median(tiny), peak, static_cast<long long>(peak_n));
  return 0;
}
