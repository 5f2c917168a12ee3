// Overview: what the daemon reads now (lines per second per source, one value a second for
// the last 15 minutes, live), what it found and decided in the last hour, the sources'
// health, problems, domains in a bad state, and the platform KPI charts (S4) with the
// findings of the KPI rules marked on them.
import {api, apiOptional} from '../api.js';
import {h, replace} from '../dom.js';
import {fmtNumber, fmtTime, has, ruleTitle, t} from '../i18n.js';
import {timeChart} from '../chart.js';

// The KPI charts, in this order, when the daemon keeps the series (docs/kpi.md).
const kKpiCharts = [
  'udp.rcvbuf_errors',
  'udp.in_errors',
  'tcp.listen_overflows',
  'tcp.curr_estab',
  'conntrack.fill_permille',
  'mem.available_permille',
  'psi.cpu.some_avg10',
  'psi.memory.some_avg10',
];
const kRateWindow = '-15m';
// The last hour at 1 s: 3,600 points, the most one answer holds (the range is inclusive).
const kHour = '-3599s';
const kSourcePrefix = 'bannin.lines/';

/// The sum of a per-second rate over its points (1 s steps): how many in that time.
function total(points) {
  let n = 0;
  for (const p of points) if (p[1] !== null) n += p[1];
  return Math.round(n);
}

/// [xs, ys] of the points, from the first one with a value: a series younger than the range
/// (a daemon started a minute ago) fills its chart instead of a corner of it.
function toColumns(points) {
  const xs = [];
  const ys = [];
  let first = points.findIndex((p) => p[1] !== null);
  if (first < 0 || first > points.length - 2) first = Math.max(0, points.length - 2);
  for (const p of points.slice(first)) {
    xs.push(p[0]);
    ys.push(p[1]);
  }
  return [xs, ys];
}

function shortSource(name) {
  const origin = name.slice(kSourcePrefix.length);
  const slash = origin.lastIndexOf('/');
  return slash >= 0 && slash < origin.length - 1 ? origin.slice(slash + 1) : origin;
}

