#pragma once
// The queue behind Dco::read_notifications(): any thread pushes, the control thread reads.
// Every notification gets the next sequence number when it is pushed; nothing is ever dropped
// (the queue grows instead: losing a "peer deleted" leaves the control plane with a ghost
// client, the most reported DCO bug). An eventfd is readable while the queue is not empty.

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "common/result.h"
#include "dco/dco.h"

namespace ovpn::dco {

class NotificationQueue {
 public:
  static Expected<std::unique_ptr<NotificationQueue>> create();
  ~NotificationQueue();
  NotificationQueue(const NotificationQueue&) = delete;
  NotificationQueue& operator=(const NotificationQueue&) = delete;

  // Thread: any.
  void push(decltype(Notification::event) event);
  // Thread: control.
  size_t read(std::vector<Notification>& out, size_t max);
  int fd() const noexcept { return event_fd_; }
  // Thread: any. Pushed so far (the last sequence number handed out).
  uint64_t pushed() const;

 private:
  explicit NotificationQueue(int event_fd) noexcept : event_fd_(event_fd) {}

  const int event_fd_;
  mutable std::mutex mu_;  // guards queue_ and next_seq_
  std::deque<Notification> queue_;
  uint64_t next_seq_ = 1;
};

}  // namespace ovpn::dco
