// Reuse of large CPU tensor blocks, as the CUDA caching allocator does on a GPU.
//
// glibc serves every allocation over 32 MiB (its mmap-threshold ceiling) with a fresh mmap and returns it with
// munmap, so each training step pays the kernel to zero those pages again: at 125m (vocabulary 32768) the LM
// head's [1024, V] logits, their log-softmax and gradient and the tied embedding's [V, H] gradients are about
// 200 000 page faults a step (perf: clear_page_erms was the largest single symbol of the step). Blocks at least
// that large are therefore kept here when freed and handed out again for a request of the same size (or up to an
// eighth smaller). Smaller requests go to libtorch's own CPU allocator untouched.
//
// The cache holds at most a byte budget (RF_CPU_BLOCK_CACHE_MB, default the smaller of 2 GiB and an eighth of
// physical memory; 0 disables it); a block larger than the whole budget goes back to the kernel. Steady-shape training
// frees and requests the same sizes every step, so the cache holds what the next step would map again anyway; when
// shapes change (a new phase, other sequence lengths), the least recently freed blocks make room for the new ones.
#include "rf_common.h"

#include <c10/core/CPUAllocator.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>

namespace {

constexpr size_t kMinCachedBytes = size_t{32} << 20;
constexpr size_t kAlignment = 64;  // c10's gAlignment: what the vectorised kernels assume

size_t default_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t eighth = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) / 8 : 0;
  const size_t fallback = std::min(size_t{2} << 30, eighth);
  const char* mb = std::getenv("RF_CPU_BLOCK_CACHE_MB");
  if (!mb) return fallback;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(mb, &end, 10);
  // Read while the library loads, where throwing would abort the process: a bad value is reported and ignored.
  if (*mb == '\0' || *end != '\0' || *mb == '-' || v > (size_t{1} << 24)) {
    std::fprintf(stderr, "reasonflux: RF_CPU_BLOCK_CACHE_MB=\"%s\" is not a whole number of MiB (0 to 16777216); using the default %zu MiB\n", mb, fallback >> 20);
    return fallback;
  }
  return static_cast<size_t>(v) << 20;
}

class CpuBlockCache final : public c10::Allocator {
 public:
  explicit CpuBlockCache(c10::Allocator* fallback) : fallback_(fallback), fallback_deleter_(fallback->raw_deleter()), limit_(default_limit()) {}

  // libtorch 1.13 declares allocate const, 2.3 and later non-const: both are defined (without `override`) so that
  // whichever the headers declare is overridden.
  c10::DataPtr allocate(size_t n) const { return allocate_block(n); }
  c10::DataPtr allocate(size_t n) { return allocate_block(n); }

  c10::DeleterFnPtr raw_deleter() const override { return &CpuBlockCache::release; }

