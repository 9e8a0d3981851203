#include "backend/balancer.hpp"

#include <gtest/gtest.h>

#include <map>

using namespace borealis;

namespace {

config::Proxy backend_config(config::Balance balance, int servers) {
  config::Proxy proxy;
  proxy.kind = config::Proxy::Kind::backend;
  proxy.name = "be";
  proxy.balance = balance;
  for (int i = 0; i < servers; ++i) {
    config::Server server;
    server.name = "s" + std::to_string(i);
    proxy.servers.push_back(server);
  }
  return proxy;
}

backend::BackendView view_of(int servers) {
  backend::BackendView view;
  for (int i = 0; i < servers; ++i) {
    backend::ServerView server;
    server.id = i;
    server.name = "s" + std::to_string(i);
    server.address = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                             static_cast<unsigned short>(10000 + i));
    server.usable = true;
    view.servers.push_back(server);
  }
  return view;
}

backend::PickRequest from(const char* address) { return {asio::ip::make_address(address), -1}; }

}  // namespace

TEST(Balancer, RoundRobinAlternates) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 2), {});
  auto view = view_of(2);
  std::map<int, int> picks;
  for (int i = 0; i < 10; ++i) ++picks[backend::pick_server(be, view, from("10.0.0.1"))->id];
  EXPECT_EQ(picks[0], 5);
  EXPECT_EQ(picks[1], 5);
}

TEST(Balancer, RoundRobinFollowsWeights) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 2), {});
  auto view = view_of(2);
  view.servers[0].weight = 3;
  std::map<int, int> picks;
  for (int i = 0; i < 40; ++i) ++picks[backend::pick_server(be, view, from("10.0.0.1"))->id];
  EXPECT_EQ(picks[0], 30);
  EXPECT_EQ(picks[1], 10);
}

TEST(Balancer, SkipsUnusableAndZeroWeightServers) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 3), {});
  auto view = view_of(3);
  view.servers[0].usable = false;
  view.servers[1].weight = 0;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 2);
}

TEST(Balancer, BackupOnlyWhenNoActiveServerIsUsable) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 3), {});
  auto view = view_of(3);
  view.servers[1].backup = true;
  view.servers[2].backup = true;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 0);
  view.servers[0].usable = false;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 1);
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 1);
  view.servers[1].usable = false;
  view.servers[2].usable = false;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1")), nullptr);
}

TEST(Balancer, LeastConnPicksTheIdlestServer) {
  backend::Backend be(backend_config(config::Balance::leastconn, 3), {});
  auto view = view_of(3);
  be.load(0).active = 4;
  be.load(1).active = 1;
  be.load(2).active = 2;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 1);
}

TEST(Balancer, FirstFillsServersInOrder) {
  backend::Backend be(backend_config(config::Balance::first, 2), {});
  auto view = view_of(2);
  view.servers[0].maxconn = 2;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 0);
  be.load(0).active = 2;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1"))->id, 1);
}

TEST(Balancer, SourceIsStablePerClientAddress) {
  backend::Backend be(backend_config(config::Balance::source, 4), {});
  auto view = view_of(4);
  int first = backend::pick_server(be, view, from("192.0.2.7"))->id;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(backend::pick_server(be, view, from("192.0.2.7"))->id, first);
  std::map<int, int> spread;
  for (int i = 1; i < 200; ++i) {
    auto address = "10.1." + std::to_string(i / 100) + "." + std::to_string(i % 100);
    ++spread[backend::pick_server(be, view, from(address.c_str()))->id];
  }
  EXPECT_GT(spread.size(), 1u);
}

TEST(Balancer, ExcludedServerIsAvoidedWhenAnotherExists) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 2), {});
  auto view = view_of(2);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(backend::pick_server(be, view, {asio::ip::make_address("10.0.0.1"), 0})->id, 1);
}

TEST(Balancer, FullServersAreNotPicked) {
  backend::Backend be(backend_config(config::Balance::roundrobin, 1), {});
  auto view = view_of(1);
  view.servers[0].maxconn = 1;
  be.load(0).active = 1;
  EXPECT_EQ(backend::pick_server(be, view, from("10.0.0.1")), nullptr);
}
