#include "stats/stat_csv.hpp"

#include <algorithm>

namespace borealis::stats {

const std::array<std::string_view, kColumnCount>& column_names() {
  static constexpr std::array<std::string_view, kColumnCount> names = {
      "pxname",
      "svname",
      "qcur",
      "qmax",
      "scur",
      "smax",
      "slim",
      "stot",
      "bin",
      "bout",
      "dreq",
      "dresp",
      "ereq",
      "econ",
      "eresp",
      "wretr",
      "wredis",
      "status",
      "weight",
      "act",
      "bck",
      "chkfail",
      "chkdown",
      "lastchg",
      "downtime",
      "qlimit",
      "pid",
      "iid",
      "sid",
      "throttle",
      "lbtot",
      "tracked",
      "type",
      "rate",
      "rate_lim",
      "rate_max",
      "check_status",
      "check_code",
      "check_duration",
      "hrsp_1xx",
      "hrsp_2xx",
      "hrsp_3xx",
      "hrsp_4xx",
      "hrsp_5xx",
      "hrsp_other",
      "hanafail",
      "req_rate",
      "req_rate_max",
      "req_tot",
      "cli_abrt",
      "srv_abrt",
      "comp_in",
      "comp_out",
      "comp_byp",
      "comp_rsp",
      "lastsess",
      "last_chk",
      "last_agt",
      "qtime",
      "ctime",
      "rtime",
      "ttime",
      "agent_status",
      "agent_code",
      "agent_duration",
      "check_desc",
      "agent_desc",
      "check_rise",
      "check_fall",
      "check_health",
      "agent_rise",
      "agent_fall",
      "agent_health",
      "addr",
      "cookie",
      "mode",
      "algo",
      "conn_rate",
      "conn_rate_max",
      "conn_tot",
      "intercepted",
      "dcon",
      "dses",
      "wrew",
      "connect",
      "reuse",
      "cache_lookups",
      "cache_hits",
      "srv_icur",
      "src_ilim",
      "qtime_max",
      "ctime_max",
      "rtime_max",
      "ttime_max",
      "eint",
      "idle_conn_cur",
      "safe_conn_cur",
      "used_conn_cur",
      "need_conn_est",
      "uweight",
      "agg_server_status",
      "agg_server_check_status",
      "agg_check_status",
  };
  return names;
}

StatRow::StatRow(std::string_view proxy, std::string_view service, RowType type, int proxy_id,
                 int service_id) {
  set(Column::pxname, std::string(proxy));
  set(Column::svname, std::string(service));
  set(Column::type, static_cast<int>(type));
  set(Column::pid, 1);  // HAProxy's process number (not the system's pid): one process
  set(Column::iid, proxy_id);
  set(Column::sid, service_id);
}

void StatRow::set(Column column, std::string value) {
  std::replace_if(
      value.begin(), value.end(), [](char c) { return c == ',' || c == '\n' || c == '\r'; }, ' ');
  values_[static_cast<std::size_t>(column)] = std::move(value);
}

const std::string& StatRow::get(Column column) const {
  return values_[static_cast<std::size_t>(column)];
}

std::string StatRow::csv() const {
  std::string line;
  for (const auto& value : values_) {
    line += value;
    line += ',';
  }
  line += '\n';
  return line;
}

std::string csv_header() {
  std::string line = "# ";
  for (auto name : column_names()) {
    line += name;
    line += ',';
  }
  line += '\n';
  return line;
}

}  // namespace borealis::stats
