// Incidents: the list (newest first), and one incident — what happened in numbers, a time
// chart of its findings, sources by country, the evidence lines, and the decisions in force
// with time left and a revoke button (docs/api.md "Incidents").
import {api} from '../api.js';
import {h, replace} from '../dom.js';
import {fmtNumber, fmtSpan, fmtTime, has, ruleTitle, t} from '../i18n.js';
import {timeChart} from '../chart.js';
import {decisionsTable, inForce, revokedNotice} from './common.js';

function groupText(i) {
  if (i.path) return `${i.vhost || ''}${i.path}`;
  const g = i.group || {};
  const vals = Object.entries(g)
    .filter(([, v]) => v !== '' && v !== null)
    .map(([k, v]) => `${k}=${v}`);
  return vals.join(' ') || '–';
}

function numberName(name) {
  return has(`number.${name}`) ? t(`number.${name}`) : name;
}

function numbersList(i) {
  const names = i.number_names || {};
  return Object.entries(i.numbers || {}).map(([expr, v]) => {
    const name = names[expr];
    const label = name ? numberName(name) : expr;
    const shown = expr.startsWith('share(') ? `${fmtNumber(v * 100, 1)} %` : fmtNumber(v, 2);
    return h('div', {class: 'number'}, h('div', {class: 'value'}, shown), h('div', {class: 'label'}, label), name ? h('div', {class: 'muted small mono'}, expr) : null);
  });
}

async function list(ctx) {
  const q = h('input', {type: 'search', id: 'incident-q', placeholder: t('incidents.search')});
  const box = h('div', {id: 'incident-list'});
  const more = h('div');
  ctx.root.append(h('h1', null, t('incidents.title')), h('div', {class: 'toolbar'}, q), box, more);
  let cursor = null;
  let rows = [];
  const load = async (reset) => {
    const params = new URLSearchParams({limit: '50'});
    if (q.value.trim()) params.set('q', q.value.trim());
    if (!reset && cursor) params.set('cursor', cursor);
    const page = await api(`/api/v1/incidents?${params}`);
    if (!ctx.alive()) return;
    rows = reset ? page.incidents : rows.concat(page.incidents);
    cursor = page.next_cursor;
    draw();
  };
  const draw = () => {
    replace(
      box,
      rows.length
        ? h(
            'table',
            {class: 'grid clickable'},
            h('thead', null, h('tr', null, ['incident.when', 'incident.what', 'incident.where', 'incident.sources', 'incident.countries', 'incident.in_force', ''].map((k) => h('th', null, k ? t(k) : '')))),
            h(
              'tbody',
              null,
              rows.map((i) =>
                h(
                  'tr',
                  {'data-incident': i.id, 'data-rule': i.rule, onclick: () => ctx.navigate(`#/incidents/${i.id}`)},
                  h('td', {class: 'nowrap'}, fmtTime(i.first_seen), h('br'), h('span', {class: 'muted small'}, fmtTime(i.last_seen))),
                  h('td', null, h('a', {href: `#/incidents/${i.id}`}, ruleTitle(i.rule, i.title)), h('div', {class: 'muted small mono'}, i.rules.join(', '))),
                  h('td', {class: 'mono wrap'}, groupText(i)),
                  h('td', {class: 'num'}, fmtNumber(i.counts.sources)),
                  h('td', {class: 'num'}, fmtNumber(i.counts.countries)),
                  h('td', {class: 'num'}, fmtNumber(i.counts.in_force)),
                  h('td', null, i.open ? h('span', {class: 'badge warn'}, t('incident.open')) : null),
                ),
              ),
            ),
          )
        : h('p', {class: 'empty'}, t('incidents.none')),
    );
    replace(more, cursor ? h('button', {class: 'link', onclick: () => load(false)}, t('common.more')) : null);
  };
  let timer = null;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 250);
  });
  ctx.onCleanup(() => clearTimeout(timer));
  await load(true);
}

