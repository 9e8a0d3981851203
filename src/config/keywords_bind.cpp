// `bind ADDR:PORT[,ADDR:PORT...] [v4v6] [v6only] [accept-proxy] [ssl crt FILE
// [allow-plaintext]]`.
#include <fmt/format.h>

#include "config/address.hpp"
#include "config/keywords.hpp"
#include "config/unsupported_keywords.hpp"

namespace borealis::config {
namespace {

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto comma = text.find(',');
    parts.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) return parts;
    text.remove_prefix(comma + 1);
  }
}

bool is_socket_path(std::string_view text) {
  const auto prefix = address_prefix(text);
  return text.starts_with("/") || prefix == "unix" || prefix == "abns" || prefix == "fd" ||
         prefix == "sockpair" || prefix == "quic4" || prefix == "quic6" || prefix == "udp" ||
         prefix == "udp4" || prefix == "udp6";
}

// Why an address that parse_host_port() refused is wrong, in HAProxy's words.
void report_bad_address(const Statement& st, std::string_view text, Reporter& report) {
  const auto colon = text.rfind(':');
  const auto port = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (port.find('-') != std::string_view::npos && port.front() != '-') {
    return report_unsupported_feature(st, "port ranges in 'bind'", report);
  }
  if (colon == std::string_view::npos || port.empty()) {
    report.alert(st.where, fmt::format("'bind' : missing port number: '{}'.", text));
    return;
  }
  report.alert(st.where, fmt::format("'bind' : invalid address: '{}'.", text));
}

std::optional<Bind> parse_one_address(const Statement& st, std::string_view text,
                                      Reporter& report) {
  if (is_socket_path(text)) {
    report_unsupported_feature(st, "UNIX, abns, fd, sockpair and QUIC addresses in 'bind'", report);
    return std::nullopt;
  }
  const auto address = parse_host_port(text);
  if (!address || !address->has_port) {
    report_bad_address(st, text, report);
    return std::nullopt;
  }
  if (address->port == 0) {
    report.alert(st.where, fmt::format("'bind' : invalid port 0 in '{}'.", text));
    return std::nullopt;
  }
  Bind bind;
  bind.host = address->host == "localhost" ? "127.0.0.1" : address->host;
  if (!bind.host.empty() && !is_ip_literal(bind.host)) {
    // HAProxy resolves the name once while parsing; borealis keeps parsing
    // free of DNS.
    report.alert(st.where, fmt::format("'bind' : '{}' is a host name; borealis needs an IP "
                                       "address to listen on (names are not supported yet).",
                                       address->host));
    return std::nullopt;
  }
  bind.port = address->port;
  bind.where = st.where;
  return bind;
}

// Applies the words after the address to every bind of the line.
bool parse_bind_options(const Statement& st, std::vector<Bind>& binds, Reporter& report) {
  for (std::size_t i = 2; i < st.size(); ++i) {
    const std::string& word = st.arg(i);
    if (word == "v4v6" || word == "v6only") {
      for (auto& bind : binds) (word == "v4v6" ? bind.v4v6 : bind.v6only) = true;
    } else if (word == "accept-proxy") {
      for (auto& bind : binds) bind.accept_proxy = true;
    } else if (word == "ssl") {
      for (auto& bind : binds) bind.ssl = true;
    } else if (word == "allow-plaintext") {
      for (auto& bind : binds) bind.allow_plaintext = true;
    } else if (word == "crt") {
      if (st.arg(i + 1).empty()) {
        report.alert(st.where, fmt::format("'bind {}' : missing certificate location", st.arg(1)));
        return false;
      }
      for (auto& bind : binds) bind.crt = st.arg(i + 1);
      ++i;
    } else if (is_unsupported_haproxy_keyword(KeywordScope::bind, word)) {
      report.alert(st.where, fmt::format("'{}' is an HAProxy 'bind' keyword that borealis does "
                                         "not support yet in '{}' section",
                                         word, st.section));
      return false;
    } else {
      report.alert(st.where, fmt::format("'bind {}' unknown keyword '{}'.", st.arg(1), word));
      return false;
    }
  }
  return true;
}

}  // namespace

void parse_bind(const Statement& st, Proxy& proxy, Reporter& report) {
  if (st.size() < 2 || st.arg(1).empty()) {
    report.alert(st.where,
                 "'bind' expects [addr1]:port1[-end1]{,[addr]:port[-end]}... as "
                 "arguments.");
    return;
  }
  std::vector<Bind> binds;
  for (const auto part : split_commas(st.arg(1))) {
    auto bind = parse_one_address(st, part, report);
    if (!bind) return;
    binds.push_back(std::move(*bind));
  }
  if (!parse_bind_options(st, binds, report)) return;
  for (auto& bind : binds) {
    if (bind.v4v6 && bind.v6only) {
      report.alert(st.where, "'bind' : 'v4v6' and 'v6only' cannot be used together.");
      return;
    }
    if (bind.ssl && bind.crt.empty()) {
      report.alert(st.where,
                   fmt::format("'bind {}' : 'ssl' needs a certificate: 'crt FILE'.", st.arg(1)));
      return;
    }
    if (!bind.ssl && (!bind.crt.empty() || bind.allow_plaintext)) {
      report.alert(st.where, fmt::format("'bind {}' : '{}' only applies with 'ssl'.", st.arg(1),
                                         bind.crt.empty() ? "allow-plaintext" : "crt"));
      return;
    }
  }
  proxy.binds.insert(proxy.binds.end(), binds.begin(), binds.end());
}

}  // namespace borealis::config
