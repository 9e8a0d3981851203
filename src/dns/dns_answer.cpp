#include "dns/dns_answer.hpp"

namespace borealis::dns {

std::string status_name(AnswerStatus status) {
  switch (status) {
    case AnswerStatus::valid:
      return "valid";
    case AnswerStatus::nx:
      return "NX";
    case AnswerStatus::timeout:
      return "timeout";
    case AnswerStatus::refused:
      return "refused";
    case AnswerStatus::other:
      return "unspecified";
  }
  return "unspecified";
}

}  // namespace borealis::dns
