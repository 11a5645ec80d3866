#pragma once
// Threads that live as long as the fuzz run. A driver is started with PR_SET_PDEATHSIG, which fires
// when the *thread* that started it ends: a driver a short-lived thread had started would be killed
// with that thread, so each slot's warm sessions must be started and used by one lasting thread.
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fdconform::fuzz {

class WorkerPool {
 public:
  // `slots` workers in all: slot 0 is the calling thread, the others are threads started here.
  explicit WorkerPool(std::size_t slots);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs work(slot) once on every slot at the same time and returns when all have returned.
  void run_on_every_slot(const std::function<void(std::size_t slot)>& work);
  std::size_t slots() const { return threads_.size() + 1; }

 private:
  void loop(std::size_t slot);

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* work_ = nullptr;
  unsigned long long generation_ = 0;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace fdconform::fuzz
