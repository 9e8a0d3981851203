// What a statement sent by the control plane came back with: an OK (rows
// affected), a text result set, or an error, as plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borealis::mysql {

// One text-protocol row; nullopt is SQL NULL.
using Row = std::vector<std::optional<std::string>>;

struct QueryResult {
  bool ok = false;
  // Empty on success. Otherwise the server's error formatted as the mariadb
  // client prints it ("ERROR 1045 (28000): ...") or a local description
  // (timeout, connection lost, malformed reply).
  std::string error;
  std::uint16_t error_code = 0;  // the server's code, 0 for local failures

  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t warnings = 0;
  std::uint16_t status_flags = 0;

  std::vector<std::string> columns;  // empty for statements without a result set
  std::vector<Row> rows;

  explicit operator bool() const { return ok; }

  // The value in `column` (exact name) of row `row`; nullopt when the column
  // or row does not exist or the value is NULL.
  std::optional<std::string> value(std::string_view column, std::size_t row = 0) const;
};

// For two-column results such as SHOW GLOBAL STATUS / SHOW VARIABLES: the first
// column as key, the second as value. Rows with a NULL in either are skipped;
// anything but two columns gives an empty map.
std::map<std::string, std::string, std::less<>> name_value_map(const QueryResult& result);

}  // namespace borealis::mysql
