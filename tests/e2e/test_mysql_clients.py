"""`mode mysql` with the client stacks users have, each against a real
mariadbd through borealis, plain and over TLS (`bind ... ssl crt`):

  * PHP mysqli and PDO_mysql (mysqlnd, PHP's own protocol code),
  * Perl DBI with DBD::MariaDB and DBD::mysql (both on libmariadb),
  * Node.js mysql2 (protocol code in JavaScript),
  * Java JDBC with MariaDB Connector/J 2.7 (Debian's; protocol code in
    Java), used as a pool uses it: one connection kept and reset between
    uses, then the driver's own pool,
  * Python mysqlclient (MySQLdb, libmariadb), in the test's own process.

Each stack runs one script (written to the test's directory) that
connects as harness.APP_USER to the database `clients`, creates a table,
inserts and reads back with the driver's server-side prepared statements
(the binary protocol both ways) where it has them, runs a multi-statement
query, and prints `key: value` lines; the test compares them with what a
correct relay gives and reads the rows back from the server itself (over
its UNIX socket, never through borealis). mysqlnd, mysql2 and Connector/J,
three protocol implementations of their own, also move a 17 MiB blob both
ways as a prepared statement's parameter: one command of more than 16 MiB,
which the client splits into several packets. The bytes around the split
are 0x11 (COM_CHANGE_USER), so a relay that took the continuation packet
for a command of its own (borealis reads the client's packet headers to
rewrite COM_CHANGE_USER) would corrupt the blob or the session.

TLS: a self-signed certificate for LOCAL's IP address (subject alternative
name), which every client verifies (the certificate is its CA, host name
checked where the driver does so): a session on the TLS bind is TLS with
borealis's key. Where the driver tells, the script also prints the cipher.
(The server's `Ssl_cipher` is empty: borealis terminates TLS.)

Needs the Debian packages php-cli, php-mysql, libdbd-mariadb-perl,
nodejs, npm, libmariadb-java, default-jre-headless, python3-mysqldb, and
the npm package mysql2, installed once into `.cache/e2e-node` of the
source tree (ignored by git; `BOREALIS_E2E_NODE_CACHE` overrides) and
reused afterwards without the network. borealis only.
"""

import fcntl
import hashlib
import json
import os
import random
import subprocess
import unittest

import harness
from test_mysql_mode import MysqlModeBase

SOURCE_DIR = os.environ.get("BOREALIS_SOURCE_DIR") or os.path.normpath(
    os.path.join(harness.HERE, "..", ".."))
NODE_CACHE = os.environ.get("BOREALIS_E2E_NODE_CACHE") or os.path.join(
    SOURCE_DIR, ".cache", "e2e-node")
MYSQL2 = "mysql2@3"
CONNECTOR_J = "/usr/share/java/mariadb-java-client.jar"

# What every script's table holds after its statements (ids 1 and 2; the
# multi-statement added 1 to each amount), as strings.
ROWS = [["1", "alpha", "10.50", None],
        ["2", "b\u00e9ta \u2603", "-3.25", "x'y\"z\\"]]
ROWS_ON_SERVER = [("1", "alpha", "11.50", None),
                  ("2", "b\u00e9ta \u2603", "-2.25", "x'y\"z\\")]
MULTI = "2 affected=2 9.25"  # COUNT(*); UPDATE's affected rows; SUM(amount)
BLOB_SIZE = 17 * 2 ** 20 + 123


def normalized(rows):
    return [[None if v is None else str(v) for v in row] for row in rows]


def require(path, package):
    if not os.path.exists(path):
        raise AssertionError(f"{path} is missing: install the Debian package "
                             f"{package} (scripts/install-deps.sh)")


def require_run(argv, package):
    """`argv` (a check such as `perl -MDBD::MariaDB -e 1`) must succeed."""
    try:
        out = subprocess.run(argv, capture_output=True, timeout=60, check=False)
    except FileNotFoundError as missing:
        raise AssertionError(f"{missing}: install the Debian package "
                             f"{package} (scripts/install-deps.sh)") from None
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed: install the Debian "
                             f"package {package} (scripts/install-deps.sh):\n"
                             + out.stderr.decode(errors="replace")[-1000:])


def node_modules():
    """The node_modules directory holding mysql2: installed with npm into
    NODE_CACHE the first time (under a lock, for parallel test runs), then
    reused as it is."""
    require("/usr/bin/node", "nodejs")
    os.makedirs(NODE_CACHE, exist_ok=True)
    modules = os.path.join(NODE_CACHE, "node_modules")
    with open(os.path.join(NODE_CACHE, ".lock"), "w", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(modules, "mysql2", "package.json")):
            require("/usr/bin/npm", "npm")
            out = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund",
                 "--no-package-lock", "--prefix", NODE_CACHE, MYSQL2],
                capture_output=True, timeout=300, check=False)
            if out.returncode != 0:
                raise AssertionError(
                    f"npm install {MYSQL2} into {NODE_CACHE} failed:\n"
                    + out.stderr.decode(errors="replace")[-3000:])
    return modules


# --------------------------------------------------------------------------
# The scripts. Each reads DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME,
# DB_TABLE, DB_CA (the certificate to verify; empty: plain) and BLOB_FILE
# (empty: no blob) from its environment, prints `key: value` lines and
# `done` last, and exits non-zero on any error.

