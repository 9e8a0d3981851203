#include "mysql/query_result.hpp"

#include <algorithm>

namespace borealis::mysql {

std::optional<std::string> QueryResult::value(std::string_view column, std::size_t row) const {
  auto found = std::find(columns.begin(), columns.end(), column);
  if (found == columns.end() || row >= rows.size()) return std::nullopt;
  auto index = static_cast<std::size_t>(found - columns.begin());
  if (index >= rows[row].size()) return std::nullopt;
  return rows[row][index];
}

std::map<std::string, std::string, std::less<>> name_value_map(const QueryResult& result) {
  std::map<std::string, std::string, std::less<>> map;
  if (result.columns.size() != 2) return map;
  for (const Row& row : result.rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;
    map[*row[0]] = *row[1];
  }
  return map;
}

}  // namespace borealis::mysql
