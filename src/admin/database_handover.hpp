// `_getdatabases NAME...`, asked on the runtime API by a reloading borealis
// (at `level admin`, or on a socket with `expose-fd listeners`): the named
// databases are held between steps and handed over, then either let go
// (the new process answered `commit`) or supervised again (it closed the
// connection, or said anything else, or was silent for a minute).
//
// On the wire, after the command: one line per database
// (reload/database_description.hpp), an empty line, the descriptors
// (reload/descriptor_passing.hpp); then the new process's `commit` and
// this process's `ok`. A refusal is one line of text instead.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/local/stream_protocol.hpp>
#include <string>
#include <vector>

namespace borealis::serverless {
class DatabaseRuntime;
}

namespace borealis::admin {

asio::awaitable<void> hand_over_databases(asio::local::stream_protocol::socket& socket,
                                          const std::vector<serverless::DatabaseRuntime*>& all,
                                          const std::vector<std::string>& names);

}  // namespace borealis::admin
