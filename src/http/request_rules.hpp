// A `mode http` frontend's `http-request` rules, compiled at load: for each
// request, the first rule whose condition holds decides (allow, deny, or
// the service that answers); with none, nothing does. ACLs may match the
// client's address (`src`) and the request's path (`path`, `path_beg`).
#pragma once

#include <asio/ip/address.hpp>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "access/address_set.hpp"
#include "config/model.hpp"

namespace borealis::http {

class RequestRules {
 public:
  explicit RequestRules(const std::vector<config::HttpRequestRule>& rules);

  // The deciding rule, or null when none applies.
  const config::HttpRequestRule* judge(const asio::ip::address& source,
                                       std::string_view path) const;

 private:
  struct Term {
    bool negated = false;
    const config::Acl* acl = nullptr;
    const access::AddressSet* addresses = nullptr;
  };
  struct Rule {
    const config::HttpRequestRule* config = nullptr;
    std::vector<std::vector<Term>> any_of;
  };
  static bool matches(const Term& term, const asio::ip::address& source, std::string_view path);

  std::vector<config::HttpRequestRule> config_;  // what the compiled rules point into
  std::map<const config::Acl*, std::unique_ptr<access::AddressSet>> sets_;
  std::vector<Rule> rules_;
};

}  // namespace borealis::http