PHP_MYSQLI = r'''<?php
// PHP mysqli (mysqlnd): prepared statements, multi_query, a 17 MiB
// prepared parameter, COM_CHANGE_USER.
mysqli_report(MYSQLI_REPORT_ERROR | MYSQLI_REPORT_STRICT);
$e = getenv();
$t = $e["DB_TABLE"];
$m = mysqli_init();
$flags = 0;
if ($e["DB_CA"] !== "") {
    $m->ssl_set(null, null, $e["DB_CA"], null, null);
    $m->options(MYSQLI_OPT_SSL_VERIFY_SERVER_CERT, true);
    $flags = MYSQLI_CLIENT_SSL;
}
$m->real_connect($e["DB_HOST"], $e["DB_USER"], $e["DB_PASSWORD"], $e["DB_NAME"],
                 (int)$e["DB_PORT"], null, $flags);
$m->set_charset("utf8mb4");
echo "greeting_id: {$m->thread_id}\n";
echo "connection_id: ", $m->query("SELECT CONNECTION_ID()")->fetch_row()[0], "\n";
echo "database: ", $m->query("SELECT DATABASE()")->fetch_row()[0], "\n";
$m->query("CREATE TABLE $t (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, "
          . "amount DECIMAL(10,2), note TEXT, b LONGBLOB)");
$ins = $m->prepare("INSERT INTO $t (id, name, amount, note) VALUES (?, ?, ?, ?)");
foreach ([[1, "alpha", "10.50", null], [2, "b\u{e9}ta \u{2603}", "-3.25", "x'y\"z\\"]] as $row) {
    [$id, $name, $amount, $note] = $row;
    $ins->bind_param("isss", $id, $name, $amount, $note);
    $ins->execute();
}
$ins->close();
$sel = $m->prepare("SELECT id, name, amount, note FROM $t WHERE id >= ? ORDER BY id");
$min = 1;
$sel->bind_param("i", $min);
$sel->execute();
echo "rows: ", json_encode($sel->get_result()->fetch_all(), JSON_UNESCAPED_UNICODE), "\n";
$sel->close();
$m->multi_query("SELECT COUNT(*) FROM $t; UPDATE $t SET amount = amount + 1; "
                . "SELECT SUM(amount) FROM $t");
$sets = [];
do {
    if ($r = $m->store_result()) { $sets[] = $r->fetch_row()[0]; $r->free(); }
    else $sets[] = "affected=" . $m->affected_rows;
} while ($m->more_results() && $m->next_result());
echo "multi: ", implode(" ", $sets), "\n";
echo "stmt_executes: ", $m->query("SHOW SESSION STATUS LIKE 'Com_stmt_execute'")->fetch_row()[1], "\n";
if ($e["BLOB_FILE"] !== "") {
    $blob = file_get_contents($e["BLOB_FILE"]);
    $ins = $m->prepare("INSERT INTO $t (id, b) VALUES (3, ?)");
    $ins->bind_param("s", $blob);
    $ins->execute();
    $ins->close();
    $back = $m->query("SELECT b FROM $t WHERE id = 3")->fetch_row()[0];
    echo "blob: ", strlen($back), " ", hash("sha256", $back), "\n";
}
$m->query("SET @marker = 42");
$m->change_user($e["DB_USER"], $e["DB_PASSWORD"], $e["DB_NAME"]);
$r = $m->query("SELECT CURRENT_USER(), @marker IS NULL, COUNT(*) FROM $t")->fetch_row();
echo "after_change_user: ", implode(" ", $r), "\n";
$m->close();
echo "done\n";
'''

PHP_PDO = r'''<?php
// PHP PDO_mysql (mysqlnd) with server-side prepared statements.
$e = getenv();
$t = $e["DB_TABLE"];
$options = [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_EMULATE_PREPARES => false,
            PDO::MYSQL_ATTR_MULTI_STATEMENTS => true];
if ($e["DB_CA"] !== "") {
    $options[PDO::MYSQL_ATTR_SSL_CA] = $e["DB_CA"];
    $options[PDO::MYSQL_ATTR_SSL_VERIFY_SERVER_CERT] = true;
}
$pdo = new PDO("mysql:host={$e['DB_HOST']};port={$e['DB_PORT']};dbname={$e['DB_NAME']};charset=utf8mb4",
               $e["DB_USER"], $e["DB_PASSWORD"], $options);
echo "connection_id: ", $pdo->query("SELECT CONNECTION_ID()")->fetchColumn(), "\n";
$pdo->exec("CREATE TABLE $t (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, "
           . "amount DECIMAL(10,2), note TEXT, seen DATETIME(6), b VARBINARY(16))");
$ins = $pdo->prepare("INSERT INTO $t (id, name, amount, note, seen, b) VALUES (?, ?, ?, ?, ?, ?)");
$ins->execute([1, "alpha", "10.50", null, "2024-02-29 23:59:58.123456", "\x00\x11\xff"]);
$ins->execute([2, "b\u{e9}ta \u{2603}", "-3.25", "x'y\"z\\", null, null]);
$sel = $pdo->prepare("SELECT id, name, amount, note FROM $t WHERE id >= ? ORDER BY id");
$sel->execute([1]);
echo "rows: ", json_encode($sel->fetchAll(PDO::FETCH_NUM), JSON_UNESCAPED_UNICODE), "\n";
$sel = $pdo->prepare("SELECT seen, HEX(b) FROM $t WHERE id = ?");
$sel->execute([1]);
echo "binary_types: ", implode(" ", $sel->fetch(PDO::FETCH_NUM)), "\n";
// Several result sets need the text protocol (a server-side prepare takes
// one statement).
$pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, true);
$st = $pdo->query("SELECT COUNT(*) FROM $t; UPDATE $t SET amount = amount + 1; SELECT SUM(amount) FROM $t");
$sets = [];
do {
    if ($st->columnCount() > 0) $sets[] = $st->fetchColumn();
    else $sets[] = "affected=" . $st->rowCount();
} while ($st->nextRowset());
echo "multi: ", implode(" ", $sets), "\n";
$pdo->setAttribute(PDO::ATTR_EMULATE_PREPARES, false);
$st = $pdo->prepare("SELECT SUM(amount) + ? FROM $t WHERE id IN (1, 2)");
$wrong = 0;
for ($i = 0; $i < 50; $i++) {
    $st->execute([$i]);
    if ((float)$st->fetchColumn() != 9.25 + $i) $wrong++;
}
echo "reexecuted: 50 times, $wrong wrong\n";
$st = null;
echo "stmt_executes: ", $pdo->query("SHOW SESSION STATUS LIKE 'Com_stmt_execute'")->fetch(PDO::FETCH_NUM)[1], "\n";
$pdo = null;
echo "done\n";
'''

