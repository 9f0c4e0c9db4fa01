#include "core/api/routes/dashboard_page.hpp"

namespace propbot::api {

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
 #auth { margin: .5rem 0; display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
 #auth input { font: inherit; padding: .2rem .4rem; width: 22rem; max-width: 100%; }
 #auth button { font: inherit; padding: .2rem .6rem; }
 #auth-banner { margin: .5rem 0; padding: .5rem .8rem; background: #fde8e7; border-left: 4px solid #b3261e; }
 #locked, #tamper { margin: .5rem 0; padding: .6rem .8rem; background: #b3261e; color: #fff; font-weight: 700; }
 code { background: #eceff3; padding: 0 .25rem; border-radius: .2rem; }
</style>
</head>
<body>
<h1>PropBot <span id="mode" class="badge DOWN">…</span> <span id="meta" class="muted"></span></h1>
<div id="auth">
 <label for="token">API token</label>
 <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="paste a viewer token once">
 <button id="token-use" type="button">Use token</button>
 <button id="token-forget" type="button">Forget</button>
 <span id="token-state" class="muted"></span>
</div>
<div id="auth-banner" hidden></div>
<div id="locked" hidden>TRADE LOCKED: POSTMORTEM REQUIRED</div>
<div id="tamper" hidden>TAMPER DETECTED: the signed state or the audit chain failed verification; the desk holds until the P0 procedure is done</div>
<div id="banner">Trading is held: the desk always starts in HOLD. Opportunities are shown but not executed.</div>
<h2>Opportunities</h2>
<table><thead><tr><th>symbol</th><th>long</th><th>short</th><th>spread bps</th><th>net bps</th><th>notional</th><th>status</th><th>last seen</th></tr></thead>
<tbody id="opps"><tr><td colspan="8" class="muted">none yet</td></tr></tbody></table>
<h2>Books</h2>
<table><thead><tr><th>instrument</th><th>bid</th><th>ask</th><th>spread bps</th><th>age ms</th><th>updates</th></tr></thead>
<tbody id="books"></tbody></table>
<h2>Strategies</h2>
<table><thead><tr><th>strategy</th><th>version</th><th>state</th><th>calls</th><th>faults</th><th>intents</th><th>params</th><th>last fault</th></tr></thead>
<tbody id="strategies"></tbody></table>
<h2>Active incidents</h2>
<table><thead><tr><th>id</th><th>time</th><th>severity</th><th>component</th><th>summary</th><th>action</th><th>ack</th><th>postmortem</th></tr></thead>
<tbody id="incidents"></tbody></table>
<script>
// The bearer token for /api/ui/* and /api/admin/* (SPEC S-6.1): pasted once, kept in
// sessionStorage for this tab only, sent only in the Authorization header of those
// calls, never put in a URL. There is no <form>, so nothing can submit it as a query.
const TOKEN_KEY = 'propbot.api_token';
function readToken() { try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; } }
function writeToken(value) {
  try { if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) {}
}
let token = readToken();
let tokenNote = '';  // why the last token was dropped, shown with the 401 banner
function showTokenState() {
  document.getElementById('token-state').textContent = token ? 'token set (this tab only)' : 'no token';
}
function useToken() {
  const input = document.getElementById('token');
  const pasted = input.value.trim().replace(/^bearer\s+/i, '');
  input.value = '';
  if (!/^[\x21-\x7e]+$/.test(pasted)) {
    document.getElementById('token-state').textContent = 'not a token: one word of visible ASCII, no spaces';
    return;
  }
  token = pasted; writeToken(token); tokenNote = ''; showTokenState(); refresh();
}
document.getElementById('token-use').addEventListener('click', useToken);
document.getElementById('token').addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); useToken(); } });
document.getElementById('token-forget').addEventListener('click', () => { token = ''; writeToken(''); tokenNote = ''; showTokenState(); refresh(); });
showTokenState();

