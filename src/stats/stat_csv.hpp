// `show stat` as HAProxy 2.6 writes it: a "# pxname,svname,..." header with
// HAProxy's column names in HAProxy's order, then one line per frontend,
// backend and server, every line ending in a comma. Tooling that reads
// HAProxy's CSV by column name reads borealis's. A column borealis has no
// value for stays empty, as HAProxy leaves the columns a row's type lacks.
// HAProxy's per-module columns (after its "-" column: SSL, HTTP/2) are not
// written.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace borealis::stats {

// The columns borealis fills, numbered as HAProxy numbers them.
enum class Column : std::size_t {
  pxname = 0,
  svname = 1,
  qcur = 2,
  qmax = 3,
  scur = 4,
  smax = 5,
  slim = 6,
  stot = 7,
  bin = 8,
  bout = 9,
  dreq = 10,
  dresp = 11,
  ereq = 12,
  econ = 13,
  wretr = 15,
  wredis = 16,
  status = 17,
  weight = 18,
  act = 19,
  bck = 20,
  chkfail = 21,
  chkdown = 22,
  lastchg = 23,
  downtime = 24,
  pid = 26,
  iid = 27,
  sid = 28,
  lbtot = 30,
  type = 32,
  rate = 33,
  rate_max = 35,
  check_status = 36,
  check_code = 37,
  check_duration = 38,
  cli_abrt = 49,
  srv_abrt = 50,
  qtime = 58,
  ctime = 59,
  rtime = 60,
  ttime = 61,
  check_desc = 65,
  check_rise = 67,
  check_fall = 68,
  check_health = 69,
  addr = 73,
  mode = 75,
  algo = 76,
  conn_rate = 77,
  conn_rate_max = 78,
  conn_tot = 79,
  dcon = 81,
  dses = 82,
  qtime_max = 90,
  ctime_max = 91,
  rtime_max = 92,
  ttime_max = 93,
};

inline constexpr std::size_t kColumnCount = 103;

// HAProxy's names, in its order (`show stat` of HAProxy 2.6, up to its
// aggregated check status columns).
const std::array<std::string_view, kColumnCount>& column_names();

// HAProxy's row types (the `type` column).
enum class RowType { frontend = 0, backend = 1, server = 2 };

class StatRow {
 public:
  StatRow(std::string_view proxy, std::string_view service, RowType type, int proxy_id,
          int service_id);

  void set(Column column, std::string value);
  template <std::integral Number>
  void set(Column column, Number value) {
    set(column, std::to_string(value));
  }
  const std::string& get(Column column) const;

  // The line, with its trailing comma and newline. Commas and newlines in a
  // value (a check's description) become spaces: one field stays one field.
  std::string csv() const;

 private:
  std::array<std::string, kColumnCount> values_;
};

// "# pxname,svname,...,\n"
std::string csv_header();

}  // namespace borealis::stats