PERL_DBD = r'''# Perl DBI with server-side prepared statements, through DBD::MariaDB or
# DBD::mysql (DBD in the environment): the same attributes, each driver's
# prefix.
use strict;
use warnings;
use utf8;
use DBI;
use JSON::PP;
binmode STDOUT, ":encoding(UTF-8)";
my %e = %ENV;
my $t = $e{DB_TABLE};
my $driver = $e{DBD};
my $p = lc $driver;
my %attr = (RaiseError => 1, PrintError => 0, AutoCommit => 1,
            "${p}_server_prepare" => 1, "${p}_multi_statements" => 1);
# DBD::mysql passes bytes unless told to decode (DBD::MariaDB always does).
$attr{mysql_enable_utf8mb4} = 1 if $driver eq "mysql";
if ($e{DB_CA} ne "") {
    %attr = (%attr, "${p}_ssl" => 1, "${p}_ssl_ca_file" => $e{DB_CA},
             "${p}_ssl_verify_server_cert" => 1);
    # DBD::mysql 4.050 on libmariadb can neither enforce TLS nor verify
    # the certificate ("Enforcing SSL encryption is not supported", also
    # directly to mariadbd), nor report the cipher: TLS is optional for it
    # here, and the bind, which refuses plain clients, proves it was used.
    if ($driver eq "mysql") {
        delete $attr{mysql_ssl_verify_server_cert};
        $attr{mysql_ssl_optional} = 1;
    }
}
my $dbh = DBI->connect("DBI:$driver:host=$e{DB_HOST};port=$e{DB_PORT};database=$e{DB_NAME}",
                       $e{DB_USER}, $e{DB_PASSWORD}, \%attr);
print "greeting_id: $dbh->{\"${p}_thread_id\"}\n";
print "ssl_cipher: ", ($dbh->{"${p}_ssl_cipher"} // ""), "\n";
print "connection_id: ", $dbh->selectrow_array("SELECT CONNECTION_ID()"), "\n";
$dbh->do("CREATE TABLE $t (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, "
         . "amount DECIMAL(10,2), note TEXT)");
my $ins = $dbh->prepare("INSERT INTO $t (id, name, amount, note) VALUES (?, ?, ?, ?)");
$ins->execute(1, "alpha", "10.50", undef);
$ins->execute(2, "b\x{e9}ta \x{2603}", "-3.25", "x'y\"z\\");
my $sel = $dbh->prepare("SELECT id, name, amount, note FROM $t WHERE id >= ? ORDER BY id");
$sel->execute(1);
print "rows: ", JSON::PP->new->encode($sel->fetchall_arrayref), "\n";
# Several result sets: the text protocol (a server-side prepare takes one
# statement).
my $multi = $dbh->prepare("SELECT COUNT(*) FROM $t; UPDATE $t SET amount = amount + 1; "
                          . "SELECT SUM(amount) FROM $t", { "${p}_server_prepare" => 0 });
$multi->execute;
my @sets;
do {
    if ($multi->{NUM_OF_FIELDS}) { push @sets, ($multi->fetchrow_array)[0]; }
    else { push @sets, "affected=" . $multi->rows; }
} while ($multi->more_results);
print "multi: @sets\n";
print "ping: ", ($dbh->ping ? 1 : 0), "\n";
my (undef, $executes) = $dbh->selectrow_array("SHOW SESSION STATUS LIKE 'Com_stmt_execute'");
print "stmt_executes: $executes\n";
$dbh->disconnect;
print "done\n";
'''

