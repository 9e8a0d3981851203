// `show stat`'s CSV: HAProxy 2.6's header, one field per column on every
// line, and values that cannot break a line into more fields.
#include "stats/stat_csv.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace borealis::stats {
namespace {

// What `show stat` of Debian's HAProxy 2.6 starts its answer with, up to
// its "-" column (after it come per-module columns borealis does not have).
constexpr std::string_view kHaproxyHeader =
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
    "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
    "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
    "ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,"
    "check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,"
    "conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,"
    "srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,"
    "used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,"
    "agg_check_status,\n";

TEST(StatCsv, HeaderIsHaproxys) { EXPECT_EQ(csv_header(), kHaproxyHeader); }

TEST(StatCsv, ColumnsBorealisFillsSitWhereHaproxyHasThem) {
  const auto& names = column_names();
  EXPECT_EQ(names[static_cast<std::size_t>(Column::scur)], "scur");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::lbtot)], "lbtot");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::check_desc)], "check_desc");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::addr)], "addr");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::algo)], "algo");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::conn_tot)], "conn_tot");
  EXPECT_EQ(names[static_cast<std::size_t>(Column::dses)], "dses");
}

TEST(StatCsv, ARowHasOneFieldPerColumnWhateverItsValues) {
  StatRow row("be", "s1", RowType::server, 3, 1);
  row.set(Column::stot, std::uint64_t{42});
  row.set(Column::check_desc, std::string("refused, then\nreset"));
  const std::string line = row.csv();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')), kColumnCount);
  EXPECT_EQ(line.rfind("be,s1,", 0), 0u);
  EXPECT_EQ(row.get(Column::stot), "42");
  EXPECT_EQ(row.get(Column::type), "2");
  EXPECT_EQ(row.get(Column::iid), "3");
  EXPECT_EQ(row.get(Column::sid), "1");
  EXPECT_EQ(row.get(Column::check_desc), "refused  then reset");
  EXPECT_EQ(row.get(Column::qcur), "");
}

}  // namespace
}  // namespace borealis::stats
