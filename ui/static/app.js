// Lanner dashboard front end: plain JS, no framework, no network beyond this server.
// Every URL is relative, so the whole UI works under any --base-path.
'use strict';

const PRIOS = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];
const PALETTE = ['#1f6feb', '#e65100', '#2e7d32', '#ad1457', '#6a1b9a', '#00838f', '#f9a825', '#5d4037', '#607d8b', '#c62828'];
const state = { session: null, cursors: [], next: null, live: null, rows: [], filters: {} };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function prioColor(p) {
  return getComputedStyle(document.documentElement).getPropertyValue('--p' + PRIOS.indexOf(p)).trim() || '#888';
}

async function api(path, opts = {}) {
  const o = { credentials: 'same-origin', headers: {}, ...opts };
  if (o.method === 'POST') {
    o.headers['Content-Type'] = 'application/json';
    if (state.session && state.session.csrf) o.headers['X-CSRF-Token'] = state.session.csrf;
  }
  const r = await fetch(path, o);
  if (r.status === 401 && path !== 'api/login') { showLogin(); throw new Error('login required'); }
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}

// ---- session ----
function showLogin() {
  $('login').hidden = false; $('main').hidden = true; $('logout').hidden = true; $('who').textContent = '';
  stopLive();
}
async function loadSession() {
  try {
    state.session = await api('api/session');
  } catch (e) { return false; }
  $('login').hidden = true; $('main').hidden = false;
  $('who').textContent = state.session.auth ? `${state.session.user} (${state.session.role})` : 'auth off';
  $('logout').hidden = !state.session.auth;
  return true;
}
$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('login-error').textContent = '';
  try {
    state.session = await api('api/login', { method: 'POST',
      body: JSON.stringify({ user: $('login-user').value, password: $('login-password').value }) });
    $('login-password').value = '';
    await loadSession();
    route();
  } catch (e) { $('login-error').textContent = e.message; }
});
$('logout').addEventListener('click', async () => {
  try { await api('api/logout', { method: 'POST', body: '{}' }); } catch (e) { /* already out */ }
  state.session = null; showLogin();
});

