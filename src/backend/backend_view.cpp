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
      server_identity_(std::make_shared<const mysql::ServerIdentity>(
          mysql::ServerIdentity{kDefaultServerVersion})) {
  for (std::size_t i = 0; i < proxy.servers.size(); ++i)
    loads_.push_back(std::make_unique<ServerLoad>());
  if (proxy.mode != config::Mode::mysql || proxy.mysql_users.empty()) return;
  std::vector<auth::Account> accounts;
  for (const config::MysqlUser& user : proxy.mysql_users)
    accounts.push_back({user.name, "%", auth::Account::Kind::native_password, user.stage2});
  configured_accounts_ = std::make_shared<const auth::AccountTable>(std::move(accounts), false);
}

void Backend::remember_server_identity(const mysql::ServerIdentity& identity) {
  if (identity.version.empty() || *server_identity_.load() == identity) return;
  server_identity_.publish(std::make_shared<const mysql::ServerIdentity>(identity));
}

}  // namespace borealis::backend