NODE_MYSQL2 = r'''// Node.js mysql2: execute() (server-side prepared statements), a 17 MiB
// parameter, COM_RESET_CONNECTION, COM_CHANGE_USER, a pool of one
// connection reset on every release.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const mysql = require('mysql2/promise');
const e = process.env;
const t = e.DB_TABLE;

async function main() {
  const options = {
    host: e.DB_HOST, port: Number(e.DB_PORT), user: e.DB_USER,
    password: e.DB_PASSWORD, database: e.DB_NAME, multipleStatements: true,
    charset: 'utf8mb4', connectTimeout: 15000, decimalNumbers: false,
  };
  if (e.DB_CA) options.ssl = { ca: fs.readFileSync(e.DB_CA), rejectUnauthorized: true };
  const conn = await mysql.createConnection(options);
  console.log(`greeting_id: ${conn.connection.threadId}`);
  const stream = conn.connection.stream;
  console.log(`ssl_cipher: ${stream.encrypted ? stream.getProtocol() + ' ' + stream.getCipher().name : ''}`);
  const [[{ id }]] = await conn.query('SELECT CONNECTION_ID() AS id');
  console.log(`connection_id: ${id}`);
  await conn.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, ` +
                   'amount DECIMAL(10,2), note TEXT, b LONGBLOB)');
  const insert = `INSERT INTO ${t} (id, name, amount, note) VALUES (?, ?, ?, ?)`;
  await conn.execute(insert, [1, 'alpha', '10.50', null]);
  await conn.execute(insert, [2, 'b\u00e9ta \u2603', '-3.25', 'x\'y"z\\']);
  const [rows] = await conn.execute(
    `SELECT id, name, amount, note FROM ${t} WHERE id >= ? ORDER BY id`, [1]);
  console.log(`rows: ${JSON.stringify(rows.map((r) => [r.id, r.name, r.amount, r.note]))}`);
  const [sets] = await conn.query(`SELECT COUNT(*) AS n FROM ${t}; UPDATE ${t} SET amount = amount + 1; ` +
                                  `SELECT SUM(amount) AS s FROM ${t}`);
  console.log(`multi: ${sets[0][0].n} affected=${sets[1].affectedRows} ${sets[2][0].s}`);
  const [[status]] = await conn.query("SHOW SESSION STATUS LIKE 'Com_stmt_execute'");
  console.log(`stmt_executes: ${status.Value}`);
  if (e.BLOB_FILE) {
    const blob = fs.readFileSync(e.BLOB_FILE);
    await conn.execute(`INSERT INTO ${t} (id, b) VALUES (3, ?)`, [blob]);
    const [[{ b }]] = await conn.query(`SELECT b FROM ${t} WHERE id = 3`);
    console.log(`blob: ${b.length} ${crypto.createHash('sha256').update(b).digest('hex')}`);
  }
  // COM_RESET_CONNECTION: the same server session, its variables gone.
  await conn.query('SET @marker = 42');
  await conn.reset();
  const [[after]] = await conn.query('SELECT CONNECTION_ID() AS id, @marker AS marker');
  console.log(`after_reset: ${after.id} ${after.marker}`);
  // COM_CHANGE_USER (the server asks again, with its own scramble).
  await conn.query('SET @marker = 42');
  await conn.changeUser({ user: e.DB_USER, password: e.DB_PASSWORD, database: e.DB_NAME });
  const [[cu]] = await conn.query(`SELECT CURRENT_USER() AS u, @marker IS NULL AS fresh, COUNT(*) AS n FROM ${t}`);
  console.log(`after_change_user: ${cu.u} ${cu.fresh} ${cu.n}`);
  await conn.end();

  const pool = mysql.createPool({ ...options, connectionLimit: 1, resetOnRelease: true });
  const ids = new Set();
  let leaks = 0;
  for (let i = 0; i < 30; i++) {
    const c = await pool.getConnection();
    const [[r]] = await c.execute('SELECT CONNECTION_ID() AS id, @leak AS leak, ? AS i', [i]);
    if (r.leak !== null || Number(r.i) !== i) leaks++;
    ids.add(r.id);
    await c.query('SET @leak = 1');
    c.release();
  }
  await pool.end();
  console.log(`pool: ${ids.size} sessions, ${leaks} leaks`);
  console.log('done');
}

main().catch((err) => { console.error(err); process.exit(1); });
'''