// ---- theme ----
function applyTheme(t) { document.documentElement.dataset.theme = t; localStorage.setItem('lanner-theme', t); }
applyTheme(localStorage.getItem('lanner-theme') ||
  (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
$('theme').addEventListener('click', () => {
  applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'); route();
});

// ---- range ----
$('range').value = localStorage.getItem('lanner-range') || '24h';
$('range').addEventListener('change', () => { localStorage.setItem('lanner-range', $('range').value); route(); });
const RANGE_MS = { '15m': 9e5, '1h': 36e5, '6h': 216e5, '24h': 864e5, '7d': 6048e5 };
function rangeSince() { return Date.now() - RANGE_MS[$('range').value]; }

// ---- routing ----
function parseHash() {
  const h = location.hash.slice(1) || '/dashboard';
  const [p, q] = h.split('?');
  return { page: p.replace(/^\//, ''), params: new URLSearchParams(q || '') };
}
async function route() {
  const { page, params } = parseHash();
  for (const p of ['dashboard', 'events', 'info']) {
    $('page-' + p).hidden = p !== page;
    $('nav-' + p).classList.toggle('active', p === page);
  }
  if (!state.session && !(await loadSession())) return showLogin();
  if (page !== 'events') stopLive();
  if (page === 'dashboard') return dashboard();
  if (page === 'events') return events(params);
  if (page === 'info') return info();
}
window.addEventListener('hashchange', route);

// ---- dashboard ----
function goFilter(key, value) {
  location.hash = '#/events?' + new URLSearchParams({ [key]: value }).toString();
}
function bars(target, by, counts) {
  const box = $(target); box.replaceChildren();
  const items = Object.entries(counts).sort((a, b) => by === 'priority'
    ? PRIOS.indexOf(a[0]) - PRIOS.indexOf(b[0]) : b[1] - a[1]).slice(0, 15);
  if (!items.length) { box.append(el('div', { class: 'label' }, 'no alerts')); return; }
  const max = Math.max(...items.map((x) => x[1]));
  for (const [name, n] of items) {
    const fill = el('div', { class: 'fill' });
    fill.style.width = (100 * n / max).toFixed(1) + '%';
    if (by === 'priority') fill.style.background = prioColor(name);
    box.append(el('div', { class: 'bar', 'data-by': by, 'data-value': name, title: `${name}: ${n}`,
      onclick: () => goFilter(by === 'tag' ? 'tag' : by, name) },
      el('span', { class: 'name' }, name), el('span', { class: 'n' }, n),
      el('div', { class: 'track' }, fill)));
  }
}
function timeline(target, by, ts) {
  const box = $(target); box.replaceChildren();
  const W = 600, H = 160, P = 24;
  const keys = Object.keys(ts.series).sort((a, b) =>
    by === 'priority' ? PRIOS.indexOf(a) - PRIOS.indexOf(b) : a.localeCompare(b));
  const n = ts.buckets;
  let max = 1;
  for (const k of keys) for (const v of ts.series[k]) max = Math.max(max, v);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H + P}`, preserveAspectRatio: 'none', role: 'img' });
  const axis = getComputedStyle(document.documentElement).getPropertyValue('--border');
  s.append(svg('line', { x1: P, y1: H, x2: W, y2: H, stroke: axis }));
  const tx = svg('text', { x: 2, y: 12, 'font-size': 11, fill: 'currentColor' }); tx.textContent = max; s.append(tx);
  const t0 = new Date(ts.start), t1 = new Date(ts.start + ts.step_ms * n);
  const fmt = (d) => d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const l0 = svg('text', { x: P, y: H + 16, 'font-size': 11, fill: 'currentColor' }); l0.textContent = fmt(t0); s.append(l0);
  const l1 = svg('text', { x: W, y: H + 16, 'font-size': 11, fill: 'currentColor', 'text-anchor': 'end' }); l1.textContent = fmt(t1); s.append(l1);
  const legend = el('div', { class: 'legend' });
  keys.forEach((k, i) => {
    const color = by === 'priority' ? prioColor(k) : PALETTE[i % PALETTE.length];
    const pts = ts.series[k].map((v, j) =>
      `${(P + (W - P) * (n > 1 ? j / (n - 1) : 0.5)).toFixed(1)},${(H - (H - 8) * v / max).toFixed(1)}`).join(' ');
    const line = svg('polyline', { points: pts, fill: 'none', stroke: color, 'stroke-width': 2, 'data-key': k });
    line.addEventListener('click', () => goFilter(by, k));
    s.append(line);
    const sw = el('i', { class: 'swatch' }); sw.style.background = color;
    legend.append(el('span', { 'data-by': by, 'data-value': k, onclick: () => goFilter(by, k) }, sw, k));
  });
  box.append(s, legend);
}
async function dashboard() {
  const since = rangeSince(), q = `since=${since}`;
  try {
    const [p, src, rule, tag, host, tp, ts] = await Promise.all([
      api(`api/counts?by=priority&${q}`), api(`api/counts?by=source&${q}`), api(`api/counts?by=rule&${q}`),
      api(`api/counts?by=tag&${q}`), api(`api/counts?by=hostname&${q}`),
      api(`api/timeseries?by=priority&${q}&buckets=60`), api(`api/timeseries?by=source&${q}&buckets=60`)]);
    $('total').textContent = p.total;
    bars('by-priority', 'priority', p.counts); bars('by-source', 'source', src.counts);
    bars('by-rule', 'rule', rule.counts); bars('by-tag', 'tag', tag.counts); bars('by-hostname', 'hostname', host.counts);
    timeline('tl-priority', 'priority', tp); timeline('tl-source', 'source', ts);
  } catch (e) { $('total').textContent = e.message; }
}

// ---- events ----
const FILTER_KEYS = ['priority', 'rule', 'source', 'hostname', 'tag', 'text'];
function filterQuery(f) {
  const q = new URLSearchParams();
  if (f.priority) q.set('priority', f.priority.startsWith('>=') ? f.priority : f.priority);
  for (const k of ['rule', 'source', 'hostname', 'tag', 'text']) if (f[k]) q.set(k, f[k]);
  q.set('since', String(rangeSince()));
  return q;
}
function readFilterForm() {
  const f = {};
  const p = $('f-priority').value;
  if (p) f.priority = '>=' + p;
  for (const k of ['rule', 'source', 'hostname', 'tag', 'text']) { const v = $('f-' + k).value.trim(); if (v) f[k] = v; }
  return f;
}
function fillFilterForm(f) {
  $('f-priority').value = f.priority ? f.priority.replace('>=', '') : '';
  for (const k of ['rule', 'source', 'hostname', 'tag', 'text']) $('f-' + k).value = f[k] || '';
}
$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = readFilterForm();
  location.hash = '#/events?' + new URLSearchParams(f).toString();
});
$('f-clear').addEventListener('click', () => { location.hash = '#/events'; });
$('page-size').addEventListener('change', () => { state.cursors = []; loadPage(null); });
$('next').addEventListener('click', () => { if (state.next) { state.cursors.push(state.cur); loadPage(state.next); } });
$('prev').addEventListener('click', () => { if (state.cursors.length) loadPage(state.cursors.pop()); });
$('detail-close').addEventListener('click', () => { $('detail').hidden = true; });
$('live').addEventListener('change', () => ($('live').checked ? startLive() : stopLive()));

function fmtTime(a) {
  const t = a.time || '';
  const d = new Date(t);
  return isNaN(d) ? t : d.toLocaleString([], { hour12: false }) + t.replace(/^.*?(\.\d{3}).*$/, '$1');
}
function row(item, fresh) {
  const a = item.alert || {};
  const tags = el('td', { class: 'tags' }, ...(a.tags || []).map((t) => el('span', { class: 'tag' }, t)));
  const tr = el('tr', { 'data-id': item.id || '', class: fresh ? 'new' : '' },
    el('td', { class: 'time' }, fmtTime(a)),
    el('td', { class: 'prio prio-' + a.priority }, a.priority),
    el('td', {}, a.rule), el('td', {}, a.hostname), el('td', {}, a.source),
    el('td', { class: 'output' }, a.output), tags);
  tr.addEventListener('click', () => detail(item));
  return tr;
}
function detail(item) {
  const a = item.alert || {};
  $('detail-title').textContent = a.rule || '';
  const t = $('detail-fields'); t.replaceChildren();
  const kv = [['time', a.time], ['priority', a.priority], ['rule', a.rule], ['hostname', a.hostname],
    ['source', a.source], ['tags', (a.tags || []).join(', ')], ['output', a.output], ['stream id', item.id]];
  for (const [k, v] of Object.entries(a.output_fields || {})) kv.push([k, v === null ? '<NA>' : String(v)]);
  for (const [k, v] of kv) t.append(el('tr', {}, el('td', {}, k), el('td', {}, v == null ? '' : v)));
  $('detail-raw').textContent = JSON.stringify(a, null, 2);
  $('detail').hidden = false;
  $('detail').scrollIntoView({ block: 'nearest' });
}
function exportLinks() {
  const q = filterQuery(state.filters);
  $('export-json').href = 'api/export?format=json&' + q;
  $('export-csv').href = 'api/export?format=csv&' + q;
}
async function loadPage(cursor) {
  const q = filterQuery(state.filters);
  q.set('limit', $('page-size').value);
  if (cursor) q.set('cursor', cursor);
  state.cur = cursor;
  $('status').textContent = 'loading…';
  try {
    const r = await api('api/alerts?' + q);
    const body = $('events').tBodies[0];
    body.replaceChildren(...r.alerts.map((it) => row(it)));
    state.next = r.next;
    $('next').disabled = !r.next;
    $('prev').disabled = !state.cursors.length;
    $('status').textContent = `${r.returned} shown · ${r.scanned} scanned${r.complete ? '' : ' (more: Older ›)'} · ${r.stream_length} stored`;
  } catch (e) { $('status').textContent = e.message; }
}
function events(params) {
  const f = {};
  for (const k of FILTER_KEYS) if (params.get(k)) f[k] = params.get(k);
  state.filters = f; state.cursors = []; fillFilterForm(f); exportLinks();
  $('detail').hidden = true;
  loadPage(null);
}
function matches(a, f) {
  if (f.priority) {
    const atLeast = f.priority.startsWith('>='), p = f.priority.replace('>=', '');
    const want = PRIOS.findIndex((x) => x.toLowerCase() === p.toLowerCase()), got = PRIOS.indexOf(a.priority);
    if (atLeast ? got > want : got !== want) return false;
  }
  if (f.rule && a.rule !== f.rule) return false;
  if (f.source && !f.source.split(',').includes(a.source)) return false;
  if (f.hostname && !f.hostname.split(',').includes(a.hostname)) return false;
  if (f.tag && !f.tag.split(',').every((t) => (a.tags || []).includes(t.trim()))) return false;
  if (f.text && !JSON.stringify(a).toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}
function startLive() {
  stopLive();
  const es = new EventSource('api/live');
  es.onmessage = (ev) => {
    let a; try { a = JSON.parse(ev.data); } catch (e) { return; }
    if (!matches(a, state.filters) || state.cursors.length) return;
    const body = $('events').tBodies[0];
    body.prepend(row({ id: '', alert: a }, true));
    while (body.rows.length > Number($('page-size').value)) body.deleteRow(-1);
  };
  es.onerror = () => { $('status').textContent = 'live: reconnecting…'; };
  es.onopen = () => { $('status').textContent = 'live'; };
  state.live = es; $('live').checked = true;
}
function stopLive() { if (state.live) { state.live.close(); state.live = null; } $('live').checked = false; }

// ---- info ----
function kvPanel(title, obj) {
  const t = el('table', { class: 'kv' });
  const add = (prefix, o) => {
    for (const [k, v] of Object.entries(o || {})) {
      if (v && typeof v === 'object' && !Array.isArray(v)) add(prefix + k + '.', v);
      else t.append(el('tr', {}, el('td', {}, prefix + k), el('td', {}, v === null ? '—' : String(v))));
    }
  };
  add('', obj);
  return el('div', { class: 'panel' }, el('h2', {}, title), t);
}
function human(n) {
  if (n == null || n < 0) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + u[i];
}
// admins: list users, add one or change a password/role (POST api/users, CSRF header)
async function usersPanel() {
  const list = el('table', { class: 'kv', id: 'users' });
  const fill = (users) => list.replaceChildren(...users.map((u) =>
    el('tr', {}, el('td', {}, u.name), el('td', {}, u.role))));
  fill(await api('api/users'));
  const name = el('input', { id: 'u-name', placeholder: 'name', autocomplete: 'off' });
  const role = el('select', { id: 'u-role' }, el('option', {}, 'readonly'), el('option', {}, 'admin'));
  const pw = el('input', { id: 'u-password', type: 'password', placeholder: 'password', autocomplete: 'new-password' });
  const msg = el('p', { class: 'error', id: 'u-msg' });
  const form = el('form', { class: 'filters', id: 'u-form' }, name, role, pw,
    el('button', { type: 'submit', id: 'u-submit' }, 'Add / change'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault(); msg.textContent = '';
    try {
      fill(await api('api/users', { method: 'POST',
        body: JSON.stringify({ name: name.value, role: role.value, password: pw.value }) }));
      pw.value = ''; msg.textContent = `saved ${name.value}`;
    } catch (e) { msg.textContent = e.message; }
  });
  return el('div', { class: 'panel' }, el('h2', {}, 'Users (admin)'), list, form, msg);
}

// a stream ID is "<ms since the epoch>-<seq>": when Redis stored the alert
function idTime(id) { return id ? new Date(Number(id.split('-')[0])).toLocaleString() : '—'; }
async function info() {
  const box = $('info'); box.replaceChildren();
  try {
    const i = await api('api/info');
    const kept = {
      'alerts stored': i.stream.length, 'stream memory': human(i.stream.memory_bytes),
      'stream limit (MAXLEN ~)': i.retention.stream_maxlen || 'none',
      'counters kept for': (i.retention.counter_ttl_s / 86400).toFixed(1) + ' days',
      'oldest alert stored': idTime(i.stream.oldest_id), 'newest alert stored': idTime(i.stream.newest_id),
      'Redis memory': human(i.redis.used_memory), 'Redis maxmemory': i.redis.maxmemory ? human(i.redis.maxmemory) : 'unlimited',
    };
    box.append(kvPanel('Lanner UI', { version: i.version, uptime_s: i.uptime_s, users: i.users.count }),
      kvPanel('Retention', kept), kvPanel('Ingest', i.ingest), kvPanel('Redis', i.redis),
      kvPanel('Configuration', i.config));
    if (state.session && state.session.auth && state.session.role === 'admin') box.append(await usersPanel());
  } catch (e) { box.append(el('p', { class: 'error' }, e.message)); }
}

route();
