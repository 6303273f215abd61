// Shared by every translation unit of the shim: the export macro, opaque handle types, and the one
// error-handling pattern. Every export returns int32_t status (0 = ok); on failure the message, without
// libtorch's C++ backtrace, stays in a thread-local until the next failing call on that thread.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include <cstdint>
#include <string>
#include <vector>

#define RF_EXPORT extern "C" __attribute__((visibility("default")))

#define RF_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// Opaque handle types: distinct structs so a mix-up is a compile error on the C side.
struct rf_tensor;     // at::Tensor*
struct rf_generator;  // at::Generator*
struct rf_adamw;      // optimizer state (rf_autograd_optim.cpp)
struct rf_store;      // c10d store
struct rf_pg;         // c10d process group

namespace rf {

void set_last_error(const char* message);
const char* last_error_message();

inline at::Tensor& T(rf_tensor* h) {
  if (h == nullptr) throw std::invalid_argument("null tensor handle");
  return *reinterpret_cast<at::Tensor*>(h);
}

// Every result is a fresh handle the caller owns; an undefined tensor becomes null.
inline rf_tensor* wrap(at::Tensor t) {
  if (!t.defined()) return nullptr;
  return reinterpret_cast<rf_tensor*>(new at::Tensor(std::move(t)));
}

inline std::vector<at::Tensor> tensors(rf_tensor** hs, int32_t n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int32_t i = 0; i < n; i++) v.push_back(T(hs[i]));
  return v;
}

inline at::IntArrayRef dims(const int64_t* d, int32_t n) { return at::IntArrayRef(d, static_cast<size_t>(n)); }

inline at::Device device(int32_t type, int32_t index) {
  return at::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}

inline at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(device(device_type, device_index));
}

inline at::Generator* G(rf_generator* g) { return reinterpret_cast<at::Generator*>(g); }

inline c10::optional<at::Generator> gen(rf_generator* g) {
  if (g == nullptr) return c10::nullopt;
  return *G(g);
}

}  // namespace rf

// The body runs inside try; each catch keeps only the concise message (c10::Error::what() carries a
// multi-kilobyte backtrace). Catch by reference, and catch everything: nothing may cross extern "C".
#define RF_TRY try {
#define RF_CATCH                                                   \
  return 0;                                                        \
  }                                                                \
  catch (const c10::Error& e) {                                    \
    rf::set_last_error(e.what_without_backtrace());                \
    return 1;                                                      \
  }                                                                \
  catch (const std::exception& e) {                                \
    rf::set_last_error(e.what());                                  \
    return 1;                                                      \
  }                                                                \
  catch (...) {                                                    \
    rf::set_last_error("unknown native exception");                \
    return 1;                                                      \
  }

// One-tensor-result export: `RF_OP1(name, (args...), expr)` defines rf_name(args..., rf_tensor** out).
#define RF_OUT(expr)         \
  RF_TRY *out = rf::wrap(expr); \
  RF_CATCH
