#include "backend/backend_view.hpp"

namespace borealis::backend {

int BackendView::usable_count() const {
  int count = 0;
  for (const auto& server : servers) count += server.usable ? 1 : 0;
  return count;
}

namespace {
constexpr const char* kDefaultServerVersion = "5.5.5-10.11.0-MariaDB-borealis";
}  // namespace

Backend::Backend(const config::Proxy& proxy, logging::Logger logger)
    : config_(proxy),
      logger_(std::move(logger)),
      view_(std::make_shared<const BackendView>()),
      server_version_(std::make_shared<const std::string>(kDefaultServerVersion)) {
  for (std::size_t i = 0; i < proxy.servers.size(); ++i)
    loads_.push_back(std::make_unique<ServerLoad>());
}

void Backend::remember_server_version(const std::string& version) {
  if (version.empty() || *server_version_.load() == version) return;
  server_version_.publish(std::make_shared<const std::string>(version));
}

}  // namespace borealis::backend
