#include "dns/hold_policy.hpp"

namespace borealis::dns {

config::Duration hold_for(const config::Resolvers& resolvers, AnswerStatus status) {
  switch (status) {
    case AnswerStatus::valid:
      return resolvers.hold_valid;
    case AnswerStatus::nx:
      return resolvers.hold_nx;
    case AnswerStatus::timeout:
      return resolvers.hold_timeout;
    case AnswerStatus::refused:
      return resolvers.hold_refused;
    case AnswerStatus::other:
      return resolvers.hold_other;
  }
  return resolvers.hold_other;
}

bool keep_last_address(const config::Resolvers& resolvers, AnswerStatus status,
                       std::optional<core::SteadyTime> last_valid, core::SteadyTime now) {
  if (!last_valid) return false;
  return now - *last_valid <= hold_for(resolvers, status);
}

}  // namespace borealis::dns
