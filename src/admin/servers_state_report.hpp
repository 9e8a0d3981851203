// `show servers state [<backend>]` in HAProxy's format (version 1): what
// an operator (or a script written for HAProxy) reads to see each server's
// address, operational and administrative state and last check, in
// HAProxy's numbers.
#pragma once

#include <string>
#include <vector>

#include "admin/stat_report.hpp"

namespace borealis::admin {

// Every backend's servers, or only `backend`'s when not empty.
std::string servers_state(const std::vector<ProxyTargets>& proxies, const std::string& backend);

}  // namespace borealis::admin
