#include "server/store_pool.h"

namespace mv::server {

Result<std::unique_ptr<StorePool>> StorePool::Open(const std::string& path, size_t size) {
  auto pool = std::make_unique<StorePool>();
  for (size_t i = 0; i < std::max<size_t>(size, 1); ++i) {
    MV_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Open(path));
    if (i == 0) pool->describe_ = s->Describe();
    pool->free_.push_back(std::move(s));
  }
  return pool;
}

StorePool::Lease StorePool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  std::unique_ptr<store::Store> s = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(s));
}

void StorePool::Return(std::unique_ptr<store::Store> s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(s));
  }
  cv_.notify_one();
}

}  // namespace mv::server
