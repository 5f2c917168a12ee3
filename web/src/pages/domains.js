// Domains (S1): each watched domain or address with its checks (delegation at the TLD,
// resolvers, RDAP/WHOIS registry status, block lists), what each state means and what to do,
// and, for one domain, the timeline of confirmed changes (GET /api/v1/domains[/{name}]).
import {apiOptional} from '../api.js';
import {h, replace} from '../dom.js';
import {fmtTime, has, t} from '../i18n.js';

function explain(state) {
  return has(`dstate.${state}`) ? t(`dstate.${state}`) : '';
}

function sevBadge(sev) {
  const s = sev || 'none';
  return h('span', {class: `sev sev-${s}`}, has(`severity.${s}`) ? t(`severity.${s}`) : s);
}

function checksTable(checks) {
  return h(
    'table',
    {class: 'grid'},
    h('thead', null, h('tr', null, ['domain.check', 'domain.state', 'domain.severity', 'domain.detail', 'domain.since'].map((k) => h('th', null, t(k))))),
    h(
      'tbody',
      null,
      checks.map((c) =>
        h(
          'tr',
          {class: c.severity === 'critical' ? 'bad' : ''},
          h('td', {class: 'mono'}, c.check, c.list ? h('div', {class: 'muted small'}, c.list) : null),
          h('td', {class: 'mono'}, c.state),
          h('td', null, sevBadge(c.severity)),
          h('td', null, explain(c.state) ? h('div', {class: 'explain'}, explain(c.state)) : null, h('div', {class: 'muted small'}, c.detail || '')),
          h('td', {class: 'nowrap small'}, fmtTime(c.since), h('br'), h('span', {class: 'muted'}, t('domain.checked', {time: fmtTime(c.checked)}))),
        ),
      ),
    ),
  );
}

async function list(ctx) {
  ctx.root.append(h('h1', null, t('domains.title')));
  const doms = await apiOptional('/api/v1/domains');
  if (!ctx.alive()) return;
  if (!doms) {
    ctx.root.append(h('section', {class: 'card'}, h('p', {class: 'empty', id: 'domains-off'}, t('domains.off')), h('p', {class: 'hint small'}, t('domains.off_hint'))));
    return;
  }
  const all = doms.domains || [];
  if (!all.length) ctx.root.append(h('p', {class: 'empty'}, t('domains.none')));
  for (const d of all) {
    const name = d.domain || d.ip;
    ctx.root.append(
      h(
        'section',
        {class: 'card', 'data-domain': name},
        h('h2', null, sevBadge(d.severity), ' ', h('a', {href: `#/domains/${encodeURIComponent(name)}`}, name), ' ', h('span', {class: 'muted small'}, t(`domain.type.${d.type === 'ip' ? 'ip' : 'domain'}`))),
        (d.checks || []).length ? checksTable(d.checks) : h('p', {class: 'muted'}, t('domain.not_checked')),
        (d.pending || []).length ? h('p', {class: 'hint small'}, t('domain.pending', {n: d.pending.length})) : null,
      ),
    );
  }
}

async function detail(ctx, name) {
  const d = await apiOptional(`/api/v1/domains/${encodeURIComponent(name)}`);
  if (!ctx.alive()) return;
  ctx.root.append(h('p', null, h('a', {href: '#/domains'}, `← ${t('domains.back')}`)), h('h1', null, name));
  if (!d) {
    ctx.root.append(h('p', {class: 'empty'}, t('domain.unknown')));
    return;
  }
  const timeline = d.timeline || [];
  const tl = h('ol', {class: 'timeline', id: 'domain-timeline'});
  replace(
    tl,
    timeline
      .slice()
      .reverse()
      .map((e) =>
        h(
          'li',
          {class: `tl tl-${e.severity || 'none'}`},
          h('div', {class: 'when'}, fmtTime(e.ts)),
          h('div', null, h('span', {class: 'mono'}, e.check), ': ', h('span', {class: 'mono'}, e.from || t('domain.first')), ' → ', h('strong', {class: 'mono'}, e.to), ' ', sevBadge(e.severity)),
          explain(e.to) ? h('div', {class: 'explain'}, explain(e.to)) : null,
          h('div', {class: 'muted small'}, e.detail || '', e.source ? ` (${e.source})` : ''),
        ),
      ),
  );
  ctx.root.append(
    h('section', {class: 'card'}, h('h2', null, t('domain.checks')), (d.checks || []).length ? checksTable(d.checks) : h('p', {class: 'muted'}, t('domain.not_checked'))),
    h('section', {class: 'card'}, h('h2', null, t('domain.timeline')), timeline.length ? tl : h('p', {class: 'empty'}, t('domain.no_changes'))),
  );
}

export async function render(ctx) {
  if (ctx.params[0]) await detail(ctx, ctx.params[0]);
  else await list(ctx);
}