async function detail(ctx, id) {
  const inc = await api(`/api/v1/incidents/${encodeURIComponent(id)}`);
  if (!ctx.alive()) return;
  const decisionsBox = h('div', {id: 'incident-decisions'});
  const drawDecisions = (list, revoked) => {
    const forced = list.filter(inForce);
    replace(
      decisionsBox,
      revokedNotice(revoked),
      h('p', {class: 'muted small'}, t('incident.decisions_summary', {all: fmtNumber(list.length), in_force: fmtNumber(forced.length)})),
      forced.length ? decisionsTable(forced, reload, {showRule: true}) : h('p', {class: 'empty'}, t('incident.none_in_force')),
    );
  };
  const reload = async (revoked) => {
    const again = await api(`/api/v1/incidents/${encodeURIComponent(id)}`);
    if (ctx.alive()) drawDecisions(again.decisions || [], revoked);
  };
  const chartBox = h('div', {class: 'chart', id: 'incident-chart'});
  const what = groupText(inc);
  ctx.root.append(
    h('p', null, h('a', {href: '#/incidents'}, `← ${t('incidents.back')}`)),
    h('h1', {id: 'incident-title'}, ruleTitle(inc.rule, inc.title)),
    h('p', {class: 'headline', id: 'incident-headline'}, t('incident.headline', {
      sources: fmtNumber(inc.counts.sources),
      countries: fmtNumber(inc.counts.countries),
      findings: fmtNumber(inc.counts.findings + inc.counts.linked_findings),
      what,
      first: fmtSpan(inc.first_seen, inc.last_seen)[0],
      last: fmtSpan(inc.first_seen, inc.last_seen)[1],
    })),
    h('div', {class: 'numbers', id: 'incident-numbers'}, numbersList(inc), h('div', {class: 'number'}, h('div', {class: 'value'}, fmtNumber(inc.counts.decisions)), h('div', {class: 'label'}, t('incident.decisions')))),
    h('div', {class: 'muted small mono'}, t('incident.rules'), ' ', inc.rules.join(', ')),
    h(
      'div',
      {class: 'two'},
      h('section', {class: 'card'}, h('h2', null, t('incident.timeline')), chartBox),
      h(
        'section',
        {class: 'card', id: 'incident-countries'},
        h('h2', null, t('incident.by_country')),
        (inc.countries || []).length
          ? h(
              'div',
              {class: 'bars'},
              inc.countries.map((c) => {
                const max = inc.countries[0].sources || 1;
                return h(
                  'div',
                  {class: 'bar-row'},
                  h('span', {class: 'cc mono'}, c.country === '??' ? t('incident.unknown_country') : c.country),
                  h('span', {class: 'bar'}, h('span', {class: 'fill', style: null, dataset: {w: String(Math.round((100 * c.sources) / max))}})),
                  h('span', {class: 'num'}, fmtNumber(c.sources)),
                );
              }),
            )
          : h('p', {class: 'empty'}, t('incident.no_countries')),
      ),
    ),
    h('section', {class: 'card'}, h('h2', null, t('incident.evidence')), h('p', {class: 'hint small'}, t('incident.evidence_hint')), h('pre', {class: 'evidence', id: 'incident-evidence'}, (inc.evidence || []).join('\n'))),
    h('section', {class: 'card'}, h('h2', null, t('incident.decisions_in_force')), decisionsBox),
  );
  // Bar widths through the CSSOM: the page's CSP allows no inline style attributes.
  for (const f of ctx.root.querySelectorAll('.bar .fill')) f.style.width = `${f.dataset.w}%`;
  drawDecisions(inc.decisions || []);

  const findings = (inc.findings || []).slice().sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  if (findings.length) {
    const xs = findings.map((f) => Date.parse(f.ts) / 1000);
    const first = Object.keys(inc.numbers || {})[0];
    const ys = findings.map((f) => (first && f.numbers && f.numbers[first] !== undefined ? f.numbers[first] : 1));
    const label = first ? (inc.number_names?.[first] ? numberName(inc.number_names[first]) : first) : t('incident.findings');
    const c = timeChart(chartBox, {series: [{label, bars: true, fill: 'rgba(219, 39, 119, 0.35)', color: '#db2777'}], height: 180});
    ctx.onCleanup(() => c.destroy());
    // One finding alone: widen the x range so the bar is visible.
    if (xs.length === 1) {
      xs.unshift(xs[0] - 300);
      ys.unshift(null);
      xs.push(xs[xs.length - 1] + 300);
      ys.push(null);
    }
    c.set([xs, ys]);
  }
}

export async function render(ctx) {
  if (ctx.params[0]) await detail(ctx, ctx.params[0]);
  else await list(ctx);
}
