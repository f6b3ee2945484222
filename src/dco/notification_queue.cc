#include "dco/notification_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ovpn::dco {

Expected<std::unique_ptr<NotificationQueue>> NotificationQueue::create() {
  // Semaphore mode is not needed: the fd is level-triggered by its counter, which read()
  // clears once the queue is empty.
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return make_error(Errc::kIo, std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<NotificationQueue>(new NotificationQueue(fd));
}

NotificationQueue::~NotificationQueue() { ::close(event_fd_); }

void NotificationQueue::push(decltype(Notification::event) event) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back(Notification{next_seq_++, std::move(event)});
  }
  // Only the push that makes the queue non-empty needs to wake the reader: the counter is
  // cleared only when read() empties the queue, so it is still set for every later push (a
  // flood of unknown-source packets would otherwise cost a write and a wake-up each).
  if (!was_empty) return;
  const uint64_t one = 1;
  // Cannot fail short of a counter overflow (2^64 - 2 pending wake-ups).
  [[maybe_unused]] const ssize_t n = ::write(event_fd_, &one, sizeof one);
}

size_t NotificationQueue::read(std::vector<Notification>& out, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  while (n < max && !queue_.empty()) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
    ++n;
  }
  if (queue_.empty()) {
    // Clear the counter; a push racing with this re-arms it after taking the lock.
    uint64_t value = 0;
    [[maybe_unused]] const ssize_t r = ::read(event_fd_, &value, sizeof value);
  }
  return n;
}

uint64_t NotificationQueue::pushed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_seq_ - 1;
}

}  // namespace ovpn::dco
