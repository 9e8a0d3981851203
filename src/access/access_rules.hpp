// A frontend's `tcp-request connection` and `tcp-request session` rules,
// compiled at load: judged in order, the first rule whose condition holds
// decides (accept or reject); with none, the connection is accepted.
// Immutable once built, shared by every worker without a lock.
#pragma once

#include <asio/ip/address.hpp>
#include <map>
#include <memory>
#include <vector>

#include "access/address_set.hpp"
#include "config/model.hpp"

namespace borealis::access {

using Phase = config::TcpRequestRule::Phase;

struct Verdict {
  bool accepted = true;
  // The rule that decided, or null when none applied (accepted by default).
  const config::SourceLocation* rule = nullptr;
};

class AccessRules {
 public:
  explicit AccessRules(const std::vector<config::TcpRequestRule>& rules);

  // Known at construction: the accept path asks on every connection.
  bool has_rules(Phase phase) const {
    return phase == Phase::connection ? has_connection_rules_ : has_session_rules_;
  }
  // `source` is the connection's address for Phase::connection, the
  // client's (from a PROXY header, if any) for Phase::session.
  Verdict judge(Phase phase, const asio::ip::address& source) const;

 private:
  struct Term {
    bool negated = false;
    const AddressSet* set = nullptr;
  };
  struct Rule {
    Phase phase;
    bool accept = true;
    bool has_condition = false;
    bool unless = false;
    std::vector<std::vector<Term>> any_of;
    config::SourceLocation where;
  };
  const AddressSet* compile(const std::shared_ptr<const config::Acl>& acl);
  static bool holds(const Rule& rule, const asio::ip::address& source);

  // One compiled set per ACL, shared by every rule that names it.
  std::map<const config::Acl*, std::unique_ptr<AddressSet>> sets_;
  std::vector<Rule> rules_;
  bool has_connection_rules_ = false, has_session_rules_ = false;
};

}  // namespace borealis::access
