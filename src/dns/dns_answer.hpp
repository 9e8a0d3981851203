// The outcome of resolving one name, reduced to what HAProxy's `hold`
// statuses distinguish.
#pragma once

#include <asio/ip/address.hpp>
#include <string>
#include <vector>

namespace borealis::dns {

enum class AnswerStatus { valid, nx, timeout, refused, other };

struct DnsAnswer {
  AnswerStatus status = AnswerStatus::other;
  // Preferred family first, then the other one; CNAME chains already followed.
  std::vector<asio::ip::address> addresses;
};

// "NX", "timeout", ... as HAProxy prints them in "(DNS NX status)".
std::string status_name(AnswerStatus status);

}  // namespace borealis::dns
