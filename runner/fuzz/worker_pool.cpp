#include "fuzz/worker_pool.hpp"

#include <system_error>

namespace fdconform::fuzz {

WorkerPool::WorkerPool(std::size_t slots) {
  for (std::size_t slot = 1; slot < slots; ++slot) {
    try {
      threads_.emplace_back([this, slot] { loop(slot); });
    } catch (const std::system_error&) {
      break;  // no more threads (RLIMIT_NPROC, memory): work with the slots there are
    }
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::loop(std::size_t slot) {
  unsigned long long seen = 0;
  for (;;) {
    const std::function<void(std::size_t)>* work = nullptr;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      work = work_;
    }
    (*work)(slot);
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    done_.notify_all();
  }
}

void WorkerPool::run_on_every_slot(const std::function<void(std::size_t)>& work) {
  {
    std::lock_guard lock(mutex_);
    work_ = &work;
    running_ = threads_.size();
    ++generation_;
  }
  wake_.notify_all();
  work(0);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return running_ == 0; });
}

}  // namespace fdconform::fuzz
