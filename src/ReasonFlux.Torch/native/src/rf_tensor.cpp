// Tensor lifetime, creation, metadata, data transfer, and view/shape operations.
#include "rf_common.h"

#include <cstring>

using rf::T;
using rf::wrap;

RF_EXPORT void rf_tensor_dispose(rf_tensor* t) { delete reinterpret_cast<at::Tensor*>(t); }

// ---- creation ----

RF_EXPORT int32_t rf_tensor_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::empty(rf::dims(shape, ndim), rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::full(rf::dims(shape, ndim), value, rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_full_int(const int64_t* shape, int32_t ndim, int64_t value, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::full(rf::dims(shape, ndim), value, rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_arange(double start, double end, double step, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::arange(start, end, step, rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_randn(const int64_t* shape, int32_t ndim, rf_generator* g, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::randn(rf::dims(shape, ndim), rf::gen(g), rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_rand(const int64_t* shape, int32_t ndim, rf_generator* g, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::rand(rf::dims(shape, ndim), rf::gen(g), rf::options(dtype, dev_type, dev_index)))
}

RF_EXPORT int32_t rf_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, rf_generator* g, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_OUT(at::randint(low, high, rf::dims(shape, ndim), rf::gen(g), rf::options(dtype, dev_type, dev_index)))
}

// Copies host bytes into a new CPU tensor, then moves it to the device. A copy rather than from_blob keeps
// native lifetime independent of the GC.
RF_EXPORT int32_t rf_tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t dev_type, int32_t dev_index, rf_tensor** out) {
  RF_TRY
  auto t = at::empty(rf::dims(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
  const int64_t expected = t.numel() * static_cast<int64_t>(t.element_size());
  if (expected != nbytes)
    throw std::invalid_argument("from_data: " + std::to_string(nbytes) + " bytes given for a tensor of " + std::to_string(expected) + " bytes");
  if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
  auto dev = rf::device(dev_type, dev_index);
  *out = wrap(dev.is_cpu() ? t : t.to(dev));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_copy_to_host(rf_tensor* t, void* dst, int64_t nbytes) {
  RF_TRY
  auto c = T(t).detach().to(at::kCPU).contiguous();
  const int64_t have = c.numel() * static_cast<int64_t>(c.element_size());
  if (have != nbytes)
    throw std::invalid_argument("copy_to_host: buffer of " + std::to_string(nbytes) + " bytes for a tensor of " + std::to_string(have) + " bytes");
  if (nbytes > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
  RF_CATCH
}

// Raw pointer of a contiguous CPU tensor, for zero-copy readers such as the safetensors writer.
RF_EXPORT int32_t rf_tensor_data_ptr(rf_tensor* t, void** ptr) {
  RF_TRY
  auto& x = T(t);
  if (!x.device().is_cpu() || !x.is_contiguous()) throw std::invalid_argument("data_ptr needs a contiguous CPU tensor");
  *ptr = x.data_ptr();
  RF_CATCH
}

// ---- metadata ----

RF_EXPORT int32_t rf_tensor_ndim(rf_tensor* t, int32_t* ndim) {
  RF_TRY
  *ndim = static_cast<int32_t>(T(t).dim());
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_shape(rf_tensor* t, int64_t* shape, int32_t capacity) {
  RF_TRY
  auto s = T(t).sizes();
  if (static_cast<int32_t>(s.size()) > capacity) throw std::invalid_argument("shape buffer too small");
  for (size_t i = 0; i < s.size(); i++) shape[i] = s[i];
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_info(rf_tensor* t, int32_t* dtype, int32_t* dev_type, int32_t* dev_index, int32_t* requires_grad) {
  RF_TRY
  auto& x = T(t);
  *dtype = static_cast<int32_t>(x.scalar_type());
  *dev_type = static_cast<int32_t>(x.device().type());
  *dev_index = static_cast<int32_t>(x.device().index());
  *requires_grad = x.requires_grad() ? 1 : 0;
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_numel(rf_tensor* t, int64_t* n) {
  RF_TRY
  *n = T(t).numel();
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_item_double(rf_tensor* t, double* v) {
  RF_TRY
  *v = T(t).item<double>();
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_item_int64(rf_tensor* t, int64_t* v) {
  RF_TRY
  *v = T(t).item<int64_t>();
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_is_contiguous(rf_tensor* t, int32_t* v) {
  RF_TRY
  *v = T(t).is_contiguous() ? 1 : 0;
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_same_storage(rf_tensor* a, rf_tensor* b, int32_t* v) {
  RF_TRY
  *v = T(a).is_same(T(b)) || (T(a).has_storage() && T(b).has_storage() && T(a).storage().is_alias_of(T(b).storage())) ? 1 : 0;
  RF_CATCH
}

// ---- conversion and copies ----

RF_EXPORT int32_t rf_tensor_to(rf_tensor* t, int32_t dtype, int32_t dev_type, int32_t dev_index, int32_t non_blocking, rf_tensor** out) {
  RF_OUT(T(t).to(rf::device(dev_type, dev_index), static_cast<at::ScalarType>(dtype), non_blocking != 0))
}

RF_EXPORT int32_t rf_tensor_clone(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).clone()) }
RF_EXPORT int32_t rf_tensor_contiguous(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).contiguous()) }
RF_EXPORT int32_t rf_tensor_detach(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).detach()) }
RF_EXPORT int32_t rf_tensor_alias(rf_tensor* t, rf_tensor** out) { RF_OUT(at::Tensor(T(t))) }

RF_EXPORT int32_t rf_tensor_copy_(rf_tensor* dst, rf_tensor* src) {
  RF_TRY
  T(dst).copy_(T(src));
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_fill_(rf_tensor* t, double value) {
  RF_TRY
  T(t).fill_(value);
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_zero_(rf_tensor* t) {
  RF_TRY
  T(t).zero_();
  RF_CATCH
}

// ---- shape and views ----

RF_EXPORT int32_t rf_tensor_view(rf_tensor* t, const int64_t* shape, int32_t ndim, rf_tensor** out) { RF_OUT(T(t).view(rf::dims(shape, ndim))) }
RF_EXPORT int32_t rf_tensor_reshape(rf_tensor* t, const int64_t* shape, int32_t ndim, rf_tensor** out) { RF_OUT(T(t).reshape(rf::dims(shape, ndim))) }
RF_EXPORT int32_t rf_tensor_expand(rf_tensor* t, const int64_t* shape, int32_t ndim, rf_tensor** out) { RF_OUT(T(t).expand(rf::dims(shape, ndim))) }
RF_EXPORT int32_t rf_tensor_permute(rf_tensor* t, const int64_t* order, int32_t ndim, rf_tensor** out) { RF_OUT(T(t).permute(rf::dims(order, ndim))) }
RF_EXPORT int32_t rf_tensor_transpose(rf_tensor* t, int64_t d0, int64_t d1, rf_tensor** out) { RF_OUT(T(t).transpose(d0, d1)) }
RF_EXPORT int32_t rf_tensor_unsqueeze(rf_tensor* t, int64_t dim, rf_tensor** out) { RF_OUT(T(t).unsqueeze(dim)) }
RF_EXPORT int32_t rf_tensor_squeeze(rf_tensor* t, int64_t dim, rf_tensor** out) { RF_OUT(T(t).squeeze(dim)) }
RF_EXPORT int32_t rf_tensor_squeeze_all(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).squeeze()) }
RF_EXPORT int32_t rf_tensor_flatten(rf_tensor* t, int64_t start, int64_t end, rf_tensor** out) { RF_OUT(T(t).flatten(start, end)) }
RF_EXPORT int32_t rf_tensor_narrow(rf_tensor* t, int64_t dim, int64_t start, int64_t length, rf_tensor** out) { RF_OUT(T(t).narrow(dim, start, length)) }
RF_EXPORT int32_t rf_tensor_select(rf_tensor* t, int64_t dim, int64_t index, rf_tensor** out) { RF_OUT(T(t).select(dim, index)) }
RF_EXPORT int32_t rf_tensor_slice(rf_tensor* t, int64_t dim, int64_t start, int64_t end, int64_t step, rf_tensor** out) { RF_OUT(T(t).slice(dim, start, end, step)) }

RF_EXPORT int32_t rf_tensor_cat(rf_tensor** ts, int32_t n, int64_t dim, rf_tensor** out) { RF_OUT(at::cat(rf::tensors(ts, n), dim)) }
RF_EXPORT int32_t rf_tensor_stack(rf_tensor** ts, int32_t n, int64_t dim, rf_tensor** out) { RF_OUT(at::stack(rf::tensors(ts, n), dim)) }

// Variable arity: the caller passes a buffer of `capacity` handles and learns the count.
RF_EXPORT int32_t rf_tensor_split(rf_tensor* t, const int64_t* sizes, int32_t nsizes, int64_t dim, rf_tensor** outs, int32_t capacity, int32_t* count) {
  RF_TRY
  auto parts = T(t).split_with_sizes(rf::dims(sizes, nsizes), dim);
  if (static_cast<int32_t>(parts.size()) > capacity) throw std::invalid_argument("split: output buffer too small");
  for (size_t i = 0; i < parts.size(); i++) outs[i] = wrap(parts[i]);
  *count = static_cast<int32_t>(parts.size());
  RF_CATCH
}

RF_EXPORT int32_t rf_tensor_chunk(rf_tensor* t, int64_t chunks, int64_t dim, rf_tensor** outs, int32_t capacity, int32_t* count) {
  RF_TRY
  auto parts = T(t).chunk(chunks, dim);
  if (static_cast<int32_t>(parts.size()) > capacity) throw std::invalid_argument("chunk: output buffer too small");
  for (size_t i = 0; i < parts.size(); i++) outs[i] = wrap(parts[i]);
  *count = static_cast<int32_t>(parts.size());
  RF_CATCH
}

// ---- indexing ----

RF_EXPORT int32_t rf_tensor_index_select(rf_tensor* t, int64_t dim, rf_tensor* index, rf_tensor** out) { RF_OUT(T(t).index_select(dim, T(index))) }
RF_EXPORT int32_t rf_tensor_gather(rf_tensor* t, int64_t dim, rf_tensor* index, rf_tensor** out) { RF_OUT(T(t).gather(dim, T(index))) }
RF_EXPORT int32_t rf_tensor_scatter(rf_tensor* t, int64_t dim, rf_tensor* index, rf_tensor* src, rf_tensor** out) { RF_OUT(T(t).scatter(dim, T(index), T(src))) }
RF_EXPORT int32_t rf_tensor_scatter_add(rf_tensor* t, int64_t dim, rf_tensor* index, rf_tensor* src, rf_tensor** out) { RF_OUT(T(t).scatter_add(dim, T(index), T(src))) }
RF_EXPORT int32_t rf_tensor_masked_fill(rf_tensor* t, rf_tensor* mask, double value, rf_tensor** out) { RF_OUT(T(t).masked_fill(T(mask), value)) }
RF_EXPORT int32_t rf_tensor_masked_fill_(rf_tensor* t, rf_tensor* mask, double value) {
  RF_TRY
  T(t).masked_fill_(T(mask), value);
  RF_CATCH
}
RF_EXPORT int32_t rf_tensor_where(rf_tensor* cond, rf_tensor* a, rf_tensor* b, rf_tensor** out) { RF_OUT(at::where(T(cond), T(a), T(b))) }
RF_EXPORT int32_t rf_tensor_index_copy_(rf_tensor* t, int64_t dim, rf_tensor* index, rf_tensor* src) {
  RF_TRY
  T(t).index_copy_(dim, T(index), T(src));
  RF_CATCH
}
RF_EXPORT int32_t rf_tensor_masked_select(rf_tensor* t, rf_tensor* mask, rf_tensor** out) { RF_OUT(T(t).masked_select(T(mask))) }
RF_EXPORT int32_t rf_tensor_nonzero(rf_tensor* t, rf_tensor** out) { RF_OUT(T(t).nonzero()) }
RF_EXPORT int32_t rf_tensor_tril(rf_tensor* t, int64_t diagonal, rf_tensor** out) { RF_OUT(T(t).tril(diagonal)) }
RF_EXPORT int32_t rf_tensor_triu(rf_tensor* t, int64_t diagonal, rf_tensor** out) { RF_OUT(T(t).triu(diagonal)) }
