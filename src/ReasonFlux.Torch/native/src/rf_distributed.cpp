// c10d collectives: a TCPStore rendezvous and ProcessGroupGloo (always) / ProcessGroupNCCL (CUDA builds
// with NCCL headers). Only the calls whose names and signatures are the same in 1.13 and 2.x are used.
#include "rf_common.h"

#if defined(RF_WITH_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(RF_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <memory>

using rf::T;
using rf::wrap;

#if defined(RF_WITH_GLOO)

namespace {
// The concrete groups derive from ProcessGroup on 1.13 and from Backend on 2.x; the collectives we call are
// virtual members of that base with identical signatures.
#if RF_TORCH_AT_LEAST(2, 0)
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<GroupBase> pg;
  bool is_gloo;
  int32_t rank;
  int32_t world;
};

struct StoreBox {
  c10::intrusive_ptr<c10d::Store> store;
};

Group& PG(rf_pg* h) {
  if (h == nullptr) throw std::invalid_argument("null process group handle");
  return *reinterpret_cast<Group*>(h);
}

// Gloo on 1.13 rejects bf16 ("Invalid scalar type"): reduce low-precision floats through an fp32 copy.
bool needs_upcast(const Group& g, const at::Tensor& t) {
  return g.is_gloo && (t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kHalf);
}
}  // namespace

RF_EXPORT int32_t rf_store_new(const char* host, int32_t port, int32_t is_server, int32_t world, int64_t timeout_ms, rf_store** out) {
  RF_TRY
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(port);
  opts.isServer = is_server != 0;
  opts.numWorkers = static_cast<std::size_t>(world);
  opts.waitWorkers = true;
  opts.timeout = std::chrono::milliseconds(timeout_ms);
  auto box = std::make_unique<StoreBox>();
  box->store = c10::make_intrusive<c10d::TCPStore>(std::string(host), opts);
  *out = reinterpret_cast<rf_store*>(box.release());
  RF_CATCH
}

RF_EXPORT void rf_store_dispose(rf_store* s) { delete reinterpret_cast<StoreBox*>(s); }

RF_EXPORT int32_t rf_pg_gloo_new(rf_store* store, int32_t rank, int32_t world, const char* hostname, int64_t timeout_ms, rf_pg** out) {
  RF_TRY
  if (store == nullptr) throw std::invalid_argument("null store handle");
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->timeout = std::chrono::milliseconds(timeout_ms);
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(std::string(hostname)));
  auto g = std::make_unique<Group>();
  g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(reinterpret_cast<StoreBox*>(store)->store, rank, world, options);
  g->is_gloo = true;
  g->rank = rank;
  g->world = world;
  *out = reinterpret_cast<rf_pg*>(g.release());
  RF_CATCH
}

RF_EXPORT int32_t rf_pg_nccl_new(rf_store* store, int32_t rank, int32_t world, int64_t timeout_ms, rf_pg** out) {
  RF_TRY
#if defined(RF_WITH_NCCL)
  if (store == nullptr) throw std::invalid_argument("null store handle");
  auto options = c10d::ProcessGroupNCCL::Options::create(false);
  options->timeout = std::chrono::milliseconds(timeout_ms);
  auto g = std::make_unique<Group>();
  g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(reinterpret_cast<StoreBox*>(store)->store, rank, world, options);
  g->is_gloo = false;
  g->rank = rank;
  g->world = world;
  *out = reinterpret_cast<rf_pg*>(g.release());
#else
  throw std::runtime_error("this shim was built without NCCL (configure with -DRF_WITH_NCCL=ON against a CUDA libtorch with NCCL headers)");
#endif
  RF_CATCH
}

RF_EXPORT void rf_pg_dispose(rf_pg* h) { delete reinterpret_cast<Group*>(h); }

// In place, sum over ranks.
RF_EXPORT int32_t rf_pg_allreduce_sum(rf_pg* h, rf_tensor* t) {
  RF_TRY
  auto& g = PG(h);
  auto& x = T(t);
  std::vector<at::Tensor> v{needs_upcast(g, x) ? x.to(at::kFloat) : x};
  if (!v[0].is_contiguous()) v[0] = v[0].contiguous();
  g.pg->allreduce(v, c10d::AllreduceOptions())->wait();
  if (!v[0].is_same(x)) x.copy_(v[0]);
  RF_CATCH
}

RF_EXPORT int32_t rf_pg_broadcast(rf_pg* h, rf_tensor* t, int32_t root) {
  RF_TRY
  auto& g = PG(h);
  auto& x = T(t);
  std::vector<at::Tensor> v{needs_upcast(g, x) ? x.to(at::kFloat) : x.contiguous()};
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  g.pg->broadcast(v, opts)->wait();
  if (!v[0].is_same(x)) x.copy_(v[0]);
  RF_CATCH
}