JAVA_CONNECTOR_J = r'''// Java JDBC, MariaDB Connector/J 2.7: server-side prepared statements, a
// batch, a 17 MiB parameter; one connection kept and reset
// (COM_RESET_CONNECTION) between uses as a pool does, then the driver's
// own pool.
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.*;
import java.util.*;

public class Jdbc {
  static final Map<String, String> E = System.getenv();

  static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte b : bytes) s.append(String.format("%02x", b));
    return s.toString();
  }

  static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof Number) return v.toString();
    return "\"" + v.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String one(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  public static void main(String[] args) throws Exception {
    String t = E.get("DB_TABLE");
    String url = "jdbc:mariadb://" + E.get("DB_HOST") + ":" + E.get("DB_PORT") + "/" + E.get("DB_NAME")
        + "?useServerPrepStmts=true&allowMultiQueries=true&useResetConnection=true"
        + "&connectTimeout=15000&socketTimeout=60000";
    // serverSslCert: the certificate the server must present (host name
    // checked too).
    if (!E.get("DB_CA").isEmpty()) url += "&useSsl=true&serverSslCert=" + E.get("DB_CA");
    Properties p = new Properties();
    p.setProperty("user", E.get("DB_USER"));
    p.setProperty("password", E.get("DB_PASSWORD"));
    try (Connection c = DriverManager.getConnection(url, p)) {
      org.mariadb.jdbc.MariaDbConnection mc = c.unwrap(org.mariadb.jdbc.MariaDbConnection.class);
      Method getProtocol = org.mariadb.jdbc.MariaDbConnection.class.getDeclaredMethod("getProtocol");
      getProtocol.setAccessible(true);
      org.mariadb.jdbc.internal.protocol.Protocol protocol =
          (org.mariadb.jdbc.internal.protocol.Protocol) getProtocol.invoke(mc);
      System.out.println("greeting_id: " + protocol.getServerThreadId());
      System.out.println("connection_id: " + one(c, "SELECT CONNECTION_ID()"));
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE " + t + " (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, "
            + "amount DECIMAL(10,2), note TEXT, b LONGBLOB)");
      }
      try (PreparedStatement ins = c.prepareStatement(
          "INSERT INTO " + t + " (id, name, amount, note) VALUES (?, ?, ?, ?)")) {
        ins.setInt(1, 1); ins.setString(2, "alpha");
        ins.setBigDecimal(3, new BigDecimal("10.50")); ins.setNull(4, Types.VARCHAR);
        ins.executeUpdate();
        ins.setInt(1, 2); ins.setString(2, "b\u00e9ta \u2603");
        ins.setBigDecimal(3, new BigDecimal("-3.25")); ins.setString(4, "x'y\"z\\");
        ins.executeUpdate();
      }
      List<String> rows = new ArrayList<>();
      try (PreparedStatement sel = c.prepareStatement(
          "SELECT id, name, amount, note FROM " + t + " WHERE id >= ? ORDER BY id")) {
        sel.setInt(1, 1);
        try (ResultSet rs = sel.executeQuery()) {
          while (rs.next()) {
            rows.add("[" + json(rs.getInt(1)) + "," + json(rs.getString(2)) + ","
                + json(rs.getString(3)) + "," + json(rs.getString(4)) + "]");
          }
        }
      }
      System.out.println("rows: [" + String.join(",", rows) + "]");
      List<String> sets = new ArrayList<>();
      try (Statement st = c.createStatement()) {
        boolean isResult = st.execute("SELECT COUNT(*) FROM " + t + "; UPDATE " + t
            + " SET amount = amount + 1; SELECT SUM(amount) FROM " + t);
        while (true) {
          if (isResult) {
            try (ResultSet rs = st.getResultSet()) { rs.next(); sets.add(rs.getString(1)); }
          } else {
            int n = st.getUpdateCount();
            if (n == -1) break;
            sets.add("affected=" + n);
          }
          isResult = st.getMoreResults();
        }
      }
      System.out.println("multi: " + String.join(" ", sets));
      // A batch: the driver sends the executes without waiting for each answer.
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + t + " (id, name) VALUES (?, ?)")) {
        for (int i = 0; i < 1000; i++) {
          ins.setInt(1, 1000 + i);
          ins.setString(2, "row-" + i);
          ins.addBatch();
        }
        int[] counts = ins.executeBatch();
        System.out.println("batch: " + counts.length + " "
            + one(c, "SELECT COUNT(*) FROM " + t + " WHERE id >= 1000"));
      }
      System.out.println("stmt_executes: " + one(c, "SELECT VARIABLE_VALUE FROM "
          + "information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_STMT_EXECUTE'"));
      String blobFile = E.getOrDefault("BLOB_FILE", "");
      if (!blobFile.isEmpty()) {
        byte[] blob = Files.readAllBytes(Path.of(blobFile));
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + t + " (id, b) VALUES (3, ?)")) {
          ins.setBytes(1, blob);
          ins.executeUpdate();
        }
        try (PreparedStatement sel = c.prepareStatement("SELECT b FROM " + t + " WHERE id = ?")) {
          sel.setInt(1, 3);
          try (ResultSet rs = sel.executeQuery()) {
            rs.next();
            byte[] back = rs.getBytes(1);
            System.out.println("blob: " + back.length + " "
                + hex(MessageDigest.getInstance("SHA-256").digest(back)));
          }
        }
      }
      // Long-lived: the same connection reset between uses, a statement
      // prepared anew after each reset.
      Set<String> ids = new HashSet<>();
      int leaks = 0;
      for (int i = 0; i < 40; i++) {
        try (Statement st = c.createStatement()) { st.execute("SET @leak = " + i); }
        mc.reset();
        if (one(c, "SELECT @leak") != null) leaks++;
        ids.add(one(c, "SELECT CONNECTION_ID()"));
        try (PreparedStatement sum = c.prepareStatement("SELECT SUM(amount) + ? FROM " + t + " WHERE id <= 2")) {
          sum.setInt(1, i);
          try (ResultSet rs = sum.executeQuery()) {
            rs.next();
            if (rs.getBigDecimal(1).compareTo(new BigDecimal("9.25").add(BigDecimal.valueOf(i))) != 0) leaks++;
          }
        }
      }
      System.out.println("reused: " + ids.size() + " sessions, " + leaks + " leaks");
      // Statement.cancel(): the driver sends KILL QUERY <greeting id> on a
      // connection of its own; SLEEP() returns 1 when interrupted.
      try (Statement st = c.createStatement()) {
        Thread canceller = new Thread(() -> {
          try {
            Thread.sleep(1500);  // a window for the SLEEP to start, not a bound
            st.cancel();
          } catch (Exception e) {
            System.out.println("cancel_error: " + e);
          }
        });
        canceller.start();
        String outcome;
        try (ResultSet rs = st.executeQuery("SELECT SLEEP(60)")) {
          rs.next();
          outcome = "returned " + rs.getInt(1);
        } catch (SQLException e) {
          outcome = "error " + e.getErrorCode();
        }
        canceller.join();
        System.out.println("cancel: " + outcome);
      }
    }
    // The driver's pool, one connection: each close resets it.
    try (org.mariadb.jdbc.MariaDbPoolDataSource pool = new org.mariadb.jdbc.MariaDbPoolDataSource(
        url + "&maxPoolSize=1&minPoolSize=1&user=" + E.get("DB_USER") + "&password=" + E.get("DB_PASSWORD"))) {
      Set<String> ids = new HashSet<>();
      int leaks = 0;
      for (int i = 0; i < 30; i++) {
        try (Connection c = pool.getConnection()) {
          if (one(c, "SELECT @leak") != null) leaks++;
          ids.add(one(c, "SELECT CONNECTION_ID()"));
          try (Statement st = c.createStatement()) { st.execute("SET @leak = 1"); }
        }
      }
      System.out.println("pool: " + ids.size() + " sessions, " + leaks + " leaks");
    }
    System.out.println("done");
  }
}
'''


