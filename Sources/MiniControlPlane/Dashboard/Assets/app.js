// The swiftkube dashboard: one page that reads and changes the cluster
// through the API server, with the logged-in user's token on every request
// (websockets carry it as kube-apiserver's bearer subprotocol), so RBAC
// decides what each person sees and may do. Lists come from a list and then a
// watch (Table rows, as kubectl get prints them), never from polling.
'use strict';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';
const ROW_HEIGHT = 28;
const MAX_LOG_LINES = 5000;

/// The resources the dashboard lists, by section.
const RESOURCES = [
  { key: 'deployments', title: 'Deployments', kind: 'Deployment', group: 'apps', section: 'Workloads', scale: true, restart: true },
  { key: 'replicasets', title: 'ReplicaSets', kind: 'ReplicaSet', group: 'apps', section: 'Workloads', scale: true },
  { key: 'statefulsets', title: 'StatefulSets', kind: 'StatefulSet', group: 'apps', section: 'Workloads', scale: true, restart: true },
  { key: 'daemonsets', title: 'DaemonSets', kind: 'DaemonSet', group: 'apps', section: 'Workloads', restart: true },
  { key: 'jobs', title: 'Jobs', kind: 'Job', group: 'batch', section: 'Workloads' },
  { key: 'cronjobs', title: 'CronJobs', kind: 'CronJob', group: 'batch', section: 'Workloads' },
  { key: 'pods', title: 'Pods', kind: 'Pod', group: '', section: 'Workloads' },
  { key: 'services', title: 'Services', kind: 'Service', group: '', section: 'Network' },
  { key: 'ingresses', title: 'Ingresses', kind: 'Ingress', group: 'networking.k8s.io', section: 'Network' },
  { key: 'endpointslices', title: 'EndpointSlices', kind: 'EndpointSlice', group: 'discovery.k8s.io', section: 'Network' },
  { key: 'networkpolicies', title: 'NetworkPolicies', kind: 'NetworkPolicy', group: 'networking.k8s.io', section: 'Network' },
  { key: 'configmaps', title: 'ConfigMaps', kind: 'ConfigMap', group: '', section: 'Config' },
  { key: 'secrets', title: 'Secrets', kind: 'Secret', group: '', section: 'Config' },
  { key: 'persistentvolumeclaims', title: 'PersistentVolumeClaims', kind: 'PersistentVolumeClaim', group: '', section: 'Storage' },
  { key: 'persistentvolumes', title: 'PersistentVolumes', kind: 'PersistentVolume', group: '', section: 'Storage', cluster: true },
  { key: 'storageclasses', title: 'StorageClasses', kind: 'StorageClass', group: 'storage.k8s.io', section: 'Storage', cluster: true },
  { key: 'nodes', title: 'Nodes', kind: 'Node', group: '', section: 'Cluster', cluster: true },
  { key: 'namespaces', title: 'Namespaces', kind: 'Namespace', group: '', section: 'Cluster', cluster: true },
  { key: 'events', title: 'Events', kind: 'Event', group: '', section: 'Cluster' },
];
const byKey = Object.fromEntries(RESOURCES.map(r => [r.key, r]));

const state = {
  token: sessionStorage.getItem('swiftkube.token') || '',
  user: sessionStorage.getItem('swiftkube.user') || '',
  namespace: sessionStorage.getItem('swiftkube.namespace') || '',
  view: null, // the AbortController of the view on screen
  prometheus: null, // whether /dashboard/prometheus answers this user
};

// ---- small helpers ----

const $ = id => document.getElementById(id);

/// An element with attributes and children (strings become text, never HTML).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function toast(text, isError) {
  const el = h('div', { class: isError ? 'error' : '' }, text);
  $('toast').append(el);
  setTimeout(() => el.remove(), isError ? 12000 : 4000);
}

function age(ts) {
  if (!ts) return '';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return s + 's';
  if (s < 7200) return Math.floor(s / 60) + 'm';
  if (s < 172800) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

function base64url(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/// A resource's path: its collection in a namespace (or across all), or one object.
function resourcePath(r, namespace, name, sub) {
  const version = r.version || 'v1';
  let p = r.group ? `/apis/${r.group}/${version}` : '/api/v1';
  if (!r.cluster && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += '/' + r.key;
  if (name) p += '/' + encodeURIComponent(name);
  if (sub) p += '/' + sub;
  return p;
}

// ---- the API, as the logged-in user ----

class APIError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, opts = {}) {
  const headers = { Authorization: 'Bearer ' + state.token, Accept: opts.accept || 'application/json' };
  if (opts.contentType) headers['Content-Type'] = opts.contentType;
  const res = await fetch(path, {
    method: opts.method || 'GET', headers, signal: opts.signal,
    body: opts.body === undefined ? undefined : (typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)),
  });
  if (res.status === 401) {
    logout('The server refused the token (it is invalid or has expired): log in again.');
    throw new APIError(401, { message: 'Unauthorized' });
  }
  if (opts.raw) return res;
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = { message: text.trim() }; }
  if (!res.ok) throw new APIError(res.status, body);
  return body;
}

/// Reads a streaming response line by line (watch events, followed logs).
async function readLines(res, onLine) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered) onLine(buffered);
}

/// Lists a collection page by page, then watches it from the list's
/// resourceVersion for as long as `signal` lives: `onReset(items)` after each
/// (re)list, `onEvent(type, object)` for each change. A watch that ends is
/// resumed; one whose version has expired (410 Gone) lists again.
async function listWatch(path, { accept, signal, onReset, onEvent, params = '' }) {
  const sep = path.includes('?') ? '&' : '?';
  while (!signal.aborted) {
    let items = [], cont = '', rv = '', table = null;
    try {
      do {
        const page = await api(`${path}${sep}limit=500${params}${cont ? '&continue=' + encodeURIComponent(cont) : ''}`, { accept, signal });
        if (page.kind === 'Table') {
          table = table || page;
          items = items.concat(page.rows || []);
        } else {
          items = items.concat(page.items || []);
        }
        cont = (page.metadata || {}).continue || '';
        rv = (page.metadata || {}).resourceVersion || rv;
      } while (cont);
    } catch (e) {
      if (signal.aborted) return;
      onReset(null, null, e);
      return;
    }
    onReset(items, table);
    let expired = false;
    let backoff = 1000;
    while (!signal.aborted && !expired) {
      try {
        const res = await api(`${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${rv}${params}`, { accept, signal, raw: true });
        if (!res.ok) {
          // 410 Gone: the version expired, list again. Anything else (may list
          // but not watch, a server error): the list stays, the watch is retried later.
          res.body?.cancel();
          if (res.status === 410) { expired = true; break; }
          await new Promise(r => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 30000);
          continue;
        }
        backoff = 1000;
        await readLines(res, line => {
          if (!line.trim()) return;
          const ev = JSON.parse(line);
          if (ev.type === 'BOOKMARK') { rv = ev.object.metadata.resourceVersion; return; }
          if (ev.type === 'ERROR') { expired = true; return; }
          const o = ev.object;
          if (o.kind === 'Table') {
            rv = o.metadata.resourceVersion || rv;
            for (const row of o.rows || []) onEvent(ev.type, row, o);
          } else {
            rv = o.metadata.resourceVersion || rv;
            onEvent(ev.type, o);
          }
        });
      } catch (e) {
        if (signal.aborted) return;
        await new Promise(r => setTimeout(r, 1000));
      }
    }
  }
}

