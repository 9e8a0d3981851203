// The dashboard's page: HTML, CSS and script in one document, nothing
// fetched from elsewhere (it works on a network with no way out). The
// script polls the JSON every refresh period and redraws: the proxies'
// table, and for each database its figures and an SVG plot of its last
// hour (the state as a coloured band, the capacity as a step line).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

#include "admin/dashboard.hpp"

namespace borealis::admin {
namespace {

constexpr std::string_view kPage = R"page(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>borealis</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #1d2733; background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 .2em; }
h2 { font-size: 16px; margin: 1.4em 0 .4em; }
#meta { color: #5b6876; }
table { border-collapse: collapse; background: #fff; }
th, td { padding: .25em .7em; border-bottom: 1px solid #e1e6eb; text-align: right; }
th:first-child, td:first-child, td.name { text-align: left; }
th { background: #eef2f5; font-weight: 600; }
tr.frontend td, tr.backend td { font-weight: 600; }
.status-UP, .status-OPEN, .state-running { color: #1a7f37; }
.status-DOWN, .state-failed { color: #cf222e; }
.status-MAINT, .status-DRAIN, .state-paused_deep, .state-paused_warm { color: #8250df; }
.database { background: #fff; border: 1px solid #e1e6eb; padding: .8em 1em; margin: .8em 0; }
.database h3 { margin: 0 0 .4em; font-size: 15px; }
.figures span { margin-right: 1.4em; }
svg { display: block; margin-top: .5em; }
.legend span { display: inline-block; margin-right: 1em; font-size: 12px; }
.legend i { display: inline-block; width: .9em; height: .9em; margin-right: .3em; vertical-align: -1px; }
</style>
</head>
<body>
<h1>borealis</h1>
<div id="meta">connecting…</div>
<h2>Databases</h2>
<div id="databases"></div>
<div class="legend" id="legend"></div>
<h2>Frontends, backends and servers</h2>
<table id="proxies"><thead><tr>
<th>proxy</th><th>service</th><th>status</th><th>sessions</th><th>max</th><th>limit</th>
<th>total</th><th>rate/s</th><th>max rate</th><th>bytes in</th><th>bytes out</th>
<th>conn. errors</th><th>check</th><th>address</th>
</tr></thead><tbody></tbody></table>
<script>
"use strict";
const JSON_URL = __JSON_URL__;
const REFRESH_MS = __REFRESH_MS__;
const WINDOW = 3600;
const COLORS = {stopped: "#afb8c1", starting: "#54aeff", running: "#2da44e", pausing: "#bf8700",
                paused_deep: "#8250df", paused_warm: "#c297ff", resuming: "#0969da",
                failed: "#cf222e"};
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4))
                                      : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function legend() {
  const box = document.getElementById("legend");
  for (const [state, color] of Object.entries(COLORS)) {
    const item = el("span");
    item.append(el("i", {style: "background:" + color}), state.replace("_", " "));
    box.append(item);
  }
}

function plot(db, now) {
  const W = 720, H = 150, BAND = 16, TOP = 8, LEFT = 34;
  const svg = el("svg:svg", {id: "plot-" + db.name, width: W + LEFT + 10, height: H + 34,
                             "data-points": db.timeline.length});
  // The last hour, or less while borealis has run less (at least a minute).
  const first = db.timeline.length ? db.timeline[0][0] : now - WINDOW;
  const span = Math.max(60, now - Math.max(now - WINDOW, first));
  const x = t => LEFT + Math.max(0, Math.min(1, (t - (now - span)) / span)) * W;
  const ago = s => "-" + (s >= 120 ? Math.round(s / 60) + " min" : Math.round(s) + " s");
  const top = Math.max(db.max, 0.5);
  const y = c => TOP + (1 - c / top) * (H - BAND - TOP - 6);
  svg.append(el("svg:rect", {x: LEFT, y: TOP, width: W, height: H - TOP, fill: "#fbfcfd",
                             stroke: "#d0d7de"}));
  for (const c of [0, top / 2, top]) {
    svg.append(el("svg:line", {x1: LEFT, x2: LEFT + W, y1: y(c), y2: y(c), stroke: "#eaeef2"}));
    svg.append(el("svg:text", {x: LEFT - 4, y: y(c) + 4, "text-anchor": "end",
                               "font-size": 11, fill: "#57606a"}, String(c)));
  }
  const points = db.timeline;
  const band = el("svg:g", {class: "states"});
  let line = "";
  points.forEach((p, i) => {
    const [at, state, capacity] = p;
    const end = i + 1 < points.length ? points[i + 1][0] : now;
    const x0 = x(at), x1 = x(end);
    band.append(el("svg:rect", {class: "state", "data-state": state, x: x0, y: H - BAND,
                                width: Math.max(1, x1 - x0), height: BAND,
                                fill: COLORS[state] || "#000"}));
    line += (i ? " " : "") + x0 + "," + y(capacity) + " " + x1 + "," + y(capacity);
  });
  svg.append(band);
  svg.append(el("svg:polyline", {class: "capacity", points: line, fill: "none",
                                 stroke: "#0969da", "stroke-width": 2,
                                 "data-last-capacity": points.length ? points[points.length - 1][2] : 0}));
  svg.append(el("svg:text", {x: LEFT, y: H + 16, "font-size": 11, fill: "#57606a"}, ago(span)));
  svg.append(el("svg:text", {x: LEFT + W / 2, y: H + 16, "font-size": 11, fill: "#57606a",
                             "text-anchor": "middle"}, ago(span / 2)));
  svg.append(el("svg:text", {x: LEFT + W, y: H + 16, "font-size": 11, fill: "#57606a",
                             "text-anchor": "end"}, "now"));
  svg.append(el("svg:text", {x: 2, y: TOP + 2, "font-size": 11, fill: "#57606a",
                             transform: "rotate(90 2," + (TOP + 2) + ")"}, "ACU"));
  return svg;
}

function databases(data) {
  const box = document.getElementById("databases");
  box.replaceChildren();
  if (!data.databases.length) box.append(el("p", {}, "No database section."));
  for (const db of data.databases) {
    const card = el("div", {class: "database", "data-database": db.name});
    card.append(el("h3", {}, db.name));
    const figures = el("div", {class: "figures"});
    const state = el("span", {class: "state state-" + db.state_key, "data-state": db.state_key},
                     db.state);
    figures.append(state,
      el("span", {class: "capacity"}, "capacity " + db.capacity + " ACU (" + db.min + "–" + db.max + ")"),
      el("span", {}, "sessions " + db.sessions + " (active " + db.active + ", held " + db.held + ")"),
      el("span", {}, db.acu_seconds.toFixed(1) + " ACU-s"),
      el("span", {}, db.resumes + " resumes"));
    card.append(figures, plot(db, data.now));
    box.append(card);
  }
}

function proxies(data) {
  const body = document.querySelector("#proxies tbody");
  body.replaceChildren();
  const kinds = {"0": "frontend", "1": "backend", "2": "server"};
  for (const r of data.stats) {
    const row = el("tr", {class: kinds[r.type], "data-proxy": r.pxname, "data-service": r.svname});
    const status = (r.status || "").split(" ")[0];
    for (const [value, cls] of [[r.pxname, "name"], [r.svname, "name"],
                                [r.status, "status status-" + status], [r.scur], [r.smax],
                                [r.slim], [r.stot], [r.rate], [r.rate_max], [r.bin], [r.bout],
                                [r.econ], [r.check_status], [r.addr]])
      row.append(el("td", cls ? {class: cls} : {}, value === undefined ? "" : value));
    body.append(row);
  }
}

async function refresh() {
  try {
    const response = await fetch(JSON_URL, {cache: "no-store"});
    const data = await response.json();
    document.getElementById("meta").textContent = "borealis " + data.version + " · up " +
      data.uptime + " s · " + data.current_connections + " connections · updated " +
      new Date(data.now * 1000).toLocaleTimeString();
    databases(data);
    proxies(data);
  } catch (error) {
    document.getElementById("meta").textContent = "not reachable: " + error;
  }
  setTimeout(refresh, REFRESH_MS);
}

legend();
refresh();
</script>
</body>
</html>
)page";

void replace(std::string& text, std::string_view placeholder, const std::string& value) {
  if (auto at = text.find(placeholder); at != std::string::npos)
    text.replace(at, placeholder.size(), value);
}

}  // namespace

std::string dashboard_page(const std::string& json_target, long long refresh_ms) {
  std::string page(kPage);
  // A JSON string is a script string; "</" is cut so that no value can end
  // the script element.
  std::string target =
      nlohmann::json(json_target).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (std::size_t at = 0; (at = target.find("</", at)) != std::string::npos; at += 3)
    target.replace(at, 2, "<\\/");
  replace(page, "__JSON_URL__", target);
  replace(page, "__REFRESH_MS__", std::to_string(refresh_ms));
  return page;
}

}  // namespace borealis::admin
