// Store connections for the server's threads. A SQLite connection serves one thread at a time,
// so each request borrows one (WAL: readers never wait for each other or for a writer) and gives
// it back when the lease ends. The pool holds as many connections as there are worker threads,
// so a request never waits for one.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/store.h"

namespace mv::server {

class StorePool {
 public:
  // Opens `size` connections to the SQLite store at path (the first one migrates it).
  static Result<std::unique_ptr<StorePool>> Open(const std::string& path, size_t size);

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<store::Store> s) : pool_(pool), store_(std::move(s)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (store_) pool_->Return(std::move(store_));
    }
    store::Store& operator*() { return *store_; }
    store::Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<store::Store> store_;
  };

  // Waits for a free connection.
  Lease Acquire();
  std::string Describe() const { return describe_; }

 private:
  void Return(std::unique_ptr<store::Store> s);
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<store::Store>> free_;
  std::string describe_;
};

}  // namespace mv::server