// ---- login ----

function tokenFromInput(text) {
  const t = text.trim();
  if (!t.includes('\n') && !t.includes(' ')) return t;
  // A kubeconfig: its (first) user's token.
  const m = t.match(/^\s*token:\s*["']?([^"'\s]+)["']?\s*$/m);
  return m ? m[1] : '';
}

async function login(ev) {
  ev.preventDefault();
  const token = tokenFromInput($('login-token').value);
  $('login-error').textContent = '';
  if (!token) {
    $('login-error').textContent = 'No token found: paste a bearer token, or a kubeconfig whose user has a "token:" entry (a client certificate cannot be used from a browser).';
    return;
  }
  try {
    const res = await fetch('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) throw new Error('The server refused this token: it is invalid or has expired.');
    if (!res.ok) throw new Error(body.message || `HTTP ${res.status}`);
    state.token = token;
    state.user = ((body.status || {}).userInfo || {}).username || 'unknown';
    sessionStorage.setItem('swiftkube.token', token);
    sessionStorage.setItem('swiftkube.user', state.user);
    $('login-token').value = '';
    start();
  } catch (e) {
    $('login-error').textContent = e.message;
  }
}

function logout(message) {
  if (state.view) state.view.abort();
  if (namespacesWatch) namespacesWatch.abort();
  state.prometheus = null;
  state.token = '';
  state.user = '';
  sessionStorage.removeItem('swiftkube.token');
  sessionStorage.removeItem('swiftkube.user');
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
}

// ---- the frame: navigation and the namespace filter ----

function buildNav() {
  const nav = $('nav');
  nav.replaceChildren();
  nav.append(h('h3', {}, 'Observe'), h('a', { href: '#/overview' }, 'Overview'), h('a', { href: '#/logs' }, 'Logs'),
    h('a', { href: '#/alerts' }, 'Alerts'));
  let section = '';
  for (const r of RESOURCES) {
    if (r.section !== section) {
      section = r.section;
      nav.append(h('h3', {}, section));
    }
    nav.append(h('a', { href: `#/list/${r.key}` }, r.title));
  }
}

let namespacesWatch = null;
function watchNamespaces() {
  if (namespacesWatch) namespacesWatch.abort();
  namespacesWatch = new AbortController();
  const names = new Set();
  const select = $('namespace');
  const render = () => {
    const current = state.namespace;
    const all = [...names];
    if (current && !names.has(current)) all.push(current);
    select.replaceChildren(h('option', { value: '' }, 'All namespaces'),
      ...all.sort().map(n => h('option', { value: n, selected: n === current }, n)));
  };
  listWatch('/api/v1/namespaces', {
    signal: namespacesWatch.signal,
    onReset: (items, _t, err) => {
      names.clear();
      if (err) { // May not list namespaces: offer the one in use and the default.
        names.add('default');
      } else for (const ns of items) names.add(ns.metadata.name);
      render();
    },
    onEvent: (type, ns) => { if (type === 'DELETED') names.delete(ns.metadata.name); else names.add(ns.metadata.name); render(); },
  });
}

function start() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('whoami').textContent = state.user;
  buildNav();
  watchNamespaces();
  route();
}

function route() {
  if (!state.token) return logout();
  if (state.view) state.view.abort();
  state.view = new AbortController();
  const signal = state.view.signal;
  const parts = (location.hash || '#/overview').slice(2).split('/').map(decodeURIComponent);
  for (const a of $('nav').querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === location.hash);
  const main = $('main');
  main.replaceChildren();
  const fail = e => main.append(h('p', { class: 'error' }, e.message));
  switch (parts[0]) {
    case 'list': return byKey[parts[1]] ? listView(main, byKey[parts[1]], signal).catch(fail) : fail(new Error('unknown resource'));
    case 'object': return byKey[parts[1]] ? objectView(main, byKey[parts[1]], parts[2], parts[3], parts[4], signal).catch(fail) : fail(new Error('unknown resource'));
    case 'logs': return logsView(main, signal).catch(fail);
    case 'alerts': return alertsView(main, signal).catch(fail);
    default: return overview(main, signal).catch(fail);
  }
}

// ---- lists: Table rows from a list and a watch, drawn in a window ----

/// A table of many rows that draws only those in view.
class VirtualTable {
  constructor(columns, onOpen) {
    this.columns = columns;
    this.rows = [];
    this.onOpen = onOpen;
    const template = columns.map(c => c.width || 'minmax(90px, 1fr)').join(' ');
    this.head = h('div', { class: 'head', style: `grid-template-columns: ${template}; height: ${ROW_HEIGHT}px` },
      columns.map(c => h('div', { class: 'cell' }, c.name)));
    this.spacer = h('div', {});
    this.scroller = h('div', { class: 'scroller' }, this.spacer);
    this.template = template;
    this.el = h('div', { class: 'grid' }, this.head, this.scroller);
    this.scroller.addEventListener('scroll', () => this.draw());
    this.pending = false;
  }
  set(rows) {
    this.rows = rows;
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.draw(); });
    }
  }
  draw() {
    this.spacer.style.height = this.rows.length * ROW_HEIGHT + 'px';
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(this.rows.length, first + Math.ceil((this.scroller.clientHeight || 600) / ROW_HEIGHT) + 10);
    const drawn = [];
    for (let i = first; i < last; i++) {
      const row = this.rows[i];
      drawn.push(h('div', {
        class: 'row', style: `top: ${i * ROW_HEIGHT}px; grid-template-columns: ${this.template}`,
        'data-name': row.name, onclick: () => this.onOpen(row),
      }, row.cells.map((c, j) => h('div', { class: 'cell ' + (this.columns[j].class ? this.columns[j].class(c) : ''), title: String(c) }, c))));
    }
    this.spacer.replaceChildren(...drawn);
  }
}

