// A server's state in HAProxy's words, from its checks, its operator state
// and its address.
#include "admin/stat_report.hpp"

#include <gtest/gtest.h>

#include "backend/server_state.hpp"

namespace borealis::admin {
namespace {

backend::ServerState checked_server() {
  config::Server config;
  config.name = "s1";
  config.check = true;
  config.rise = 2;
  config.fall = 3;
  backend::ServerState server(config);
  server.address = asio::ip::tcp::endpoint(asio::ip::make_address("10.0.0.1"), 3306);
  return server;
}

TEST(ServerStatus, ChecksCountDownAndUpAsHaproxyShowsThem) {
  auto server = checked_server();
  EXPECT_EQ(server_status(server), "UP");
  server.health.on_failure();
  EXPECT_EQ(server_status(server), "UP 2/3");
  server.health.on_failure();
  EXPECT_EQ(server_status(server), "UP 1/3");
  server.health.on_failure();
  EXPECT_EQ(server_status(server), "DOWN");
  server.health.on_success();
  EXPECT_EQ(server_status(server), "DOWN 1/2");
  server.health.on_success();
  EXPECT_EQ(server_status(server), "UP");
}

TEST(ServerStatus, OperatorAndDnsStatesComeFirst) {
  auto server = checked_server();
  server.dns_maintenance = "DNS NX status";
  EXPECT_EQ(server_status(server), "MAINT (resolution)");
  server.admin = backend::AdminState::maint;
  EXPECT_EQ(server_status(server), "MAINT");
  server.admin = backend::AdminState::drain;
  server.dns_maintenance.clear();
  EXPECT_EQ(server_status(server), "DRAIN");
  server.admin = backend::AdminState::ready;
  server.config.check = false;
  EXPECT_EQ(server_status(server), "no check");
  server.address.reset();
  EXPECT_EQ(server_status(server), "DOWN");
}

}  // namespace
}  // namespace borealis::admin
