#include "mysql/client_stream_filter.hpp"

#include <algorithm>

#include "mysql/change_user.hpp"  // kComChangeUser

namespace borealis::mysql {
namespace {

std::uint32_t payload_length(std::string_view header) {
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i]));
  };
  return byte(0) | (byte(1) << 8) | (byte(2) << 16);
}

std::uint8_t sequence(std::string_view header) { return static_cast<std::uint8_t>(header[3]); }

}  // namespace

// A copy that lives until the next feed(). The copies' buffers are reused
// from one feed() to the next (a deque never moves its elements): holding a
// short command costs a copy, not an allocation.
std::string_view ClientStreamFilter::keep(std::string_view bytes) {
  if (kept_used_ == kept_.size()) kept_.emplace_back();
  std::string& slot = kept_[kept_used_++];
  slot.assign(bytes);
  return slot;
}

// A command is a packet with sequence 0 that does not continue a 16 MiB one.
bool ClientStreamFilter::wants_to_hold(std::string_view header, int first_byte) const {
  const std::uint32_t length = payload_length(header);
  if (!rewriter_ || length > kMaxHeld) return false;
  return rewriter_->wants(sequence(header), !continued_ && sequence(header) == 0, first_byte,
                          length);
}

void ClientStreamFilter::start_packet(std::string_view header, int first_byte) {
  const std::uint32_t length = payload_length(header);
  const bool command = !continued_ && sequence(header) == 0 && length > 0;
  if (command) {
    ++commands_;
    if (first_byte == kComChangeUser) ++change_users_;
  }
  // A continuation belongs to the command it continues.
  if (!continued_) observing_ = command && observer_;
  if (command && observer_) {
    skip_command_byte_ = true;
    observer_->command_started(static_cast<std::uint8_t>(first_byte));
  }
  continued_ = length == kMaxPayload;
  payload_left_ = length;
  if (length == 0) observe_payload({});  // an empty packet ending a 16 MiB command
}

// Payload bytes of the current packet have passed (payload_left_ already
// counts them).
void ClientStreamFilter::observe_payload(std::string_view bytes) {
  if (!observing_) return;
  if (skip_command_byte_ && !bytes.empty()) {
    bytes.remove_prefix(1);
    skip_command_byte_ = false;
  }
  if (!bytes.empty()) observer_->command_bytes(bytes);
  if (payload_left_ == 0 && !continued_) {
    observing_ = false;
    observer_->command_ended();
  }
}

void ClientStreamFilter::finish_held(std::vector<std::string_view>& out) {
  holding_ = false;
  std::string_view payload = std::string_view(held_).substr(kHeaderSize);
  observe_payload(payload);
  auto rewritten = rewriter_->rewrite(static_cast<std::uint8_t>(held_[3]), payload);
  if (!rewritten) {
    out.push_back(keep(held_));
  } else {
    std::string packet(kHeaderSize, '\0');
    const auto length = static_cast<std::uint32_t>(rewritten->size());
    packet[0] = static_cast<char>(length & 0xff);
    packet[1] = static_cast<char>((length >> 8) & 0xff);
    packet[2] = static_cast<char>((length >> 16) & 0xff);
    packet[3] = held_[3];
    packet += *rewritten;
    out.push_back(keep(packet));
  }
  held_.clear();
}

void ClientStreamFilter::feed(std::string_view chunk, std::vector<std::string_view>& out) {
  kept_used_ = 0;
  std::size_t at = 0;
  std::size_t passed_from = 0;  // start of the run of `chunk` not yet in `out`
  auto pass_until = [&](std::size_t end) {
    if (end > passed_from) out.push_back(chunk.substr(passed_from, end - passed_from));
    passed_from = end;
  };
  while (at < chunk.size()) {
    if (holding_) {
      const std::size_t take = std::min<std::uint64_t>(payload_left_, chunk.size() - at);
      held_.append(chunk.substr(at, take));
      at += take;
      payload_left_ -= take;
      passed_from = at;
      if (payload_left_ == 0) finish_held(out);
      continue;
    }
    if (payload_left_ > 0) {
      const std::size_t take = std::min<std::uint64_t>(payload_left_, chunk.size() - at);
      const std::string_view passed = chunk.substr(at, take);
      at += take;
      payload_left_ -= take;
      observe_payload(passed);
      continue;
    }
    // A packet starts here. Its header and first byte decide; whatever of
    // them this read lacks waits in `pending_`.
    if (pending_.empty() && chunk.size() - at > kHeaderSize) {
      std::string_view header = chunk.substr(at, kHeaderSize);
      const int first =
          payload_length(header) > 0 ? static_cast<unsigned char>(chunk[at + kHeaderSize]) : -1;
      const bool hold = wants_to_hold(header, first);
      start_packet(header, first);
      if (hold) {
        pass_until(at);
        holding_ = true;
        held_.assign(header);
        passed_from = at += kHeaderSize;
      } else {
        at += kHeaderSize;
      }
      continue;
    }
    // The header, then the first byte if the packet has one. Without a
    // rewriter nothing is decided: the bytes pass on as they come.
    const bool deciding = rewriter_ != nullptr;
    if (deciding) pass_until(at);
    const std::size_t wanted = pending_.size() < kHeaderSize ? kHeaderSize - pending_.size() : 0;
    std::size_t take = std::min(wanted, chunk.size() - at);
    pending_.append(chunk.substr(at, take));
    at += take;
    if (pending_.size() < kHeaderSize) {
      if (deciding) passed_from = at;
      break;
    }
    const bool has_payload = payload_length(std::string_view(pending_).substr(0, kHeaderSize)) > 0;
    if (has_payload && pending_.size() == kHeaderSize) {
      if (at == chunk.size()) {
        if (deciding) passed_from = at;
        break;
      }
      pending_ += chunk[at++];
    }
    if (deciding) passed_from = at;
    std::string_view header = std::string_view(pending_).substr(0, kHeaderSize);
    const int first = has_payload ? static_cast<unsigned char>(pending_[kHeaderSize]) : -1;
    const bool hold = wants_to_hold(header, first);
    start_packet(header, first);
    payload_left_ -= pending_.size() - kHeaderSize;
    if (hold) {
      holding_ = true;
      held_.assign(pending_);
      if (payload_left_ == 0) finish_held(out);
    } else {
      if (deciding) out.push_back(keep(pending_));
      if (has_payload) observe_payload(std::string_view(pending_).substr(kHeaderSize));
    }
    pending_.clear();
  }
  pass_until(chunk.size());
}

}  // namespace borealis::mysql
