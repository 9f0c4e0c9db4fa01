#include "core/app/dashboard_page.hpp"

namespace propbot::app {

std::string_view dashboard_page_html() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>PropBot dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
 h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
 h2 { font-size: 1rem; margin: 1.5rem 0 .4rem; }
 .badge { display: inline-block; padding: .15rem .6rem; border-radius: .3rem; font-weight: 700; color: #fff; }
 .HOLD { background: #c77c02; } .RESUME { background: #1f8a3b; } .KILL { background: #b3261e; } .DOWN { background: #555; }
 table { border-collapse: collapse; width: 100%; background: #fff; }
 th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e3e6ea; font-variant-numeric: tabular-nums; }
 th { background: #eceff3; font-weight: 600; }
 .muted { color: #6b7280; }
 #banner { margin: .5rem 0; padding: .5rem .8rem; background: #fff4e0; border-left: 4px solid #c77c02; }
</style>
</head>
<body>
<h1>PropBot <span id="mode" class="badge DOWN">…</span> <span id="meta" class="muted"></span></h1>
<div id="banner">Trading is held: the desk always starts in HOLD. Opportunities are shown but not executed.</div>
<h2>Opportunities</h2>
<table><thead><tr><th>symbol</th><th>long</th><th>short</th><th>spread bps</th><th>net bps</th><th>notional</th><th>status</th><th>last seen</th></tr></thead>
<tbody id="opps"><tr><td colspan="8" class="muted">none yet</td></tr></tbody></table>
<h2>Books</h2>
<table><thead><tr><th>instrument</th><th>bid</th><th>ask</th><th>spread bps</th><th>age ms</th><th>updates</th></tr></thead>
<tbody id="books"></tbody></table>
<h2>Strategies</h2>
<table><thead><tr><th>strategy</th><th>state</th><th>calls</th><th>faults</th><th>intents</th><th>last fault</th></tr></thead>
<tbody id="strategies"></tbody></table>
<script>
function cell(v) { const td = document.createElement('td'); td.textContent = v; return td; }
function fill(id, rows, empty, cols) {
  const body = document.getElementById(id);
  body.replaceChildren();
  if (!rows.length) { const tr = document.createElement('tr'); const td = cell(empty); td.colSpan = cols; td.className = 'muted'; tr.append(td); body.append(tr); return; }
  for (const r of rows) { const tr = document.createElement('tr'); r.forEach(v => tr.append(cell(v))); body.append(tr); }
}
const f2 = x => Number(x).toFixed(2);
async function refresh() {
  try {
    const [health, opps, market] = await Promise.all(['/api/health', '/api/opportunities', '/api/ui/market']
      .map(u => fetch(u, {cache: 'no-store'}).then(r => r.json())));
    const mode = document.getElementById('mode');
    mode.textContent = health.mode; mode.className = 'badge ' + health.mode;
    document.getElementById('meta').textContent = health.profile + ' · v' + health.version + ' · ' + health.ts;
    document.getElementById('banner').style.display = health.mode === 'HOLD' ? '' : 'none';
    fill('opps', opps.opportunities.map(o => [o.symbol, o.long_venue, o.short_venue, f2(o.spread_bps), f2(o.net_spread_bps), o.notional_suggestion, o.status, o.last_seen]), 'none right now', 8);
    fill('books', market.books.map(b => [b.instrument_id, b.bid, b.ask, f2(b.spread_bps), b.age_ms, b.updates]), 'no books', 6);
    fill('strategies', market.strategies.map(s => [s.strategy, s.state, s.calls, s.faults, s.intents, s.last_fault_where ? s.last_fault_where + ' ' + s.last_fault : '']), 'no strategies', 6);
  } catch (e) {
    const mode = document.getElementById('mode'); mode.textContent = 'DOWN'; mode.className = 'badge DOWN';
  }
}
refresh(); setInterval(refresh, 1000);
</script>
</body>
</html>
)HTML";
  return kPage;
}

}  // namespace propbot::app
