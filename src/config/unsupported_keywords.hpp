// HAProxy 2.6 keywords that borealis does not implement yet. Recognising
// them lets the parser say "not supported yet" instead of "unknown keyword",
// so a user knows the line is valid HAProxy and what to change.
#pragma once

#include <string_view>

namespace borealis::config {

enum class KeywordScope {
  section,    // section headers: userlist, peers, ...
  global,     // global section keywords
  proxy,      // defaults/frontend/backend/listen keywords
  option,     // words after "option"
  timeout,    // words after "timeout"
  balance,    // algorithms after "balance"
  server,     // server / server-template parameters
  bind,       // bind parameters
  resolvers,  // resolvers section keywords
};

bool is_unsupported_haproxy_keyword(KeywordScope scope, std::string_view word);

}  // namespace borealis::config
