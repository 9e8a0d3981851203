#include "http/request_rules.hpp"

#include <algorithm>

#include "access/condition.hpp"

namespace borealis::http {

RequestRules::RequestRules(const std::vector<config::HttpRequestRule>& rules) : config_(rules) {
  for (const auto& rule : config_) {
    Rule compiled{&rule, {}};
    if (rule.condition) {
      for (const auto& group : rule.condition->any_of) {
        std::vector<Term> terms;
        for (const auto& term : group) {
          auto& set = sets_[term.acl.get()];
          if (!set) set = std::make_unique<access::AddressSet>(term.acl->prefixes);
          terms.push_back({term.negated, term.acl.get(), set.get()});
        }
        compiled.any_of.push_back(std::move(terms));
      }
    }
    rules_.push_back(std::move(compiled));
  }
}

bool RequestRules::matches(const Term& term, const asio::ip::address& source,
                           std::string_view path) {
  const auto& acl = *term.acl;
  if (!acl.prefixes.empty() && term.addresses->contains(source)) return true;
  if (std::find(acl.paths.begin(), acl.paths.end(), path) != acl.paths.end()) return true;
  return std::any_of(acl.path_prefixes.begin(), acl.path_prefixes.end(),
                     [path](const std::string& prefix) { return path.starts_with(prefix); });
}

const config::HttpRequestRule* RequestRules::judge(const asio::ip::address& source,
                                                   std::string_view path) const {
  for (const auto& rule : rules_) {
    const auto& condition = rule.config->condition;
    if (!condition ||
        access::condition_holds(condition->unless, rule.any_of,
                                [&](const Term& term) { return matches(term, source, path); }))
      return rule.config;
  }
  return nullptr;
}

}  // namespace borealis::http
