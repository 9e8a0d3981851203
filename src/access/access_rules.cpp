#include "access/access_rules.hpp"

#include "access/condition.hpp"

namespace borealis::access {

AccessRules::AccessRules(const std::vector<config::TcpRequestRule>& rules) {
  for (const auto& rule : rules) {
    Rule compiled{rule.phase,
                  rule.action == config::TcpRequestRule::Action::accept,
                  rule.condition.has_value(),
                  false,
                  {},
                  rule.where};
    if (rule.condition) {
      compiled.unless = rule.condition->unless;
      for (const auto& group : rule.condition->any_of) {
        std::vector<Term> terms;
        for (const auto& term : group) terms.push_back({term.negated, compile(term.acl)});
        compiled.any_of.push_back(std::move(terms));
      }
    }
    (rule.phase == Phase::connection ? has_connection_rules_ : has_session_rules_) = true;
    rules_.push_back(std::move(compiled));
  }
}

const AddressSet* AccessRules::compile(const std::shared_ptr<const config::Acl>& acl) {
  auto& set = sets_[acl.get()];
  if (!set) set = std::make_unique<AddressSet>(acl->prefixes);
  return set.get();
}

bool AccessRules::holds(const Rule& rule, const asio::ip::address& source) {
  if (!rule.has_condition) return true;
  return condition_holds(rule.unless, rule.any_of,
                         [&source](const Term& term) { return term.set->contains(source); });
}

Verdict AccessRules::judge(Phase phase, const asio::ip::address& source) const {
  for (const auto& rule : rules_) {
    if (rule.phase != phase || !holds(rule, source)) continue;
    return Verdict{rule.accept, &rule.where};
  }
  return Verdict{};
}

}  // namespace borealis::access