function cellText(v) {
  if (v === null || v === undefined) return '<none>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

async function listView(main, r, signal) {
  const namespaced = !r.cluster;
  const path = resourcePath(r, namespaced ? state.namespace : '');
  const filter = h('input', { type: 'search', placeholder: 'filter by name', id: 'filter' });
  const count = h('span', { class: 'count' });
  const error = h('p', { class: 'error' });
  main.append(h('h2', {}, r.title,
    namespaced ? h('small', {}, state.namespace ? `  in ${state.namespace}` : '  in all namespaces') : ''),
  h('div', { class: 'toolbar' }, filter, count), error);
  const rows = new Map();
  let table = null;
  let columns = null;
  const redraw = () => {
    const needle = filter.value.trim().toLowerCase();
    const shown = [...rows.values()].filter(x => !needle || x.name.toLowerCase().includes(needle))
      .sort((a, b) => (a.namespace + '/' + a.name).localeCompare(b.namespace + '/' + b.name));
    count.textContent = `${shown.length} of ${rows.size}`;
    table.set(shown);
  };
  filter.addEventListener('input', redraw);
  const toRow = row => {
    const meta = (row.object || {}).metadata || {};
    const cells = row.cells.filter((_, i) => columns[i].priority === 0).map(cellText);
    if (namespaced && !state.namespace) cells.unshift(meta.namespace || '');
    return { uid: meta.uid || meta.namespace + '/' + meta.name, name: meta.name || String(row.cells[0]), namespace: meta.namespace || '', cells };
  };
  const setup = t => {
    columns = t.columnDefinitions;
    const shownColumns = columns.filter(c => c.priority === 0).map(c => ({
      name: c.name,
      width: c.name === 'Name' ? 'minmax(180px, 2fr)' : undefined,
      class: c.name === 'Status' ? v => 'phase-' + v : undefined,
    }));
    if (namespaced && !state.namespace) shownColumns.unshift({ name: 'Namespace', width: 'minmax(120px, 1fr)' });
    table = new VirtualTable(shownColumns, row => { location.hash = `#/object/${r.key}/${row.namespace || '-'}/${row.name}`; });
    main.append(table.el);
  };
  await listWatch(path, {
    accept: TABLE, signal,
    onReset: (items, t, err) => {
      if (err) { error.textContent = err.message; return; }
      if (!table) setup(t);
      rows.clear();
      for (const row of items) { const x = toRow(row); rows.set(x.uid, x); }
      redraw();
    },
    onEvent: (type, row) => {
      const x = toRow(row);
      if (type === 'DELETED') rows.delete(x.uid); else rows.set(x.uid, x);
      redraw();
    },
  });
}

// ---- the overview ----

async function overview(main, signal) {
  const nodes = new Map(), pods = new Map(), warnings = new Map();
  const usage = {};
  const cards = h('div', { class: 'cards' });
  const nodeTable = h('table', { class: 'plain', id: 'nodes' });
  const warningTable = h('table', { class: 'plain', id: 'warnings' });
  const alerts = h('div', {});
  main.append(h('h2', {}, 'Overview'), cards, h('h3', {}, 'Nodes'), nodeTable, alerts, h('h3', {}, 'Recent warnings'), warningTable);
  const render = () => {
    const phases = {};
    for (const p of pods.values()) phases[p.status?.phase || 'Pending'] = (phases[p.status?.phase || 'Pending'] || 0) + 1;
    const ready = [...nodes.values()].filter(n => (n.status?.conditions || []).some(c => c.type === 'Ready' && c.status === 'True')).length;
    cards.replaceChildren(
      h('div', { class: 'card' }, h('h4', {}, 'Nodes ready'), h('div', { class: 'big' }, `${ready} / ${nodes.size}`)),
      h('div', { class: 'card', id: 'pod-phases' }, h('h4', {}, 'Pods' + (state.namespace ? ' in ' + state.namespace : '')),
        h('div', { class: 'big' }, String(pods.size)),
        Object.entries(phases).sort().map(([p, n]) => h('div', { class: 'phase-' + p }, `${p}: ${n}`))),
      h('div', { class: 'card' }, h('h4', {}, 'Warnings'), h('div', { class: 'big' }, String(warnings.size))));
    nodeTable.replaceChildren(h('tr', {}, ['Name', 'Status', 'Roles', 'CPU', 'Memory', 'Pods', 'Version'].map(x => h('th', {}, x))),
      ...[...nodes.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map(n => {
        const readyCond = (n.status?.conditions || []).find(c => c.type === 'Ready');
        const status = (readyCond?.status === 'True' ? 'Ready' : 'NotReady') + (n.spec?.unschedulable ? ',SchedulingDisabled' : '');
        const roles = Object.keys(n.metadata.labels || {}).filter(l => l.startsWith('node-role.kubernetes.io/')).map(l => l.split('/')[1]).join(',') || '<none>';
        const u = usage[n.metadata.name] || {};
        const alloc = n.status?.allocatable || {};
        const onNode = [...pods.values()].filter(p => p.spec?.nodeName === n.metadata.name).length;
        return h('tr', {},
          h('td', {}, h('a', { href: `#/object/nodes/-/${n.metadata.name}` }, n.metadata.name)),
          h('td', { class: readyCond?.status === 'True' ? 'ok' : 'bad' }, status), h('td', {}, roles),
          h('td', {}, meter(cpuMillis(u.cpu), cpuMillis(alloc.cpu), v => v + 'm')),
          h('td', {}, meter(bytes(u.memory), bytes(alloc.memory), v => Math.round(v / 1048576) + 'Mi')),
          h('td', {}, `${onNode} / ${alloc.pods || '?'}`), h('td', {}, n.status?.nodeInfo?.kubeletVersion || ''));
      }));
    const recent = [...warnings.values()].sort((a, b) => eventTime(b).localeCompare(eventTime(a))).slice(0, 20);
    warningTable.replaceChildren(h('tr', {}, ['Last seen', 'Object', 'Reason', 'Message'].map(x => h('th', {}, x))),
      ...recent.map(e => h('tr', {}, h('td', {}, age(eventTime(e))),
        h('td', {}, `${e.involvedObject?.kind}/${e.involvedObject?.name}`), h('td', { class: 'warn' }, e.reason || ''), h('td', {}, e.message || ''))));
  };
  let scheduled = false;
  const soon = () => { if (!scheduled) { scheduled = true; requestAnimationFrame(() => { scheduled = false; render(); }); } };
  const keep = (map) => ({
    signal,
    onReset: (items, _t, err) => { map.clear(); if (err) { main.append(h('p', { class: 'error' }, err.message)); return; } for (const o of items) map.set(o.metadata.uid, o); soon(); },
    onEvent: (type, o) => { if (type === 'DELETED') map.delete(o.metadata.uid); else map.set(o.metadata.uid, o); soon(); },
  });
  const ns = state.namespace ? `/namespaces/${encodeURIComponent(state.namespace)}` : '';
  listWatch('/api/v1/nodes', keep(nodes));
  listWatch(`/api/v1${ns}/pods`, keep(pods));
  listWatch(`/api/v1${ns}/events?fieldSelector=type%3DWarning`, keep(warnings));
  // Usage from the metrics API, refreshed as the kubelets' summaries are.
  const refreshUsage = async () => {
    try {
      const list = await api('/apis/metrics.k8s.io/v1beta1/nodes', { signal });
      for (const m of list.items || []) usage[m.metadata.name] = m.usage;
      soon();
    } catch (e) { /* no metrics API, or not allowed: no usage bars */ }
  };
  refreshUsage();
  const timer = setInterval(refreshUsage, 15000);
  signal.addEventListener('abort', () => clearInterval(timer));
  firingAlerts(alerts, signal);
}

function eventTime(e) { return e.lastTimestamp || e.eventTime || e.metadata?.creationTimestamp || ''; }

function cpuMillis(q) {
  if (!q) return 0;
  if (q.endsWith('n')) return parseFloat(q) / 1e6;
  if (q.endsWith('u')) return parseFloat(q) / 1e3;
  if (q.endsWith('m')) return parseFloat(q);
  return parseFloat(q) * 1000;
}

function bytes(q) {
  if (!q) return 0;
  const units = { Ki: 1024, Mi: 1048576, Gi: 1073741824, Ti: 1099511627776, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  const m = String(q).match(/^([0-9.]+)([A-Za-z]*)$/);
  return m ? parseFloat(m[1]) * (units[m[2]] || 1) : 0;
}

function meter(used, total, fmt) {
  if (!total) return fmt(Math.round(used));
  const pct = Math.min(100, Math.round(100 * used / total));
  return h('span', {}, h('span', { class: 'barbox' }, h('span', { class: 'bar', style: `width: ${pct}%` })), `${fmt(Math.round(used))} (${pct}%)`);
}

// ---- one object: summary, YAML with server-side apply, events, pod tools ----

async function objectView(main, r, namespace, name, tab, signal) {
  namespace = namespace === '-' ? '' : namespace;
  const path = resourcePath(r, namespace, name);
  let obj = await api(path, { signal });
  const title = h('h2', {}, `${r.kind} ${namespace ? namespace + '/' : ''}${name}`);
  const actions = h('div', { class: 'toolbar', id: 'actions' });
  const tabs = h('div', { class: 'tabs' });
  const body = h('div', { id: 'tab-body' });
  main.append(title, actions, tabs, body);
  const tabNames = ['Summary', 'YAML', 'Events'];
  if (r.kind === 'Pod') tabNames.push('Logs', 'Terminal', 'Metrics');
  let current = tab && tabNames.includes(tab) ? tab : 'Summary';
  let tabSignal = null;
  const show = t => {
    current = t;
    if (tabSignal) tabSignal.abort();
    tabSignal = new AbortController();
    signal.addEventListener('abort', () => tabSignal.abort());
    for (const b of tabs.children) b.classList.toggle('active', b.textContent === t);
    body.replaceChildren();
    const s = tabSignal.signal;
    const fail = e => body.append(h('p', { class: 'error' }, e.message));
    switch (t) {
      case 'YAML': return yamlTab(body, r, path, () => obj, s).catch(fail);
      case 'Events': return eventsTab(body, obj, s).catch(fail);
      case 'Logs': return logsTab(body, obj, s).catch(fail);
      case 'Terminal': return terminalTab(body, obj, s);
      case 'Metrics': return metricsTab(body, obj, s).catch(fail);
      default: return summaryTab(body, r, obj);
    }
  };
  tabs.append(...tabNames.map(t => h('button', { type: 'button', onclick: () => show(t) }, t)));
  buildActions(actions, r, () => obj, path);
  show(current);
  // Live: the object's own watch redraws the summary.
  const fieldPath = resourcePath(r, namespace) + `?fieldSelector=${encodeURIComponent('metadata.name=' + name)}`;
  listWatch(fieldPath, {
    signal,
    onReset: () => {},
    onEvent: (type, o) => {
      if (type === 'DELETED') { title.textContent += ' (deleted)'; return; }
      obj = o;
      if (current === 'Summary') { body.replaceChildren(); summaryTab(body, r, obj); }
    },
  });
}

function kv(map) {
  return h('span', { class: 'labels' }, Object.entries(map || {}).map(([k, v]) => h('span', {}, `${k}=${v}`)));
}

function summaryTab(body, r, o) {
  const m = o.metadata || {};
  const rows = [['Name', m.name], ['Namespace', m.namespace], ['Created', `${m.creationTimestamp} (${age(m.creationTimestamp)} ago)`],
    ['Labels', kv(m.labels)], ['Owner', (m.ownerReferences || []).map(x => `${x.kind}/${x.name}`).join(', ')]];
  if (o.spec?.replicas !== undefined) rows.push(['Replicas', `${o.status?.readyReplicas || 0} ready / ${o.spec.replicas} desired`]);
  if (o.spec?.nodeName) rows.push(['Node', h('a', { href: `#/object/nodes/-/${o.spec.nodeName}` }, o.spec.nodeName)]);
  if (o.status?.phase) rows.push(['Phase', h('span', { class: 'phase-' + o.status.phase }, o.status.phase)]);
  if (o.status?.podIP) rows.push(['Pod IP', o.status.podIP]);
  body.append(h('table', { class: 'plain' }, rows.filter(x => x[1]).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))));
  const conditions = o.status?.conditions || [];
  if (conditions.length) {
    body.append(h('h3', {}, 'Conditions'), h('table', { class: 'plain' },
      h('tr', {}, ['Type', 'Status', 'Reason', 'Message', 'Last transition'].map(x => h('th', {}, x))),
      conditions.map(c => h('tr', {}, h('td', {}, c.type), h('td', { class: 'status-' + c.status }, c.status), h('td', {}, c.reason || ''),
        h('td', {}, c.message || ''), h('td', {}, age(c.lastTransitionTime))))));
  }
  if (r.kind === 'Pod') body.append(h('h3', {}, 'Containers'), containersTable(o));
  if (r.kind === 'Secret' || r.kind === 'ConfigMap') body.append(h('h3', {}, 'Data'), dataTable(o, r.kind === 'Secret'));
}

function containersTable(pod) {
  const statuses = Object.fromEntries([...(pod.status?.initContainerStatuses || []), ...(pod.status?.containerStatuses || [])].map(s => [s.name, s]));
  const probe = p => !p ? '' : p.httpGet ? `http-get :${p.httpGet.port}${p.httpGet.path || '/'}` : p.tcpSocket ? `tcp :${p.tcpSocket.port}`
    : p.exec ? `exec ${(p.exec.command || []).join(' ')}` : p.grpc ? `grpc :${p.grpc.port}` : '?';
  return h('table', { class: 'plain', id: 'containers' },
    h('tr', {}, ['Name', 'Image', 'State', 'Ready', 'Restarts', 'Liveness', 'Readiness'].map(x => h('th', {}, x))),
    [...(pod.spec?.initContainers || []), ...(pod.spec?.containers || [])].map(c => {
      const s = statuses[c.name] || {};
      const st = s.state || {};
      const text = st.running ? `Running since ${age(st.running.startedAt)}` : st.waiting ? `Waiting: ${st.waiting.reason || ''}`
        : st.terminated ? `Terminated: ${st.terminated.reason || ''} (exit ${st.terminated.exitCode})` : 'Unknown';
      return h('tr', {}, h('td', {}, c.name), h('td', { class: 'mono' }, c.image), h('td', { class: st.running ? 'ok' : 'warn' }, text),
        h('td', {}, String(!!s.ready)), h('td', {}, String(s.restartCount || 0)), h('td', {}, probe(c.livenessProbe)), h('td', {}, probe(c.readinessProbe)));
    }));
}

/// A ConfigMap's or Secret's data; a Secret's values stay hidden until asked for, one by one.
function dataTable(o, secret) {
  return h('table', { class: 'plain', id: 'data' }, Object.entries(o.data || {}).map(([k, v]) => {
    if (!secret) return h('tr', {}, h('th', {}, k), h('td', {}, h('pre', { class: 'mono' }, v)));
    const cell = h('td', { class: 'secret-value' }, '••••••••');
    const button = h('button', { type: 'button', class: 'reveal' }, 'Show');
    button.addEventListener('click', () => {
      let text;
      try { text = new TextDecoder().decode(Uint8Array.from(atob(v), c => c.charCodeAt(0))); } catch (e) { text = v; }
      cell.textContent = text;
      button.remove();
    });
    return h('tr', {}, h('th', {}, k), cell, h('td', {}, button));
  }));
}

// ---- YAML: shown, edited, diffed and saved with server-side apply ----

function yamlScalar(v) {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  // Quoted when plain YAML (1.1 or 1.2) would read it as something else:
  // indicators, ': ' and ' #', booleans, null, numbers, times, .inf.
  if (s === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|:\s|\s#|:$|\s$|[\n\t\r]|^[-+.]?[0-9]|^(true|false|null|yes|no|y|n|on|off|~|[-+]?\.(inf|nan))$/i.test(s)) {
    return JSON.stringify(s);
  }
  return s;
}

/// YAML for a JSON value (block style; strings quoted where YAML would read them otherwise).
function toYAML(v, indent = '') {
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return v.map(x => {
      if (x && typeof x === 'object' && Object.keys(x).length) {
        const inner = toYAML(x, indent + '  ');
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      }
      return `${indent}- ${scalarOrEmpty(x)}`;
    }).join('\n');
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) return '{}';
    return keys.map(k => {
      const x = v[k];
      const key = yamlScalar(k);
      if (x && typeof x === 'object' && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
        return `${indent}${key}:\n${toYAML(x, Array.isArray(x) ? indent : indent + '  ')}`;
      }
      return `${indent}${key}: ${scalarOrEmpty(x)}`;
    }).join('\n');
  }
  return yamlScalar(v);
}

