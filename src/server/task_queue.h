// The request threads of the HTTP server: a fixed number of workers and a bounded queue of
// accepted connections. cpp-httplib's own pool queues without bound; this one makes the
// acceptor wait when `queue_limit` connections are already waiting, so a flood of connections
// backs up in the kernel's listen queue instead of in memory.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mv::server {

class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t threads, size_t queue_limit);
  ~BoundedTaskQueue() override;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Work();
  size_t limit_;
  std::mutex mu_;
  std::condition_variable has_work_, has_room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace mv::server