export async function render(ctx) {
  const kpiFindings = h('span');
  const statusBox = h('div', {class: 'cards', id: 'overview-cards'});
  const rateBox = h('div', {class: 'chart', id: 'chart-sources'});
  const rateNote = h('p', {class: 'hint small'});
  const sourcesBox = h('div', {id: 'overview-sources'});
  const problemsBox = h('div', {id: 'overview-problems'});
  const actuatorBox = h('div', {id: 'overview-actuator'});
  const domainsBox = h('div', {id: 'overview-domains'});
  const latestBox = h('div', {id: 'overview-latest'});
  const kpiBox = h('div', {class: 'kpi-grid', id: 'overview-kpis'});
  ctx.root.append(
    h('h1', null, t('overview.title')),
    statusBox,
    h('section', {class: 'card'}, h('h2', null, t('overview.rates')), rateNote, rateBox),
    h(
      'div',
      {class: 'two'},
      h('section', {class: 'card'}, h('h2', null, t('overview.sources')), sourcesBox, actuatorBox, problemsBox),
      h('section', {class: 'card'}, h('h2', null, t('overview.latest')), latestBox, h('h3', null, t('overview.domains')), domainsBox),
    ),
    h('section', {class: 'card'}, h('h2', null, t('overview.kpis'), ' ', kpiFindings), h('p', {class: 'hint small'}, t('overview.kpis_hint')), kpiBox),
  );

  const names = await apiOptional('/api/v1/series');
  const seriesList = names ? names.series : [];
  const sourceNames = seriesList.map((s) => s.name).filter((n) => n.startsWith(kSourcePrefix));
  const have = new Set(seriesList.map((s) => s.name));
  const help = Object.fromEntries(seriesList.map((s) => [s.name, s]));

  let rateChart = null;
  if (sourceNames.length) {
    rateChart = timeChart(rateBox, {
      series: sourceNames.map((n) => ({label: shortSource(n)})),
      height: 220,
      yLabel: t('unit.lines_per_s'),
    });
    ctx.onCleanup(() => rateChart.destroy());
    rateNote.textContent = t('overview.rates_hint');
  } else {
    replace(rateBox, h('p', {class: 'empty'}, names ? t('overview.no_sources') : t('overview.no_series')));
  }

  async function refreshRates() {
    if (!rateChart) return;
    const all = await Promise.all(sourceNames.map((n) => api(`/api/v1/series?name=${encodeURIComponent(n)}&from=${kRateWindow}&step=1s`)));
    if (!ctx.alive()) return;
    const xs = all[0].points.map((p) => p[0]);
    const cols = [xs, ...all.map((s) => s.points.map((p) => p[1]))];
    let max = 0;
    for (const c of cols.slice(1)) for (const v of c) if (v !== null && v > max) max = v;
    rateBox.dataset.max = String(max);
    rateBox.dataset.points = String(xs.length);
    rateChart.set(cols);
  }

  async function refreshStatus() {
    const [st, hourFindings, hourDecisions, inForce] = await Promise.all([
      api('/api/v1/status'),
      have.has('bannin.findings') ? api(`/api/v1/series?name=bannin.findings&from=${kHour}&step=1s`) : null,
      have.has('bannin.decisions') ? api(`/api/v1/series?name=bannin.decisions&from=${kHour}&step=1s`) : null,
      api('/api/v1/decisions'),
    ]);
    if (!ctx.alive()) return;
    const now = Date.now();
    const forceCount = (inForce || []).filter(
      (d) => (d.state === 'active' || d.state === 'proposed') && (!d.expires || Date.parse(d.expires) > now),
    ).length;
    const sources = st.sources || [];
    const lines = sources.reduce((n, s) => n + (s.lines || 0), 0);
    const card = (id, label, value, note) =>
      h('div', {class: 'kpi-card', id}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value), note ? h('div', {class: 'note'}, note) : null);
    replace(
      statusBox,
      card('card-findings', t('overview.findings_hour'), hourFindings ? fmtNumber(total(hourFindings.points)) : '–', t('overview.since_start', {n: fmtNumber(st.detect?.findings)})),
      card('card-decisions', t('overview.decisions_hour'), hourDecisions ? fmtNumber(total(hourDecisions.points)) : '–', t('overview.in_force', {n: fmtNumber(forceCount)})),
      card('card-lines', t('overview.lines'), fmtNumber(lines), t('overview.sources_n', {n: sources.length})),
      card('card-mode', t('overview.mode'), st.daemon?.mode === 'enforce' ? t('mode.enforce') : t('mode.observe'), t('overview.version', {v: st.daemon?.version || '?'})),
    );
    replace(
      sourcesBox,
      sources.length
        ? h(
            'table',
            {class: 'grid'},
            h('thead', null, h('tr', null, ['source.origin', 'source.state', 'source.lines', 'source.rate', 'source.dropped', 'source.errors'].map((k) => h('th', null, t(k))))),
            h(
              'tbody',
              null,
              sources.map((s) => {
                const bad = (s.dropped || 0) + (s.dropped_kernel || 0) + (s.errors || 0) > 0 || s.missing;
                return h(
                  'tr',
                  {class: bad ? 'bad' : ''},
                  h('td', {class: 'mono wrap'}, s.origin || s.id),
                  h('td', null, s.missing ? t('source.missing') : s.state || '–'),
                  h('td', {class: 'num'}, fmtNumber(s.lines)),
                  h('td', {class: 'num'}, fmtNumber(s.rate_1m, 1)),
                  h('td', {class: 'num'}, fmtNumber((s.dropped || 0) + (s.dropped_kernel || 0))),
                  h('td', {class: 'num'}, fmtNumber(s.errors)),
                );
              }),
            ),
          )
        : h('p', {class: 'empty'}, t('overview.no_sources')),
    );
    const act = st.actuator;
    replace(
      actuatorBox,
      act
        ? h(
            'p',
            {class: act.ok === false || act.errors > 0 || act.dropped > 0 ? 'error small' : 'small'},
            h('strong', null, t('overview.actuator')),
            ' ',
            t('overview.actuator_line', {name: act.name || '?', ok: act.ok === false ? t('common.no') : t('common.yes'), errors: fmtNumber(act.errors || 0), dropped: fmtNumber(act.dropped || 0)}),
            act.problem && act.problem !== '-' ? ` — ${act.problem}` : '',
          )
        : null,
    );
    const problems = (st.problems || []).map((p) => (typeof p === 'string' ? p : p.message || JSON.stringify(p)));
    replace(
      problemsBox,
      problems.length
        ? h('div', {class: 'problems'}, h('h3', null, t('overview.problems')), h('ul', null, problems.map((p) => h('li', null, p))))
        : h('p', {class: 'ok small'}, t('overview.no_problems')),
    );
  }

  async function refreshLatest() {
    const [found, doms] = await Promise.all([api('/api/v1/incidents?limit=6'), apiOptional('/api/v1/domains')]);
    if (!ctx.alive()) return;
    const incs = found.incidents || [];
    replace(
      latestBox,
      incs.length
        ? h(
            'ul',
            {class: 'plain'},
            incs.map((i) =>
              h(
                'li',
                null,
                h('a', {href: `#/incidents/${i.id}`}, ruleTitle(i.rule, i.title)),
                h('span', {class: 'muted small'}, ` — ${fmtTime(i.last_seen)}, ${t('incident.sources_n', {n: fmtNumber(i.counts?.sources)})}`),
              ),
            ),
          )
        : h('p', {class: 'empty'}, t('incidents.none')),
    );
    if (!doms) {
      replace(domainsBox, h('p', {class: 'muted small'}, t('domains.off')));
    } else {
      const bad = (doms.domains || []).filter((d) => d.severity && d.severity !== 'ok' && d.severity !== 'info');
      replace(
        domainsBox,
        bad.length
          ? h('ul', {class: 'plain'}, bad.map((d) => h('li', null, h('span', {class: `sev sev-${d.severity}`}, t(`severity.${d.severity}`)), ' ', h('a', {href: `#/domains/${encodeURIComponent(d.domain || d.ip)}`}, d.domain || d.ip))))
          : h('p', {class: 'ok small'}, t('domains.all_ok', {n: (doms.domains || []).length})),
      );
    }
  }

  const kpiNames = kKpiCharts.filter((n) => have.has(n));
  const kpiCharts = [];
  for (const name of kpiNames) {
    const box = h('div', {class: 'chart small', 'data-series': name});
    kpiBox.append(h('div', {class: 'kpi-chart'}, h('h3', null, name, ' ', h('span', {class: 'muted small'}, help[name]?.unit || '')), h('p', {class: 'hint small'}, has(`kpi.${name}`) ? t(`kpi.${name}`) : help[name]?.help || ''), box));
    const c = timeChart(box, {series: [{label: name}], height: 140});
    ctx.onCleanup(() => c.destroy());
    kpiCharts.push({name, box, chart: c});
  }
  if (!kpiNames.length) kpiBox.append(h('p', {class: 'empty'}, t('overview.no_series')));

  // Which metrics each rule watches: the series names quoted in its `where`
  // (`metric == "mem.available_permille" and …`). A finding is marked on the charts of the
  // metrics its rule watches — of its own metric when the rule groups by metric.
  let watches = null;
  async function ruleWatches() {
    if (watches) return watches;
    const r = await api('/api/v1/rules');
    watches = new Map();
    for (const rule of r.rules || []) {
      const names = [...String(rule.where || '').matchAll(/"([a-z0-9_.\/]+)"/g)].map((m) => m[1]).filter((n) => have.has(n));
      if (names.length) watches.set(rule.id, new Set(names));
    }
    return watches;
  }
  function marks(f, name) {
    if (f.group && f.group.metric) return f.group.metric === name;
    const w = watches.get(f.rule);
    return Boolean(w && w.has(name));
  }

  async function refreshKpis() {
    if (!kpiCharts.length) return;
    const [values, found] = await Promise.all([
      Promise.all(kpiCharts.map((k) => api(`/api/v1/series?name=${encodeURIComponent(k.name)}&from=-1h&step=10s`))),
      api('/api/v1/findings?limit=200'),
      ruleWatches(),
    ]);
    if (!ctx.alive()) return;
    let marked = 0;
    kpiCharts.forEach((k, i) => {
      const pts = values[i].points;
      const from = pts.length ? pts[0][0] : 0;
      const markers = (found.findings || [])
        .filter((f) => marks(f, k.name))
        .map((f) => ({t: Date.parse(f.ts) / 1000}))
        .filter((m) => m.t >= from);
      marked += markers.length;
      k.box.dataset.markers = String(markers.length);
      k.box.dataset.max = String(pts.reduce((m, p) => (p[2] !== null && p[2] > m ? p[2] : m), 0));
      k.chart.set(toColumns(pts), markers);
    });
    replace(kpiFindings, marked ? h('span', {class: 'badge warn'}, t('overview.kpi_findings', {n: marked})) : '');
  }

  await Promise.all([refreshStatus(), refreshRates(), refreshLatest(), refreshKpis()]);
  // "Overview ready": every first answer is drawn; tests/browser reads it (reported only).
  const ready = performance.now();  // since the navigation started: what a person waits
  ctx.root.dataset.ready = String(Math.round(ready));
  window.__banninOverviewReadyMs = ready;
  ctx.every(1000, refreshRates);
  ctx.every(5000, refreshStatus);
  ctx.every(15000, refreshLatest);
  ctx.every(10000, refreshKpis);
}