function scalarOrEmpty(x) {
  if (Array.isArray(x)) return '[]';
  if (x && typeof x === 'object') return '{}';
  return yamlScalar(x);
}

/// What the editor shows: the object without its managed fields and status
/// (server-side apply sets neither from a body).
function editable(o) {
  const copy = JSON.parse(JSON.stringify(o));
  if (copy.metadata) delete copy.metadata.managedFields;
  delete copy.status;
  return canonical(copy, true);
}

/// Keys in one order whatever order the server wrote them in (apiVersion,
/// kind, metadata, spec first; the rest sorted), so diffs show only changes.
function canonical(v, top) {
  if (Array.isArray(v)) return v.map(x => canonical(x, false));
  if (!v || typeof v !== 'object') return v;
  const first = top ? ['apiVersion', 'kind', 'metadata', 'spec'] : ['name'];
  const keys = Object.keys(v).sort((a, b) => {
    const i = first.indexOf(a), j = first.indexOf(b);
    if (i >= 0 || j >= 0) return (i < 0 ? 99 : i) - (j < 0 ? 99 : j);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return Object.fromEntries(keys.map(k => [k, canonical(v[k], false)]));
}

/// The changed lines of a diff with three lines of context around each
/// change; the unchanged runs between are folded into one line.
function hunks(diff) {
  const near = diff.map((_, i) => diff.slice(Math.max(0, i - 3), i + 4).some(d => d[0] !== ' '));
  const out = [];
  for (let i = 0; i < diff.length; i++) {
    if (near[i]) out.push(diff[i]);
    else if (i === 0 || near[i - 1]) out.push(['@', '…']);
  }
  return out;
}

/// A line diff (longest common subsequence), as `diff -u` would mark it.
function lineDiff(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  const n = x.length, m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push(['+', y[j]]); j++; }
    else { out.push(['-', x[i]]); i++; }
  }
  return out;
}

