// WorkerLoads: a connection stays on the worker that accepted it unless
// another runs fewer sessions; then it goes to the least busy.
#include "frontend/worker_loads.hpp"

#include <gtest/gtest.h>

namespace borealis::frontend {
namespace {

void set(WorkerLoads& loads, std::initializer_list<int> sessions) {
  int worker = 0;
  for (int count : sessions) loads.sessions(worker++).store(count);
}

TEST(WorkerLoads, StaysWhenNoWorkerRunsFewer) {
  WorkerLoads loads(2);
  set(loads, {0, 0});
  EXPECT_EQ(loads.choose(0), 0);
  EXPECT_EQ(loads.choose(1), 1);
  set(loads, {2, 3});
  EXPECT_EQ(loads.choose(0), 0);
}

TEST(WorkerLoads, GoesToTheLeastBusyWorker) {
  WorkerLoads loads(3);
  set(loads, {5, 3, 1});
  EXPECT_EQ(loads.choose(0), 2);
  EXPECT_EQ(loads.choose(1), 2);
  EXPECT_EQ(loads.choose(2), 2);
  set(loads, {3, 2, 3});
  EXPECT_EQ(loads.choose(0), 1);
  set(loads, {4, 2, 2});
  EXPECT_EQ(loads.choose(0), 1);  // the lowest-numbered of equals
}

// The kernel sends six of eight connections to worker 0: the counts the
// accept loop raises as it chooses end four and four.
TEST(WorkerLoads, AnUnevenArrivalEndsEven) {
  WorkerLoads loads(2);
  for (int here : {0, 0, 0, 1, 0, 0, 1, 0}) loads.sessions(loads.choose(here)).fetch_add(1);
  EXPECT_EQ(loads.sessions(0).load(), 4);
  EXPECT_EQ(loads.sessions(1).load(), 4);
}

}  // namespace
}  // namespace borealis::frontend
