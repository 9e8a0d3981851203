// The Prometheus exporter's page: HAProxy's exporter's metrics under the
// `borealis_` prefix (the same families, types and labels for the process,
// frontends, backends and servers, read from the same rows as `show stat`),
// connect and queue time histograms, and the serverless databases'
// (state, capacity, ACU-seconds, sessions, resume times). Built on the
// control thread, where everything it reads lives (docs/operations.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/api_targets.hpp"
#include "http/request_parser.hpp"
#include "http/response.hpp"

namespace borealis::admin {

struct MetricScopes {
  bool global = true, frontend = true, backend = true, server = true, database = true;
};

// HAProxy's `?scope=NAME` parameters (`global`, `frontend`, `backend`,
// `server`, `*`; borealis adds `database`): with none, every scope; an
// empty one clears those before it. Nothing when a scope is unknown.
std::optional<MetricScopes> metric_scopes(
    const std::vector<std::pair<std::string, std::string>>& parameters);

std::string metrics_text(const ApiTargets& targets, const MetricScopes& scopes);

// `http-request use-service prometheus-exporter`: the page for a request's
// scopes, or 400 naming an unknown scope, as HAProxy's exporter answers.
http::Response metrics_response(const ApiTargets& targets, const http::Request& request);

}  // namespace borealis::admin