async function yamlTab(body, r, path, current, signal) {
  const secret = r.kind === 'Secret';
  let revealed = !secret;
  const pre = h('pre', { class: 'yaml', id: 'yaml' });
  const show = () => {
    const o = editable(current());
    if (!revealed && o.data) for (const k of Object.keys(o.data)) o.data[k] = '(hidden)';
    pre.textContent = toYAML(o);
  };
  const toolbar = h('div', { class: 'toolbar' });
  const edit = h('button', { type: 'button', id: 'edit-yaml' }, 'Edit');
  toolbar.append(edit);
  if (secret) {
    toolbar.append(h('button', { type: 'button', id: 'reveal', onclick: ev => { revealed = true; ev.target.remove(); show(); } }, 'Show values'));
  }
  body.append(toolbar, pre);
  show();
  edit.addEventListener('click', () => {
    revealed = true;
    const original = toYAML(editable(current()));
    const editor = h('textarea', { class: 'editor', id: 'editor', spellcheck: 'false' });
    editor.value = original;
    const out = h('div', { class: 'diff' });
    const review = h('button', { type: 'button', class: 'primary', id: 'review' }, 'Review changes');
    const save = h('button', { type: 'button', class: 'danger', id: 'save', disabled: true }, 'Apply');
    const cancel = h('button', { type: 'button', onclick: () => { body.replaceChildren(); yamlTab(body, r, path, current, signal); } }, 'Cancel');
    body.replaceChildren(h('div', { class: 'toolbar' }, review, save, cancel,
      h('span', { class: 'count' }, 'Saved with server-side apply (field manager "dashboard"); fields other managers own stay unless you change them.')), editor, out);
    const apply = dryRun => api(path + `?fieldManager=dashboard&force=true${dryRun ? '&dryRun=All' : ''}`,
      { method: 'PATCH', contentType: 'application/apply-patch+yaml', body: editor.value, signal });
    review.addEventListener('click', async () => {
      out.replaceChildren();
      try {
        const result = await apply(true);
        const diff = lineDiff(original, toYAML(editable(result)));
        const changed = diff.some(d => d[0] !== ' ');
        out.append(h('pre', { class: 'yaml', id: 'diff' }, hunks(diff).map(([t, l]) => h('span', { class: t === '+' ? 'add' : t === '-' ? 'del' : 'same' }, t === '@' ? l : `${t} ${l}`))));
        save.disabled = !changed;
        if (!changed) out.prepend(h('p', {}, 'No changes.'));
      } catch (e) {
        out.append(h('p', { class: 'error' }, e.message));
      }
    });
    save.addEventListener('click', async () => {
      if (!await confirmDialog(`Apply these changes to ${r.kind} ${path.split('/').pop()}?`)) return;
      try {
        await apply(false);
        toast('Applied.');
        body.replaceChildren();
        setTimeout(() => yamlTab(body, r, path, current, signal), 300);
      } catch (e) {
        out.replaceChildren(h('p', { class: 'error' }, e.message));
      }
    });
  });
}

