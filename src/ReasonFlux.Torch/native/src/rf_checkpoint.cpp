// Activation checkpointing through libtorch's own autograd: a custom Function whose forward runs a caller's
// function (a C# decoder layer, through a function pointer) without recording a graph, and whose backward runs
// it again with grad enabled and lets autograd differentiate the recomputed graph. Only the inputs are kept
// between forward and backward; the layer's activations exist again only while its backward runs.
#include "rf_common.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <stdexcept>

using rf::T;
using rf::wrap;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Runs the checkpointed function on `n` input handles (fresh handles the callee owns) and writes one output
// handle (which the shim then owns). Returns 0, or non-zero after rf_set_error.
typedef int32_t (*rf_checkpoint_fn)(void* state, rf_tensor** inputs, int32_t n, rf_tensor** output);
// Frees `state` once no forward or backward can call the function any more.
typedef void (*rf_checkpoint_release)(void* state);

namespace {

struct CheckpointCallback : torch::CustomClassHolder {
  CheckpointCallback(rf_checkpoint_fn f, rf_checkpoint_release r, void* s) : fn(f), release(r), state(s) {}
  ~CheckpointCallback() override {
    if (release != nullptr) release(state);
  }
  CheckpointCallback(const CheckpointCallback&) = delete;
  CheckpointCallback& operator=(const CheckpointCallback&) = delete;

  at::Tensor call(const std::vector<at::Tensor>& inputs) const {
    std::vector<rf_tensor*> handles;
    handles.reserve(inputs.size());
    for (auto& t : inputs) handles.push_back(wrap(t));
    rf_tensor* out = nullptr;
    const int32_t status = fn(state, handles.data(), static_cast<int32_t>(handles.size()), &out);
    if (status != 0 || out == nullptr) throw std::runtime_error(status != 0 ? std::string(rf::last_error_message()) : "checkpointed function returned no tensor");
    at::Tensor result = T(out);
    delete reinterpret_cast<at::Tensor*>(out);
    return result;
  }

  rf_checkpoint_fn fn;
  rf_checkpoint_release release;
  void* state;
};

struct Checkpoint : public torch::autograd::Function<Checkpoint> {
  static variable_list forward(AutogradContext* ctx, at::TensorList inputs, at::TensorList params, const c10::intrusive_ptr<CheckpointCallback>& callback) {
    std::vector<at::Tensor> saved(inputs.begin(), inputs.end());
    saved.insert(saved.end(), params.begin(), params.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["inputs"] = static_cast<int64_t>(inputs.size());
    ctx->saved_data["callback"] = c10::IValue::make_capsule(callback);
    return {callback->call(std::vector<at::Tensor>(inputs.begin(), inputs.end()))};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const auto n_inputs = static_cast<size_t>(ctx->saved_data["inputs"].toInt());
    auto callback = c10::static_intrusive_pointer_cast<CheckpointCallback>(ctx->saved_data["callback"].toCapsule());
    std::vector<at::Tensor> inputs;
    variable_list wrt;
    std::vector<size_t> wrt_index;  // position in the gradient list of each tensor in wrt
    for (size_t i = 0; i < n_inputs; i++) {
      auto x = saved[i].detach();
      if (saved[i].requires_grad()) {
        x.requires_grad_(true);
        wrt.push_back(x);
        wrt_index.push_back(i);
      }
      inputs.push_back(x);
    }
    for (size_t i = n_inputs; i < saved.size(); i++)
      if (saved[i].requires_grad()) {
        wrt.push_back(saved[i]);
        wrt_index.push_back(i);
      }
    variable_list result(saved.size() + 1);  // one per input tensor, one (undefined) for the callback
    if (wrt.empty()) return result;
    at::Tensor output;
    {
      at::AutoGradMode enable(true);
      output = callback->call(inputs);
    }
    auto g = torch::autograd::grad({output}, wrt, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
    for (size_t k = 0; k < wrt.size(); k++) result[wrt_index[k]] = g[k];
    return result;
  }
};

}  // namespace

// The managed side reports its exception text through this before returning non-zero from a callback.
RF_EXPORT int32_t rf_set_error(const char* message) {
  rf::set_last_error(message);
  return 0;
}

// Runs fn(inputs) checkpointed: returns its output now, recomputes it in backward. `params` are the tensors fn
// reads besides its inputs (a layer's weights): listing them makes autograd route their gradients through here
// even when no input requires grad. The shim owns `state` from this call on and frees it through `release`.
RF_EXPORT int32_t rf_checkpoint(void* fn, void* release, void* state, rf_tensor** inputs, int32_t n_inputs, rf_tensor** params, int32_t n_params, rf_tensor** out) {
  RF_TRY
  auto callback = c10::make_intrusive<CheckpointCallback>(reinterpret_cast<rf_checkpoint_fn>(fn), reinterpret_cast<rf_checkpoint_release>(release), state);
  auto in = rf::tensors(inputs, n_inputs);
  auto ps = rf::tensors(params, n_params);
  *out = wrap(Checkpoint::apply(at::TensorList(in), at::TensorList(ps), callback)[0]);
  RF_CATCH
}
