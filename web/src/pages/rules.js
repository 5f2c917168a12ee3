// Rules: the load report (when, from which files, warnings with file:line:column, a refused
// reload) and every rule in force with its counters and parameters (GET /api/v1/rules).
import {api} from '../api.js';
import {h} from '../dom.js';
import {fmtNumber, fmtTime, ruleTitle, t} from '../i18n.js';

const kCounters = ['evaluations', 'matched', 'findings', 'decisions', 'capped', 'suppressed', 'groups_evicted'];

function paramText(v) {
  if (v && typeof v === 'object' && 'items' in v) return `${v.items.join(', ')}${v.count > v.items.length ? ' …' : ''} (${v.count})`;
  return String(v);
}

export async function render(ctx) {
  const r = await api('/api/v1/rules');
  if (!ctx.alive()) return;
  const load = r.load || {};
  const warnings = load.warnings || [];
  const refused = load.refused_reload;
  ctx.root.append(
    h('h1', null, t('rules.title')),
    h(
      'section',
      {class: 'card', id: 'rules-load'},
      h('h2', null, t('rules.load')),
      h(
        'dl',
        {class: 'facts'},
        h('dt', null, t('rules.loaded')),
        h('dd', null, fmtTime(load.loaded)),
        h('dt', null, t('rules.files')),
        h('dd', {class: 'mono'}, (load.files || []).join(', ')),
        h('dt', null, t('rules.count')),
        h('dd', null, fmtNumber(load.rules)),
        h('dt', null, t('rules.reloads')),
        h('dd', null, fmtNumber(load.reloads)),
      ),
      warnings.length
        ? h(
            'table',
            {class: 'grid'},
            h('thead', null, h('tr', null, h('th', null, t('rules.where')), h('th', null, t('rules.code')), h('th', null, t('rules.message')))),
            h('tbody', null, warnings.map((w) => h('tr', null, h('td', {class: 'mono'}, `${w.file}:${w.line}:${w.column}`), h('td', {class: 'mono'}, w.code), h('td', null, w.message)))),
          )
        : h('p', {class: 'ok small'}, t('rules.no_warnings')),
      refused ? h('div', {class: 'error banner'}, h('strong', null, t('rules.refused')), h('pre', null, typeof refused === 'string' ? refused : JSON.stringify(refused, null, 2))) : null,
    ),
    h(
      'section',
      {class: 'card'},
      h('h2', null, t('rules.in_force')),
      h(
        'table',
        {class: 'grid rules', id: 'rules-table'},
        h('thead', null, h('tr', null, h('th', null, t('rules.rule')), kCounters.map((c) => h('th', {class: 'num'}, t(`counter.${c}`))))),
        h(
          'tbody',
          null,
          (r.rules || []).map((rule) => {
            const params = Object.entries(rule.params || {});
            return h(
              'tr',
              {'data-rule': rule.id},
              h(
                'td',
                null,
                h('div', {class: 'mono strong'}, rule.id),
                h('div', {class: 'small'}, ruleTitle(rule.id, rule.title)),
                h('div', {class: 'muted small mono'}, `${rule.file}:${rule.line} · ${(rule.when || []).join(', ')} · ${t('rules.window', {s: rule.window_s})}`),
                params.length
                  ? h('details', null, h('summary', {class: 'small'}, t('rules.params', {n: params.length})), h('dl', {class: 'facts small'}, params.map(([k, v]) => [h('dt', {class: 'mono'}, k), h('dd', {class: 'mono'}, paramText(v))])), h('div', {class: 'muted small mono'}, rule.fire || ''))
                  : null,
              ),
              kCounters.map((c) => h('td', {class: 'num'}, fmtNumber(rule.counters?.[c]))),
            );
          }),
        ),
      ),
    ),
  );
}