async function eventsTab(body, o, signal) {
  const events = new Map();
  const table = h('table', { class: 'plain', id: 'events' });
  body.append(table);
  const render = () => {
    table.replaceChildren(h('tr', {}, ['Type', 'Reason', 'Age', 'From', 'Message'].map(x => h('th', {}, x))),
      [...events.values()].sort((a, b) => eventTime(a).localeCompare(eventTime(b))).map(e => h('tr', {},
        h('td', { class: e.type === 'Warning' ? 'warn' : '' }, e.type), h('td', {}, e.reason), h('td', {}, age(eventTime(e))),
        h('td', {}, e.source?.component || e.reportingComponent || ''), h('td', {}, e.message))));
  };
  const ns = o.metadata.namespace ? `/namespaces/${encodeURIComponent(o.metadata.namespace)}` : '';
  const selector = encodeURIComponent(`involvedObject.name=${o.metadata.name},involvedObject.kind=${o.kind}`);
  await listWatch(`/api/v1${ns}/events?fieldSelector=${selector}`, {
    signal,
    onReset: (items, _t, err) => { if (err) throw err; events.clear(); for (const e of items) events.set(e.metadata.uid, e); render(); },
    onEvent: (type, e) => { if (type === 'DELETED') events.delete(e.metadata.uid); else events.set(e.metadata.uid, e); render(); },
  });
}

// ---- pod tools: logs, terminal, metrics ----

function containerSelect(pod, id) {
  const names = [...(pod.spec?.initContainers || []), ...(pod.spec?.containers || [])].map(c => c.name);
  return h('select', { id }, names.map(n => h('option', { value: n, selected: n === pod.spec.containers[0].name }, n)));
}

async function logsTab(body, pod, signal) {
  const container = containerSelect(pod, 'log-container');
  const follow = h('input', { type: 'checkbox', id: 'log-follow', checked: true });
  const previous = h('input', { type: 'checkbox', id: 'log-previous' });
  const search = h('input', { type: 'search', id: 'log-search', placeholder: 'search' });
  const pre = h('pre', { class: 'logs', id: 'log' });
  const status = h('span', { class: 'count' });
  body.append(h('div', { class: 'toolbar' }, container, h('label', {}, follow, ' follow'), h('label', {}, previous, ' previous'), search, status), pre);
  let lines = [];
  let stream = null;
  const render = () => {
    const needle = search.value;
    const shown = needle ? lines.filter(l => l.includes(needle)) : lines;
    pre.replaceChildren(...shown.slice(-2000).map(l => {
      if (!needle) return l + '\n';
      const parts = l.split(needle);
      return h('span', {}, parts.flatMap((p, i) => i ? [h('mark', {}, needle), p] : [p]), '\n');
    }));
    status.textContent = needle ? `${shown.length} of ${lines.length} lines match` : `${lines.length} lines`;
    if (follow.checked) pre.scrollTop = pre.scrollHeight;
  };
  let scheduled = false;
  const soon = () => { if (!scheduled) { scheduled = true; requestAnimationFrame(() => { scheduled = false; render(); }); } };
  const open = async () => {
    if (stream) stream.abort();
    const mine = stream = new AbortController();
    signal.addEventListener('abort', () => mine.abort());
    lines = [];
    render();
    const q = new URLSearchParams({ container: container.value, tailLines: '1000' });
    if (follow.checked && !previous.checked) q.set('follow', 'true');
    if (previous.checked) q.set('previous', 'true');
    try {
      const res = await api(`/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/log?${q}`,
        { signal: mine.signal, raw: true, accept: 'text/plain' });
      if (!res.ok) {
        const b = await res.json().catch(() => ({}));
        throw new Error(b.message || `HTTP ${res.status}`);
      }
      await readLines(res, l => {
        if (mine.signal.aborted) return;
        lines.push(l);
        if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
        soon();
      });
    } catch (e) {
      if (!mine.signal.aborted) { lines.push(`[${e.message}]`); soon(); }
    }
  };
  container.addEventListener('change', open);
  follow.addEventListener('change', open);
  previous.addEventListener('change', open);
  search.addEventListener('input', render);
  open();
}

