#include "backend/backend_view.hpp"

namespace borealis::backend {

int BackendView::usable_count() const {
  int count = 0;
  for (const auto& server : servers) count += server.usable ? 1 : 0;
  return count;
}

Backend::Backend(const config::Proxy& proxy, logging::Logger logger)
    : config_(proxy), logger_(std::move(logger)), view_(std::make_shared<const BackendView>()) {
  for (std::size_t i = 0; i < proxy.servers.size(); ++i)
    loads_.push_back(std::make_unique<ServerLoad>());
}

}  // namespace borealis::backend