function isProtected(url) { return url.startsWith('/api/ui/') || url.startsWith('/api/admin/'); }
async function api(url) {
  const headers = {};
  if (token && isProtected(url)) headers['Authorization'] = 'Bearer ' + token;
  const r = await fetch(url, {cache: 'no-store', headers: headers});
  let body = null;
  try { body = await r.json(); } catch (e) {}
  return {url: url, status: r.status, body: body, sentToken: !!headers['Authorization'],
          retryAfter: r.headers.get('Retry-After')};
}
function errorText(res) { return res.body && res.body.error ? res.body.error.message : 'HTTP ' + res.status; }
// One message for the first access failure of this refresh, or none.
function authMessage(res) {
  if (res.status === 401) {
    // A rejected token would count one failure per poll towards the source's lockout:
    // drop it and poll without one (a missing token is not counted) until a new paste.
    if (res.sentToken && token) {
      token = ''; writeToken(''); showTokenState();
      tokenNote = 'The token was rejected and has been forgotten. ';
    }
    return tokenNote + '401: paste a viewer token (see `propbot secrets show-dev --data-dir DIR` in paper)';
  }
  if (res.status === 403) return '403: this token may not read ' + res.url + ': ' + errorText(res);
  if (res.status === 429) {
    return '429: too many invalid tokens from this address; locked out' +
      (res.retryAfter ? ' for another ' + res.retryAfter + ' s' : '') + '. ' + errorText(res);
  }
  return null;
}
function showAuth(text) {
  const el = document.getElementById('auth-banner');
  el.textContent = text || '';
  el.hidden = !text;
}

function cell(v) { const td = document.createElement('td'); td.textContent = v; return td; }
function fill(id, rows, empty, cols) {
  const body = document.getElementById(id);
  body.replaceChildren();
  if (!rows.length) { const tr = document.createElement('tr'); const td = cell(empty); td.colSpan = cols; td.className = 'muted'; tr.append(td); body.append(tr); return; }
  for (const r of rows) { const tr = document.createElement('tr'); r.forEach(v => tr.append(cell(v))); body.append(tr); }
}
const f2 = x => Number(x).toFixed(2);
// "name=value [min..max]" per declared param (the declaration comes from the script).
const paramText = params => Object.entries(params || {}).map(([name, p]) =>
    name + '=' + p.value + ('min' in p || 'max' in p ? ' [' + (p.min ?? '') + '..' + (p.max ?? '') + ']' : '')).join(', ');
async function refresh() {
  try {
    const [health, opps, market, control, incidents] = await Promise.all(
        ['/api/health', '/api/opportunities', '/api/ui/market', '/api/ui/control-state', '/api/ui/incidents'].map(api));
    if (health.status !== 200 || !health.body) throw new Error('health ' + health.status);
    const h = health.body;
    const mode = document.getElementById('mode');
    mode.textContent = h.mode; mode.className = 'badge ' + h.mode;
    document.getElementById('meta').textContent = h.profile + ' · v' + h.version + ' · ' + h.ts;
    document.getElementById('banner').style.display = h.mode === 'HOLD' ? '' : 'none';
    let auth = null;
    for (const res of [opps, market]) { if (!auth) auth = authMessage(res); }
    showAuth(auth);
    if (opps.status === 200 && opps.body) {
      fill('opps', opps.body.opportunities.map(o => [o.symbol, o.long_venue, o.short_venue, f2(o.spread_bps), f2(o.net_spread_bps), o.notional_suggestion, o.status, o.last_seen]), 'none right now', 8);
    } else {
      fill('opps', [], 'unavailable: ' + errorText(opps), 8);
    }
    if (market.status === 200 && market.body) {
      fill('books', market.body.books.map(b => [b.instrument_id + (b.valid ? '' : ' (invalid: ' + b.invalid_reason + ')'), b.bid, b.ask, f2(b.spread_bps), b.age_ms, b.updates]), 'no books', 6);
      fill('strategies', market.body.strategies.map(s => [s.strategy, s.version, s.state, s.calls, s.faults, s.intents, paramText(s.params), s.last_fault_where ? s.last_fault_where + ' ' + s.last_fault : '']), 'no strategies', 8);
      if (control.status === 200 && control.body) {
        document.getElementById('tamper').hidden = control.body.tamper_status === 'OK';
      }
      if (incidents.status === 200 && incidents.body) {
        document.getElementById('locked').hidden = !incidents.body.trade_locked;
        fill('incidents', incidents.body.active.map(i => [i.id, i.ts_utc, i.severity, i.component, i.summary, i.action_taken,
             i.operator_ack ? i.operator_ack.operator_id : '', i.postmortem_root_cause || '']), 'none', 8);
      } else {
        fill('incidents', [], 'unavailable: ' + errorText(incidents), 8);
      }
    } else {
      fill('books', [], 'unavailable: ' + errorText(market), 6);
      fill('strategies', [], 'unavailable: ' + errorText(market), 8);
    }
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

}  // namespace propbot::api