class MysqlClientsTest(MysqlModeBase):
    """One borealis frontend with a plain bind and a TLS bind (`ssl crt`),
    in front of one mariadbd (`--max-allowed-packet=64M`)."""

    def setUp(self):
        super().setUp()
        self.tls_port = harness.free_port()
        crt = self.make_crt()
        self.start(frontend_lines=[
            f"bind {harness.LOCAL}:{self.tls_port} ssl crt {crt}"])
        harness.wait_until(lambda: harness.tcp_listening(
            harness.LOCAL, self.tls_port), 20, 0.05, "TLS bind listening")
        self.db.execute("CREATE DATABASE clients")

    def make_crt(self):
        """A self-signed certificate for LOCAL's address (the clients'
        CA), and the PEM file for `crt` (certificate, then key)."""
        key, self.cert = self.tmp.join("key.pem"), self.tmp.join("cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                        "-subj", "/CN=borealis-test", "-addext",
                        f"subjectAltName=IP:{harness.LOCAL}", "-keyout", key,
                        "-out", self.cert], check=True, capture_output=True)
        pem = self.tmp.join("crt.pem")
        with open(pem, "w", encoding="ascii") as out:
            for part in (self.cert, key):
                with open(part, encoding="ascii") as f:
                    out.write(f.read())
        return pem

    def make_blob(self):
        """BLOB_SIZE random bytes with 0x11 (COM_CHANGE_USER) around
        offset 16 MiB - 1, where a prepared statement's execute packet
        (a few dozen bytes before the parameter) is split: the first byte
        of the continuation packet is 0x11."""
        blob = bytearray(random.Random(20240229).randbytes(BLOB_SIZE))
        split = 0xFFFFFF
        blob[split - 65536:split + 65536] = b"\x11" * 131072
        path = self.tmp.join("blob.bin")
        with open(path, "wb") as f:
            f.write(blob)
        return path, hashlib.sha256(blob).hexdigest()

    # helpers ---------------------------------------------------------------
    def env(self, table, tls, blob=None):
        return dict(os.environ, DB_HOST=harness.LOCAL,
                    DB_PORT=str(self.tls_port if tls else self.listen),
                    DB_USER=harness.APP_USER, DB_PASSWORD=harness.APP_PASSWORD,
                    DB_NAME="clients", DB_TABLE=table,
                    DB_CA=self.cert if tls else "", BLOB_FILE=blob or "")

    def run_script(self, argv, table, tls, blob=None, extra_env=None,
                   timeout=120):
        """Run one client script; assert it exits 0 and prints `done`;
        return its `key: value` lines as a dict."""
        env = self.env(table, tls, blob)
        env.update(extra_env or {})
        out = subprocess.run(argv, env=env, cwd=self.tmp.path,
                             stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=timeout, check=False)
        stdout = out.stdout.decode("utf-8", errors="replace")
        stderr = out.stderr.decode("utf-8", errors="replace")
        what = f"{' '.join(argv)} ({'TLS' if tls else 'plain'})"
        self.assertEqual(out.returncode, 0, f"{what} failed:\n{stdout}\n"
                         f"{stderr[-4000:]}\n--- borealis log ---\n"
                         f"{self.proxy.log()[-2000:]}")
        lines = stdout.splitlines()
        self.assertEqual(lines[-1:], ["done"], f"{what}:\n{stdout}\n{stderr}")
        return dict(line.split(": ", 1) for line in lines if ": " in line)

    def check_common(self, result, table, blob_sha=None, greeting=True,
                     min_executes=3):
        """What every script prints, and the rows as the server has them."""
        self.assertEqual(normalized(json.loads(result["rows"])), ROWS, result)
        self.assertEqual(result["multi"], MULTI, result)
        if greeting:
            # borealis's id (2^30 to 2^31 - 1: positive also where read as a
            # signed 32-bit number, as Connector/J 2.7 does), not the server's.
            self.assertTrue(2 ** 30 <= int(result["greeting_id"]) < 2 ** 31, result)
        self.assertLess(int(result["connection_id"]), 2 ** 30)
        if min_executes:
            self.assertGreaterEqual(int(result["stmt_executes"]), min_executes,
                                    "no server-side prepared statement ran")
        rows = self.db.query(f"SELECT id, name, amount, note FROM clients.{table} "
                             "WHERE id <= 2 ORDER BY id")
        self.assertEqual([tuple(r) for r in normalized(rows)], ROWS_ON_SERVER)
        if blob_sha:
            self.assertEqual(result["blob"], f"{BLOB_SIZE} {blob_sha}")
            self.assertEqual(self.db.query(
                f"SELECT LENGTH(b), SHA2(b, 256) FROM clients.{table} WHERE id = 3"),
                ((BLOB_SIZE, blob_sha),))

    def check_sessions_clean(self, at_least):
        """borealis logged at least `at_least` sessions of the frontend,
        each ended by its client (`--`): none cut by borealis or the
        server."""
        lines = harness.wait_until(
            lambda: (lambda ls: len(ls) >= at_least and ls)(
                harness.tcplog_lines(self.proxy.log(), "fe")),
            15, 0.05, f"{at_least} tcplog lines")
        self.assertEqual([l for l in lines if l["state"] != "--"], [])

    # tests -----------------------------------------------------------------
    def test_php_mysqli(self):
        """mysqlnd's mysqli, plain and TLS (certificate verified): prepared
        INSERT/SELECT (binary protocol both ways), multi_query (with its
        COM_SET_OPTION), a 17 MiB prepared parameter (an execute packet
        split at 16 MiB, 0x11 at the split) read back by SHA-256 on both
        sides, and COM_CHANGE_USER (mysqlnd answers the server's auth
        switch). Defects: a continuation packet taken for a command (the
        blob's hash, or the session), COM_CHANGE_USER passed with an
        answer to borealis's scramble (1045), TLS records mishandled past
        16 KiB (the blob over TLS)."""
        require_run(["php", "-r", "exit(extension_loaded('mysqli') ? 0 : 1);"],
                    "php-cli php-mysql")
        script = self.tmp.write("mysqli.php", PHP_MYSQLI)
        blob, sha = self.make_blob()
        for tls in (False, True):
            table = f"mysqli_{'tls' if tls else 'plain'}"
            result = self.run_script(["php", "-d", "memory_limit=-1", script],
                                     table, tls, blob)
            self.check_common(result, table, sha)
            self.assertEqual(result["database"], "clients")
            self.assertEqual(result["after_change_user"],
                             f"{harness.APP_USER}@% 1 3")
        self.check_sessions_clean(2)

    def test_php_pdo(self):
        """PDO_mysql with ATTR_EMULATE_PREPARES off (server-side prepares),
        plain and TLS (certificate verified): INSERT/SELECT with NULL,
        utf8mb4, DECIMAL, DATETIME(6) and binary bytes in the binary
        protocol, one statement executed 50 times, a multi-statement
        (text protocol). Defect: any byte of a prepared statement's
        packets changed or lost (wrong values, or the driver's
        'packets out of order')."""
        require_run(["php", "-r", "exit(extension_loaded('pdo_mysql') ? 0 : 1);"],
                    "php-cli php-mysql")
        script = self.tmp.write("pdo.php", PHP_PDO)
        for tls in (False, True):
            table = f"pdo_{'tls' if tls else 'plain'}"
            result = self.run_script(["php", script], table, tls)
            self.check_common(result, table, greeting=False, min_executes=50)
            self.assertEqual(result["binary_types"],
                             "2024-02-29 23:59:58.123456 0011FF")
            self.assertEqual(result["reexecuted"], "50 times, 0 wrong")
        self.check_sessions_clean(2)

    def run_perl(self, driver, package):
        require_run(["perl", f"-MDBD::{driver}", "-MJSON::PP", "-e", "1"], package)
        script = self.tmp.write("dbd.pl", PERL_DBD)
        for tls in (False, True):
            table = f"perl_{driver.lower()}_{'tls' if tls else 'plain'}"
            result = self.run_script(["perl", script], table, tls,
                                     extra_env={"DBD": driver})
            self.check_common(result, table)
            self.assertEqual(result["ping"], "1")
            if driver == "mysql":
                pass  # no cipher attribute; the TLS bind refuses plain clients
            elif tls:
                self.assertRegex(result["ssl_cipher"], r"^TLS_AES_|^ECDHE-")
            else:
                self.assertEqual(result["ssl_cipher"], "")
        self.check_sessions_clean(2)

    def test_perl_dbd_mariadb(self):
        """DBI with DBD::MariaDB (libmariadb), `mariadb_server_prepare=1`,
        plain and TLS (`mariadb_ssl_verify_server_cert`, the cipher from
        the driver): prepared INSERT/SELECT, a multi-statement, COM_PING.
        Defect: libmariadb's prepared-statement packets or the TLS
        upgrade broken (no connection, wrong rows, no cipher)."""
        self.run_perl("MariaDB", "libdbd-mariadb-perl")

    def test_perl_dbd_mysql(self):
        """The same through DBD::mysql (the older driver most Perl code
        still uses; Debian builds it on libmariadb's compatibility
        layer), `mysql_server_prepare=1`, plain and TLS (on the TLS bind,
        which refuses plain clients with 3159: DBD::mysql 4.050 on
        libmariadb cannot require TLS itself nor say which cipher)."""
        self.run_perl("mysql", "libdbd-mysql-perl")

    def test_node_mysql2(self):
        """mysql2 (protocol code in JavaScript), plain and TLS
        (`rejectUnauthorized`, the cipher from Node's TLS socket):
        execute() INSERT/SELECT, a multi-statement, a 17 MiB execute()
        parameter read back by SHA-256 on both sides, COM_RESET_CONNECTION
        (same server session, variables gone), COM_CHANGE_USER, then a
        pool of one connection reset on each of 30 releases. Defects: a
        continuation packet taken for a command, COM_RESET_CONNECTION or
        COM_CHANGE_USER mishandled (error, another session, a variable
        that survives)."""
        modules = node_modules()
        script = self.tmp.write("mysql2.js", NODE_MYSQL2)
        blob, sha = self.make_blob()
        for tls in (False, True):
            table = f"node_{'tls' if tls else 'plain'}"
            result = self.run_script(["node", script], table, tls, blob,
                                     extra_env={"NODE_PATH": modules})
            self.check_common(result, table, sha, min_executes=3)
            self.assertEqual(result["after_reset"],
                             f"{result['connection_id']} null")
            self.assertEqual(result["after_change_user"],
                             f"{harness.APP_USER}@% 1 3")
            self.assertEqual(result["pool"], "1 sessions, 0 leaks")
            if tls:
                self.assertRegex(result["ssl_cipher"], r"^TLSv1\.[23] \S+")
            else:
                self.assertEqual(result["ssl_cipher"], "")
        self.check_sessions_clean(4)

    def test_java_connector_j(self):
        """MariaDB Connector/J 2.7 (`useServerPrepStmts`,
        `allowMultiQueries`, `useResetConnection`), plain and TLS
        (`serverSslCert`: the certificate and host name verified), as a
        pool uses a connection: prepared INSERT/SELECT, a multi-statement,
        a batch of 1000 executes sent without waiting for each answer, a
        17 MiB prepared parameter read back by SHA-256 on both sides, then
        the same connection reset (COM_RESET_CONNECTION) and used again 40
        times, Statement.cancel() of a running query (KILL QUERY with the
        greeting id, which borealis translates), then the driver's pool of
        one connection for 30 uses.
        Defects: pipelined commands or a 16 MiB split mishandled (batch
        count, blob hash), a reset that drops the session (another
        CONNECTION_ID) or is not passed on (a variable that survives)."""
        require(CONNECTOR_J, "libmariadb-java")
        require("/usr/bin/java", "default-jre-headless")
        script = self.tmp.write("Jdbc.java", JAVA_CONNECTOR_J)
        blob, sha = self.make_blob()
        for tls in (False, True):
            table = f"java_{'tls' if tls else 'plain'}"
            result = self.run_script(
                ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                 "-cp", CONNECTOR_J, script], table, tls, blob)
            self.check_common(result, table, sha, min_executes=1000)
            self.assertEqual(result["batch"], "1000 1000")
            self.assertEqual(result["reused"], "1 sessions, 0 leaks")
            # The cancel reached the server's thread (1: SLEEP interrupted;
            # 1317: query interrupted), not "Unknown thread id".
            self.assertIn(result["cancel"], ("returned 1", "error 1317"), result)
            self.assertNotIn("cancel_error", result)
            self.assertEqual(result["pool"], "1 sessions, 0 leaks")
        self.check_sessions_clean(4)

    def test_python_mysqlclient(self):
        """mysqlclient (MySQLdb, libmariadb; no server-side prepares),
        plain and TLS (its CA is the certificate: verified): a database
        in the handshake, parameters escaped by the client, executemany, a
        multi-statement (CLIENT_MULTI_STATEMENTS), COM_PING and
        COM_INIT_DB. Defect: the handshake's database or capabilities
        lost, a command mangled."""
        import MySQLdb
        from MySQLdb.constants import CLIENT
        for tls in (False, True):
            table = f"mysqlclient_{'tls' if tls else 'plain'}"
            kwargs = {"ssl": {"ca": self.cert}} if tls else {}
            conn = MySQLdb.connect(
                host=harness.LOCAL, port=self.tls_port if tls else self.listen,
                user=harness.APP_USER, password=harness.APP_PASSWORD,
                database="clients", charset="utf8mb4", connect_timeout=15,
                client_flag=CLIENT.MULTI_STATEMENTS, **kwargs)
            try:
                self.assertTrue(2 ** 30 <= conn.thread_id() < 2 ** 31)
                cur = conn.cursor()
                cur.execute("SELECT DATABASE(), CONNECTION_ID()")
                database, thread = cur.fetchone()
                self.assertEqual(database, "clients")
                self.assertLess(thread, 2 ** 30)
                cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name "
                            "VARCHAR(64) CHARACTER SET utf8mb4, amount "
                            "DECIMAL(10,2), note TEXT)")
                cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s)",
                                [(int(r[0]), r[1], r[2], r[3]) for r in ROWS])
                conn.commit()
                cur.execute(f"SELECT * FROM {table} WHERE id >= %s ORDER BY id", (1,))
                self.assertEqual(normalized(cur.fetchall()), ROWS)
                cur.execute(f"SELECT COUNT(*) FROM {table}; UPDATE {table} SET "
                            f"amount = amount + 1; SELECT SUM(amount) FROM {table}")
                sets = [str(cur.fetchone()[0])]
                cur.nextset()
                sets.append(f"affected={cur.rowcount}")
                cur.nextset()
                sets.append(str(cur.fetchone()[0]))
                self.assertIsNone(cur.nextset())
                conn.commit()
                self.assertEqual(" ".join(sets), MULTI)
                conn.ping()
                conn.select_db("mysql")
                cur.execute("SELECT DATABASE()")
                self.assertEqual(cur.fetchone()[0], "mysql")
            finally:
                conn.close()
            rows = self.db.query(f"SELECT id, name, amount, note FROM clients.{table} "
                                 "ORDER BY id")
            self.assertEqual([tuple(r) for r in normalized(rows)], ROWS_ON_SERVER)
        self.check_sessions_clean(2)


if __name__ == "__main__":
    unittest.main()
