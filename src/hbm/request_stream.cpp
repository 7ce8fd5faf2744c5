// RequestStream (include/skipopu/hbm/hbm_model.hpp): a streamed submission taken port by port.
#include <stdexcept>

#include "skipopu/hbm/hbm_model.hpp"

namespace skipopu::hbm {

void RequestStream::reset(RequestSource& src, uint64_t first_id, Cycle arrival) {
  src_ = &src;
  hook_ = nullptr;
  first_id_ = first_id;
  arrival_ = arrival;
  size_ = bytes_ = made_ = 0;
  for (Buf& b : bufs_) b.head = b.n = b.left = 0;
  scan([&](const Request& r) {
    if (r.port >= bufs_.size()) bufs_.resize(size_t(r.port) + 1);
    ++bufs_[r.port].left;
    ++size_;
    bytes_ += r.bytes;
  });
}

bool RequestStream::make(Request& r) {
  if (!src_->next(r)) return false;
  r.id = first_id_ + made_++;
  r.arrival = arrival_;
  return true;
}

void RequestStream::hooked(Request& r, uint64_t& index) {
  index = r.id - first_id_;
  if (hook_) hook_->taken(r, index);
}

bool RequestStream::next(uint32_t port, Request& r, uint64_t& index) {
  if (port >= bufs_.size() || bufs_[port].left == 0) return false;
  Buf& b = bufs_[port];
  if (b.n) {
    r = b.ring[b.head];
    b.head = (b.head + 1) & (b.ring.size() - 1);
    --b.n;
  } else {
    for (;;) {  // make requests in order until one of `port`; the others wait in their buffers
      if (!make(r)) throw std::logic_error("hbm request stream: the source ended early");
      if (r.port == port) break;
      Buf& o = bufs_[r.port];
      if (o.n == o.ring.size()) {  // grow (doubling; amortised)
        std::vector<Request> bigger(o.ring.empty() ? 16 : o.ring.size() * 2);
        for (size_t i = 0; i < o.n; ++i) bigger[i] = o.ring[(o.head + i) & (o.ring.size() - 1)];
        o.ring.swap(bigger);
        o.head = 0;
      }
      o.ring[(o.head + o.n) & (o.ring.size() - 1)] = r;
      ++o.n;
    }
  }
  --b.left;
  hooked(r, index);
  return true;
}

bool RequestStream::next_in_order(Request& r, uint64_t& index) {
  if (made_ == size_) return false;
  for (const Buf& b : bufs_)
    if (b.n) throw std::logic_error("hbm request stream: taken in order after port by port");
  if (!make(r)) throw std::logic_error("hbm request stream: the source ended early");
  --bufs_[r.port].left;
  hooked(r, index);
  return true;
}

}  // namespace skipopu::hbm