  // Pure virtual in newer libtorch (no `override`: 1.13's Allocator has no such method).
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }

  static CpuBlockCache* instance;

  void stats(int64_t* limit, int64_t* cached_bytes, int64_t* cached_blocks, int64_t* hits, int64_t* misses) const {
    std::lock_guard<std::mutex> lock(mu_);
    *limit = static_cast<int64_t>(limit_);
    *cached_bytes = static_cast<int64_t>(cached_bytes_);
    *cached_blocks = static_cast<int64_t>(free_.size());
    *hits = hits_;
    *misses = misses_;
  }

  void set_limit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = bytes;
    trim_locked(limit_);
  }

  void release_all() {
    std::lock_guard<std::mutex> lock(mu_);
    trim_locked(0);
  }

 private:
  c10::DataPtr allocate_block(size_t n) const {
    if (n < kMinCachedBytes) return fallback_->allocate(n);
    void* p = take(n);
    // The context is the data pointer itself, so raw_allocate / raw_deallocate (used by oneDNN's bridge) work too.
    return {p, p, &CpuBlockCache::release, c10::Device(c10::DeviceType::CPU)};
  }

  void* take(size_t n) const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.lower_bound(n);
      if (it != free_.end() && it->first <= n + n / 8) {
        void* p = it->second->ptr;
        cached_bytes_ -= it->first;
        idle_.erase(it->second);
        free_.erase(it);
        ++hits_;
        return p;
      }
      ++misses_;
    }
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, n) != 0) {
      // Out of memory with idle blocks held: give them back and try once more before failing as libtorch would.
      const_cast<CpuBlockCache*>(this)->release_all();
      TORCH_CHECK(posix_memalign(&p, kAlignment, n) == 0, "CPU block cache: not enough memory to allocate ", n, " bytes");
    }
    std::lock_guard<std::mutex> lock(mu_);
    live_[p] = n;
    return p;
  }

  static void release(void* p) {
    if (!p) return;
    auto* self = instance;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      auto it = self->live_.find(p);
      if (it != self->live_.end()) {
        const size_t n = it->second;
        if (n <= self->limit_) {
          // The least recently freed blocks make room, so the cache follows the shapes of the current phase.
          self->trim_locked(self->limit_ - n);
          // Stays in live_ (its size is needed when it is handed out and freed again).
          self->idle_.push_back({n, p});
          self->free_.emplace(n, std::prev(self->idle_.end()));
          self->cached_bytes_ += n;
          return;
        }
        self->live_.erase(it);
        std::free(p);
        return;
      }
    }
    // Not one of ours: a small block from the fallback allocator, freed through raw_deleter().
    self->fallback_deleter_(p);
  }

  // Frees idle blocks, least recently freed first, until at most `keep` bytes are idle.
  void trim_locked(size_t keep) const {
    while (cached_bytes_ > keep && !idle_.empty()) {
      auto oldest = idle_.begin();
      auto range = free_.equal_range(oldest->size);
      for (auto it = range.first; it != range.second; ++it)
        if (it->second == oldest) { free_.erase(it); break; }
      cached_bytes_ -= oldest->size;
      live_.erase(oldest->ptr);
      std::free(oldest->ptr);
      idle_.erase(oldest);
    }
  }

  struct Idle {
    size_t size;
    void* ptr;
  };

  c10::Allocator* fallback_;
  c10::DeleterFnPtr fallback_deleter_;
  mutable std::mutex mu_;
  mutable std::list<Idle> idle_;                                   // idle blocks, least recently freed first
  mutable std::multimap<size_t, std::list<Idle>::iterator> free_;  // the same blocks by size
  mutable std::unordered_map<void*, size_t> live_;    // every block we own (handed out or idle) -> its size
  mutable size_t cached_bytes_ = 0;
  size_t limit_;
  mutable int64_t hits_ = 0, misses_ = 0;
};

CpuBlockCache* CpuBlockCache::instance = nullptr;

// Installed when the shim loads (libtorch's own allocator is registered by then). Never destroyed: tensors freed
// during process exit still call back into it. An allocator without a raw deleter (not libtorch's default) is left
// in place, since small blocks freed through raw_deallocate could not be handed back to it.
struct InstallCpuBlockCache {
  InstallCpuBlockCache() {
    auto* current = c10::GetCPUAllocator();
    if (current == nullptr || current->raw_deleter() == nullptr) return;
    CpuBlockCache::instance = new CpuBlockCache(current);
    c10::SetCPUAllocator(CpuBlockCache::instance);
  }
} install_cpu_block_cache;

}  // namespace

// The budget, the idle bytes and blocks held, and how many large requests were served from the cache (hits) or
// fresh (misses).
RF_EXPORT int32_t rf_cpu_block_cache_stats(int64_t* limit, int64_t* cached_bytes, int64_t* cached_blocks, int64_t* hits, int64_t* misses) {
  RF_TRY
  if (CpuBlockCache::instance) CpuBlockCache::instance->stats(limit, cached_bytes, cached_blocks, hits, misses);
  else *limit = *cached_bytes = *cached_blocks = *hits = *misses = 0;
  RF_CATCH
}

// Sets the byte budget of idle blocks (0 disables caching) and frees what is over it.
RF_EXPORT int32_t rf_cpu_block_cache_set_limit(int64_t bytes) {
  RF_TRY
  TORCH_CHECK(bytes >= 0, "cpu block cache limit must be >= 0, got ", bytes);
  if (CpuBlockCache::instance) CpuBlockCache::instance->set_limit(static_cast<size_t>(bytes));
  RF_CATCH
}

// Returns every idle block to the kernel (between phases that use different shapes, or before measuring memory).
RF_EXPORT int32_t rf_cpu_block_cache_release() {
  RF_TRY
  if (CpuBlockCache::instance) CpuBlockCache::instance->release_all();
  RF_CATCH
}
