// A few threads of lower CPU priority for work that must not hold up the
// upstream loop: turning a large upstream response into a reply (a 3.6 MB
// ListUsers body is tens of milliseconds of JSON parsing) while small calls
// keep flowing on the loop.
//
//   WorkQueue queue({.threads = 2, .nice = 10, .name = "large-replies"});
//   queue.Run([response = std::move(response)]() mutable { ... });
//
// Thread-safe. The destructor runs what is queued, then joins the threads.
#pragma once

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace gateway_proxy {

class WorkQueue {
 public:
  struct Options {
    int threads = 2;
    // Added to the threads' nice value (Linux schedules each thread by its
    // own): their work yields the CPU to the latency-sensitive threads.
    int nice = 10;
    // The threads' name, as top -H shows it (at most 15 bytes).
    std::string name = "work";
  };

  explicit WorkQueue(Options options);
  ~WorkQueue();

  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Runs `work` on one of the threads, soon.
  void Run(absl::AnyInvocable<void() &&> work);

 private:
  void Loop(int nice, const std::string& name);

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace gateway_proxy