// Sum over ranks into the root's tensor (in place there; the others' tensors are left as they were sent).
// ZeRO-1 reduces each gradient bucket to the rank that steps it: a reduce moves half an all-reduce's bytes.
RF_EXPORT int32_t rf_pg_reduce_sum(rf_pg* h, rf_tensor* t, int32_t root) {
  RF_TRY
  auto& g = PG(h);
  auto& x = T(t);
  std::vector<at::Tensor> v{needs_upcast(g, x) ? x.to(at::kFloat) : x};
  if (!v[0].is_contiguous()) v[0] = v[0].contiguous();
  c10d::ReduceOptions opts;
  opts.rootRank = root;
  g.pg->reduce(v, opts)->wait();
  if (g.rank == root && !v[0].is_same(x)) x.copy_(v[0]);
  RF_CATCH
}

// Gathers every rank's tensor (same shape) into out [world, ...].
RF_EXPORT int32_t rf_pg_allgather(rf_pg* h, rf_tensor* t, rf_tensor** out) {
  RF_TRY
  auto& g = PG(h);
  auto& x = T(t);
  auto input = needs_upcast(g, x) ? x.to(at::kFloat) : x.contiguous();
  std::vector<at::Tensor> outputs;
  for (int32_t r = 0; r < g.world; r++) outputs.push_back(at::empty_like(input));
  std::vector<std::vector<at::Tensor>> out_lists{outputs};
  std::vector<at::Tensor> in_list{input};
  g.pg->allgather(out_lists, in_list, c10d::AllgatherOptions())->wait();
  *out = wrap(at::stack(out_lists[0], 0).to(x.scalar_type()));
  RF_CATCH
}

// Sum over ranks of `input` [world * n, ...], rank r keeping rows [r*n, (r+1)*n). Gloo has no
// reduce_scatter in 1.13, so there it is an allreduce followed by a slice: same result, more traffic.
RF_EXPORT int32_t rf_pg_reduce_scatter_sum(rf_pg* h, rf_tensor* input, rf_tensor** out) {
  RF_TRY
  auto& g = PG(h);
  auto& x = T(input);
  TORCH_CHECK(x.dim() >= 1 && x.size(0) % g.world == 0, "reduce_scatter: dim 0 (", x.size(0), ") must be a multiple of the world size (", g.world, ")");
  const int64_t n = x.size(0) / g.world;
  if (g.is_gloo) {
    std::vector<at::Tensor> v{needs_upcast(g, x) ? x.to(at::kFloat) : x.clone().contiguous()};
    g.pg->allreduce(v, c10d::AllreduceOptions())->wait();
    *out = wrap(v[0].narrow(0, g.rank * n, n).to(x.scalar_type()).clone());
  } else {
    auto chunks = x.contiguous().split(n, 0);
    std::vector<std::vector<at::Tensor>> inputs{std::vector<at::Tensor>(chunks.begin(), chunks.end())};
    std::vector<at::Tensor> outputs{at::empty_like(chunks[0])};
    g.pg->reduce_scatter(outputs, inputs, c10d::ReduceScatterOptions())->wait();
    *out = wrap(outputs[0]);
  }
  RF_CATCH
}

RF_EXPORT int32_t rf_pg_barrier(rf_pg* h) {
  RF_TRY
  PG(h).pg->barrier(c10d::BarrierOptions())->wait();
  RF_CATCH
}

#else  // built without Gloo headers

#define RF_NO_GLOO throw std::runtime_error("this shim was built without Gloo headers (install libgloo-dev and rebuild)");
RF_EXPORT int32_t rf_store_new(const char*, int32_t, int32_t, int32_t, int64_t, rf_store**) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT void rf_store_dispose(rf_store*) {}
RF_EXPORT int32_t rf_pg_gloo_new(rf_store*, int32_t, int32_t, const char*, int64_t, rf_pg**) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_nccl_new(rf_store*, int32_t, int32_t, int64_t, rf_pg**) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT void rf_pg_dispose(rf_pg*) {}
RF_EXPORT int32_t rf_pg_allreduce_sum(rf_pg*, rf_tensor*) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_broadcast(rf_pg*, rf_tensor*, int32_t) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_reduce_sum(rf_pg*, rf_tensor*, int32_t) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_allgather(rf_pg*, rf_tensor*, rf_tensor**) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_reduce_scatter_sum(rf_pg*, rf_tensor*, rf_tensor**) { RF_TRY RF_NO_GLOO RF_CATCH }
RF_EXPORT int32_t rf_pg_barrier(rf_pg*) { RF_TRY RF_NO_GLOO RF_CATCH }

#endif