function terminalTab(body, pod, signal) {
  if (typeof window.Terminal !== 'function') {
    body.append(h('p', { class: 'error' }, 'The terminal needs xterm.js, from Debian\'s node-xterm package, which the server could not read: apt-get install node-xterm on the control plane host.'));
    return;
  }
  const container = containerSelect(pod, 'term-container');
  const command = h('input', { id: 'term-command', value: 'sh', size: 20 });
  const connect = h('button', { type: 'button', class: 'primary', id: 'term-connect' }, 'Connect');
  const status = h('span', { class: 'count', id: 'term-status' });
  const screen = h('div', { id: 'terminal' });
  body.append(h('div', { class: 'toolbar' }, container, command, connect, status), screen);
  let socket = null, term = null;
  signal.addEventListener('abort', () => { if (socket) socket.close(); if (term) term.dispose(); });
  connect.addEventListener('click', () => {
    if (socket) socket.close();
    if (term) term.dispose();
    screen.replaceChildren();
    term = new window.Terminal({ cols: 100, rows: 24, cursorBlink: true, rendererType: 'dom' });
    term.open(screen);
    const q = new URLSearchParams({ container: container.value, stdin: 'true', stdout: 'true', stderr: 'true', tty: 'true' });
    for (const part of command.value.trim().split(/\s+/)) q.append('command', part);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace)}/pods/${encodeURIComponent(pod.metadata.name)}/exec?${q}`;
    socket = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'base64url.bearer.authorization.k8s.io.' + base64url(state.token)]);
    socket.binaryType = 'arraybuffer';
    const encoder = new TextEncoder(), decoder = new TextDecoder();
    const send = (channel, data) => {
      const bytes = typeof data === 'string' ? encoder.encode(data) : data;
      const frame = new Uint8Array(bytes.length + 1);
      frame[0] = channel;
      frame.set(bytes, 1);
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    };
    socket.onopen = () => {
      status.textContent = 'connected';
      send(4, JSON.stringify({ Width: term.cols, Height: term.rows }));
      term.focus();
    };
    socket.onmessage = ev => {
      const data = new Uint8Array(ev.data);
      if (!data.length) return;
      const text = decoder.decode(data.subarray(1));
      if (data[0] === 1 || data[0] === 2) term.write(text);
      else if (data[0] === 3 && text) {
        try {
          const s = JSON.parse(text);
          status.textContent = s.status === 'Success' ? 'exited' : (s.message || 'ended');
        } catch (e) { status.textContent = text; }
      }
    };
    socket.onclose = ev => { if (status.textContent === 'connected') status.textContent = `closed${ev.reason ? ': ' + ev.reason : ''}`; };
    socket.onerror = () => { status.textContent = 'the connection failed: is the pod running, and may you create pods/exec?'; };
    term.on('data', d => send(0, d));
  });
}

/// CPU and memory of a pod's containers: from Prometheus (the last 30
/// minutes) when the dashboard reaches one, else sampled from the metrics API
/// while the tab is open.
async function metricsTab(body, pod, signal) {
  if (typeof window.Chart !== 'function') {
    body.append(h('p', { class: 'error' }, 'Graphs need Chart.js, from Debian\'s libjs-chart.js package: apt-get install libjs-chart.js on the control plane host.'));
    return;
  }
  const cpu = h('canvas', { id: 'cpu-chart' }), memory = h('canvas', { id: 'memory-chart' });
  const source = h('p', { class: 'count', id: 'metrics-source' });
  body.append(source, h('div', { class: 'charts' }, h('div', { class: 'card' }, cpu), h('div', { class: 'card' }, memory)));
  const chart = (canvas, title) => new window.Chart(canvas, {
    type: 'line', data: { labels: [], datasets: [] },
    options: { animation: false, maintainAspectRatio: false, plugins: { title: { display: true, text: title } }, scales: { y: { beginAtZero: true } } },
  });
  const cpuChart = chart(cpu, 'CPU (millicores)'), memoryChart = chart(memory, 'Memory working set (MiB)');
  signal.addEventListener('abort', () => { cpuChart.destroy(); memoryChart.destroy(); });
  const ns = pod.metadata.namespace, name = pod.metadata.name;
  const clock = t => new Date(t).toLocaleTimeString();
  if (await hasPrometheus()) {
    source.textContent = 'From Prometheus, the last 30 minutes.';
    const end = Date.now() / 1000, start = end - 1800;
    const range = async (q, scale) => {
      const r = await api(`/dashboard/prometheus/api/v1/query_range?${new URLSearchParams({ query: q, start, end, step: '15' })}`, { signal });
      const series = r.data?.result || [];
      const times = [...new Set(series.flatMap(s => s.values.map(v => v[0])))].sort((a, b) => a - b);
      return {
        labels: times.map(t => clock(t * 1000)),
        datasets: series.map(s => {
          const byTime = Object.fromEntries(s.values.map(v => [v[0], parseFloat(v[1]) * scale]));
          return { label: s.metric.container || name, data: times.map(t => byTime[t] ?? null) };
        }),
      };
    };
    const sel = `namespace="${ns}",pod="${name}",container!=""`;
    cpuChart.data = await range(`sum by (container) (rate(container_cpu_usage_seconds_total{${sel}}[1m]))`, 1000);
    memoryChart.data = await range(`sum by (container) (container_memory_working_set_bytes{${sel}})`, 1 / 1048576);
    cpuChart.update();
    memoryChart.update();
    return;
  }
  source.textContent = 'From the metrics API, sampled every 10 s while this tab is open (no Prometheus for this user).';
  const sample = async () => {
    try {
      const m = await api(`/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`, { signal });
      const label = clock(Date.now());
      for (const [c, value, scale] of [[cpuChart, 'cpu', 1], [memoryChart, 'memory', 1 / 1048576]]) {
        c.data.labels.push(label);
        for (const container of m.containers || []) {
          let ds = c.data.datasets.find(d => d.label === container.name);
          if (!ds) { ds = { label: container.name, data: c.data.labels.slice(1).map(() => null) }; c.data.datasets.push(ds); }
          ds.data.push((value === 'cpu' ? cpuMillis(container.usage.cpu) : bytes(container.usage.memory)) * scale);
        }
        if (c.data.labels.length > 180) { c.data.labels.shift(); for (const d of c.data.datasets) d.data.shift(); }
        c.update();
      }
    } catch (e) {
      if (!signal.aborted) source.textContent = 'No metrics: ' + e.message;
    }
  };
  sample();
  const timer = setInterval(sample, 10000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

/// Whether this user reaches a Prometheus through the dashboard: remembered
/// when the answer is yes, or a definite no (403: not allowed, 404: none).
async function hasPrometheus() {
  if (state.prometheus !== null) return state.prometheus;
  try {
    await api('/dashboard/prometheus/api/v1/query?query=1');
    state.prometheus = true;
  } catch (e) {
    if (e.status === 403 || e.status === 404) state.prometheus = false;
    return false;
  }
  return state.prometheus;
}

// ---- alerts and cluster logs ----

async function firingAlerts(el, signal) {
  if (!await hasPrometheus() || signal.aborted) return;
  const r = await api('/dashboard/prometheus/api/v1/alerts', { signal });
  const firing = (r.data?.alerts || []).filter(a => a.state === 'firing');
  el.append(h('h3', {}, `Firing alerts (${firing.length})`), alertTable(firing));
}

function alertTable(alerts) {
  return h('table', { class: 'plain', id: 'alerts' }, h('tr', {}, ['Alert', 'State', 'Severity', 'Labels', 'Since', 'Summary'].map(x => h('th', {}, x))),
    alerts.map(a => h('tr', {}, h('td', {}, a.labels.alertname), h('td', { class: a.state === 'firing' ? 'bad' : 'warn' }, a.state),
      h('td', {}, a.labels.severity || ''), h('td', {}, kv(Object.fromEntries(Object.entries(a.labels).filter(([k]) => !['alertname', 'severity'].includes(k))))),
      h('td', {}, age(a.activeAt)), h('td', {}, a.annotations?.summary || a.annotations?.description || ''))));
}

async function alertsView(main, signal) {
  main.append(h('h2', {}, 'Alerts'));
  if (!await hasPrometheus()) {
    main.append(h('p', {}, 'No Prometheus for this user: the control plane needs --prometheus-url, and you need RBAC for the non-resource URL /dashboard/prometheus/*.'));
    return;
  }
  const holder = h('div', {});
  const refresh = h('button', { type: 'button' }, 'Refresh');
  main.append(h('div', { class: 'toolbar' }, refresh), holder);
  const load = async () => {
    const r = await api('/dashboard/prometheus/api/v1/alerts', { signal });
    holder.replaceChildren(alertTable(r.data?.alerts || []));
  };
  refresh.addEventListener('click', load);
  await load();
}

async function logsView(main, signal) {
  const defaultQuery = state.namespace ? `{namespace="${state.namespace}"}` : '{namespace="default"}';
  const query = h('input', { id: 'logql', value: defaultQuery, size: 60, class: 'mono' });
  const text = h('input', { type: 'search', id: 'logql-text', placeholder: 'containing text' });
  const range = h('select', { id: 'logql-range' }, [['5m', 300], ['1h', 3600], ['24h', 86400], ['7d', 604800]].map(([l, s]) => h('option', { value: s, selected: l === '1h' }, 'last ' + l)));
  const run = h('button', { type: 'button', class: 'primary', id: 'logql-run' }, 'Search');
  const live = h('input', { type: 'checkbox', id: 'logql-live' });
  const pre = h('pre', { class: 'logs', id: 'cluster-log' });
  const status = h('span', { class: 'count', id: 'logql-status' });
  main.append(h('h2', {}, 'Cluster logs'),
    h('p', { class: 'count' }, 'What every node shipped, kept after pods and nodes are gone. LogQL stream selectors and line filters, as Loki.'),
    h('div', { class: 'toolbar' }, query, text, range, run, h('label', {}, live, ' live tail'), status), pre);
  const logql = () => query.value.trim() + (text.value ? ` |= ${JSON.stringify(text.value)}` : '');
  const entry = ([t, s, line]) => h('span', {}, h('span', { class: 'warn' },
    `${new Date(Number(BigInt(t) / 1000000n)).toISOString()} ${s.namespace || ''}/${s.pod || s.component || ''}/${s.container || ''} `), line, '\n');
  const entries = streams => streams.flatMap(s => s.values.map(v => [v[0], s.stream, v[1]])).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let socket = null;
  let generation = 0; // a search or tail started later wins over one still running
  signal.addEventListener('abort', () => { if (socket) socket.close(); });
  const search = async () => {
    const mine = ++generation;
    if (socket) { socket.close(); socket = null; }
    const end = Date.now() * 1e6, start = end - Number(range.value) * 1e9;
    status.textContent = 'searching…';
    try {
      const r = await api(`/loki/api/v1/query_range?${new URLSearchParams({ query: logql(), start: String(start), end: String(end), limit: '1000', direction: 'backward' })}`, { signal });
      if (mine !== generation) return;
      const found = entries(r.data?.result || []);
      pre.replaceChildren(...found.map(entry));
      status.textContent = `${found.length} lines`;
    } catch (e) {
      if (mine !== generation) return;
      status.textContent = '';
      pre.replaceChildren(e.message);
    }
  };
  // Live: Loki's tail websocket sends what is stored from now on (the last 5 minutes first).
  const tail = () => {
    ++generation;
    if (socket) socket.close();
    pre.replaceChildren();
    let count = 0;
    const q = new URLSearchParams({ query: logql(), limit: '1000', start: String((Date.now() - 300000) * 1e6) });
    const ws = socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/loki/api/v1/tail?${q}`,
      ['swiftkube.tail', 'base64url.bearer.authorization.k8s.io.' + base64url(state.token)]);
    socket.onopen = () => { status.textContent = 'following'; };
    socket.onmessage = ev => {
      if (ws !== socket) return;
      const message = JSON.parse(typeof ev.data === 'string' ? ev.data : new TextDecoder().decode(ev.data));
      const found = entries(message.streams || []);
      count += found.length;
      pre.append(...found.map(entry));
      while (pre.childNodes.length > MAX_LOG_LINES) pre.firstChild.remove();
      pre.scrollTop = pre.scrollHeight;
      status.textContent = `following: ${count} lines`;
    };
    socket.onclose = () => { if (live.checked) status.textContent = 'the tail ended (is the query allowed? pods/log in its namespace)'; };
  };
  const go = () => (live.checked ? tail() : search());
  run.addEventListener('click', go);
  live.addEventListener('change', go);
  query.addEventListener('keydown', e => { if (e.key === 'Enter') go(); });
  await search();
}

