// `if|unless TERM... [|| TERM...]`, judged: true when some group's terms
// all match (a negated term when it does not), inverted by `unless`. The
// terms are whatever a rule compiled its ACLs into; `matches` says whether
// one term's ACL matches, before its negation.
#pragma once

#include <vector>

namespace borealis::access {

template <typename Term, typename Matches>
bool condition_holds(bool unless, const std::vector<std::vector<Term>>& any_of, Matches matches) {
  bool any = false;
  for (const auto& group : any_of) {
    bool all = true;
    for (const auto& term : group) {
      if (matches(term) == term.negated) {
        all = false;
        break;
      }
    }
    if (all) {
      any = true;
      break;
    }
  }
  return unless ? !any : any;
}

}  // namespace borealis::access
