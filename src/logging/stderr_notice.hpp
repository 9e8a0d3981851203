// Operator messages on standard error, in HAProxy's shape:
// "[WARNING]  (1234) : Server be/srv is DOWN ...". Quiet mode silences notices.
#pragma once

#include <string_view>

namespace borealis::logging {

enum class Severity { alert, warning, notice };

void notice(Severity severity, std::string_view message);
void set_quiet(bool quiet);

}  // namespace borealis::logging
