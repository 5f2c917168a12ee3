// Decisions: what is in force (or any state), searchable; add one (address or prefix, TTL,
// reason: POST /api/v1/decisions) and revoke (DELETE /api/v1/decisions/{target}).
import {api, ApiError} from '../api.js';
import {h, replace} from '../dom.js';
import {fmtNumber, t} from '../i18n.js';
import {decisionsTable, inForce, revokedNotice, targetText} from './common.js';

const kStates = ['in_force', 'active', 'proposed', 'expired', 'revoked', 'failed', 'all'];

export async function render(ctx) {
  const state = h('select', {id: 'decision-state'}, kStates.map((s) => h('option', {value: s}, t(`decisions.filter.${s}`))));
  const q = h('input', {type: 'search', id: 'decision-q', placeholder: t('decisions.search')});
  const box = h('div', {id: 'decision-list'});
  const count = h('span', {class: 'muted small'});

  const target = h('input', {id: 'add-target', placeholder: '192.0.2.7 / 2001:db8::/48', required: true, spellcheck: 'false'});
  const ttl = h('input', {id: 'add-ttl', value: '1h', size: 6, required: true});
  const reason = h('input', {id: 'add-reason', placeholder: t('decisions.reason_ph'), required: true, class: 'wide'});
  const addMsg = h('div', {id: 'add-message'});
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: async (e) => {
        e.preventDefault();
        replace(addMsg);
        try {
          const row = await api('/api/v1/decisions', {method: 'POST', body: {target: target.value.trim(), ttl: ttl.value.trim(), reason: reason.value.trim()}});
          replace(addMsg, h('span', {class: 'ok'}, t('decisions.added', {target: targetText(row), state: t(`state.${row.state}`)})));
          target.value = '';
          reason.value = '';
          await load();
        } catch (err) {
          const field = err instanceof ApiError && err.code ? ` (${err.code})` : '';
          replace(addMsg, h('span', {class: 'error', role: 'alert'}, `${err.message}${field}`));
        }
      },
    },
    h('label', null, t('decisions.target'), target),
    h('label', null, t('decisions.ttl'), ttl),
    h('label', {class: 'grow'}, t('decisions.reason'), reason),
    h('button', {type: 'submit', id: 'add-submit'}, t('decisions.add')),
  );

  ctx.root.append(
    h('h1', null, t('decisions.title')),
    h('section', {class: 'card'}, h('h2', null, t('decisions.add_title')), h('p', {class: 'hint small'}, t('decisions.add_hint')), form, addMsg),
    h('section', {class: 'card'}, h('div', {class: 'toolbar'}, state, q, count), box),
  );

  let rows = [];
  let revoked = null;
  const draw = () => {
    const text = q.value.trim().toLowerCase();
    const s = state.value;
    const shown = rows.filter((d) => {
      if (s === 'in_force' && !inForce(d)) return false;
      if (text) {
        const hay = `${targetText(d)} ${d.rule || ''} ${d.reason || ''} ${d.scope}`.toLowerCase();
        if (!hay.includes(text)) return false;
      }
      return true;
    });
    count.textContent = t('decisions.count', {n: fmtNumber(shown.length), all: fmtNumber(rows.length)});
    replace(box, revokedNotice(revoked), shown.length ? decisionsTable(shown.slice(0, 500), load) : h('p', {class: 'empty'}, t('decisions.none')));
  };
  const load = async (target) => {
    revoked = typeof target === 'string' ? target : null;
    const s = state.value;
    const param = s === 'all' || s === 'in_force' ? '' : `?state=${s}`;
    rows = await api(`/api/v1/decisions${param}`);
    if (ctx.alive()) draw();
  };
  state.addEventListener('change', () => load().catch(() => {}));  // a 401 shows the token screen
  q.addEventListener('input', draw);
  await load();
}
