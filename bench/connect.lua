-- sysbench workload: one event = connect, MySQL handshake and login, quit.
function thread_init()
  driver = sysbench.sql.driver()
end

function event()
  local connection = driver:connect()
  connection:disconnect()
end