// ---- actions ----

function confirmDialog(text, extra) {
  return new Promise(resolve => {
    $('modal-text').textContent = text;
    $('modal-body').replaceChildren(...(extra ? [extra] : []));
    $('modal').hidden = false;
    const done = ok => { $('modal').hidden = true; $('modal-ok').onclick = null; $('modal-cancel').onclick = null; resolve(ok); };
    $('modal-ok').onclick = () => done(true);
    $('modal-cancel').onclick = () => done(false);
  });
}

async function act(description, fn) {
  try {
    await fn();
    toast(description);
  } catch (e) {
    toast(e.message, true);
  }
}

function buildActions(bar, r, current, path) {
  const o = () => current();
  const name = () => o().metadata.name;
  if (r.scale) {
    bar.append(h('button', {
      type: 'button', id: 'action-scale', onclick: async () => {
        const input = h('input', { type: 'number', min: 0, id: 'scale-replicas', value: o().spec?.replicas ?? 1 });
        if (!await confirmDialog(`Scale ${r.kind} ${name()} to how many replicas?`, input)) return;
        if (!/^[0-9]+$/.test(input.value.trim())) { toast(`Replicas must be a whole number of 0 or more, not "${input.value}".`, true); return; }
        act(`Scaled ${r.kind} ${name()} to ${input.value}.`, () => api(path + '/scale', {
          method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: Number(input.value) } },
        }));
      },
    }, 'Scale'));
  }
  if (r.restart) {
    bar.append(h('button', {
      type: 'button', id: 'action-restart', onclick: async () => {
        if (!await confirmDialog(`Restart the rollout of ${r.kind} ${name()}? Its pods are replaced as the update strategy says.`)) return;
        act(`${r.kind} ${name()} restarted.`, () => api(path + '?fieldManager=dashboard', {
          method: 'PATCH', contentType: 'application/strategic-merge-patch+json',
          body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } },
        }));
      },
    }, 'Restart'));
  }
  if (r.kind === 'Node') {
    bar.append(h('button', {
      type: 'button', id: 'action-cordon', onclick: async () => {
        const cordon = !o().spec?.unschedulable;
        if (!await confirmDialog(`${cordon ? 'Cordon' : 'Uncordon'} node ${name()}?`)) return;
        act(`Node ${name()} ${cordon ? 'cordoned' : 'uncordoned'}.`, () => api(path, {
          method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { unschedulable: cordon ? true : null } },
        }));
      },
    }, 'Cordon / Uncordon'), h('button', { type: 'button', id: 'action-drain', onclick: () => drain(name(), path) }, 'Drain'));
  }
  bar.append(h('button', {
    type: 'button', class: 'danger', id: 'action-delete', onclick: async () => {
      if (!await confirmDialog(`Delete ${r.kind} ${name()}? This cannot be undone.`)) return;
      act(`${r.kind} ${name()} deleted.`, async () => {
        await api(path, { method: 'DELETE' });
        location.hash = `#/list/${r.key}`;
      });
    },
  }, 'Delete'));
}

/// As `kubectl drain`: cordon, then evict every pod on the node but
/// DaemonSet pods and mirror pods (evictions respect PodDisruptionBudgets).
async function drain(node, path) {
  if (!await confirmDialog(`Drain node ${node}? It is cordoned and its pods are evicted (DaemonSet and static pods stay).`)) return;
  try {
    await api(path, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { unschedulable: true } } });
    const pods = await api(`/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=' + node)}`);
    const evictable = (pods.items || []).filter(p => !(p.metadata.ownerReferences || []).some(o => o.kind === 'DaemonSet')
      && !(p.metadata.annotations || {})['kubernetes.io/config.mirror'] && !['Succeeded', 'Failed'].includes(p.status?.phase));
    const refused = [];
    for (const p of evictable) {
      try {
        await api(`/api/v1/namespaces/${encodeURIComponent(p.metadata.namespace)}/pods/${encodeURIComponent(p.metadata.name)}/eviction`, {
          method: 'POST', contentType: 'application/json',
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: p.metadata.name, namespace: p.metadata.namespace } },
        });
      } catch (e) {
        refused.push(`${p.metadata.namespace}/${p.metadata.name}: ${e.message}`);
      }
    }
    if (refused.length) toast(`Node ${node} cordoned; ${refused.length} of ${evictable.length} pods not evicted:\n${refused.join('\n')}`, true);
    else toast(`Node ${node} drained: ${evictable.length} pods evicted.`);
  } catch (e) {
    toast(e.message, true);
  }
}

// ---- start ----

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => logout());
  $('namespace').addEventListener('change', ev => {
    state.namespace = ev.target.value;
    sessionStorage.setItem('swiftkube.namespace', state.namespace);
    route();
  });
  window.addEventListener('hashchange', route);
  if (state.token) start(); else logout();
});
