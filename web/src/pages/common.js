// Pieces several pages share: a decision's target as text, time left, the revoke button
// (with a confirmation step) that calls DELETE /api/v1/decisions/{target} (addresses and
// prefixes) or ?id= (every other scope).
import {api} from '../api.js';
import {h, replace} from '../dom.js';
import {currentLang, fmtDuration, t} from '../i18n.js';

export function targetText(d) {
  const tg = d.target;
  if (tg === null || tg === undefined) return d.target_key || '–';
  if (typeof tg === 'string') return tg;
  if (tg.ip) return tg.ip;
  if (tg.prefix) return tg.prefix;
  const parts = [];
  if (tg.method) parts.push(tg.method);
  if ('vhost' in tg || 'path' in tg) parts.push(`${tg.vhost || '*'}${tg.path || ''}`);
  if (tg.except_countries && tg.except_countries.length) parts.push(t('decision.except', {list: tg.except_countries.join(', ')}));
  return parts.length ? parts.join(' ') : JSON.stringify(tg);
}

/// The address or prefix the revoke API takes by target, or null (other scopes: a site, a
/// path, a file … are revoked by id, revokePath).
export function revokeTarget(d) {
  const tg = d.target;
  if (typeof tg === 'string' && (d.scope === 'ip' || d.scope === 'prefix')) return tg;
  if (tg && typeof tg === 'object') return tg.ip || tg.prefix || null;
  return null;
}

/// The DELETE path that revokes d: by address or prefix, else by the decision's id; null when
/// the row has neither.
function revokePath(d) {
  const target = revokeTarget(d);
  if (target) return `/api/v1/decisions/${encodeURIComponent(target)}?`;
  if (Number.isInteger(d.id) && d.id > 0) return `/api/v1/decisions?id=${d.id}&`;
  return null;
}

/// The decision's reason in the page's language (reason_ja when the API gives one).
export function reasonText(d) {
  return (currentLang() === 'ja' && d.reason_ja) || d.reason || '';
}

export function timeLeft(d) {
  if (d.expires_in_s !== undefined) return d.expires_in_s;
  if (d.expires) return (Date.parse(d.expires) - Date.now()) / 1000;
  return null;
}

export function inForce(d) {
  const left = timeLeft(d);
  return (d.state === 'active' || d.state === 'proposed') && (left === null || left > 0);
}

export function stateBadge(state) {
  return h('span', {class: `state state-${state}`}, t(`state.${state}`));
}

export function leftText(d) {
  const left = timeLeft(d);
  return left === null ? '–' : fmtDuration(left);
}

/// A "Revoke" button; a click asks to confirm in place, the second click revokes, then
/// onDone() runs (the page reloads what it shows).
export function revokeButton(d, onDone) {
  const path = revokePath(d);
  const target = revokeTarget(d) || targetText(d);
  const box = h('span', {class: 'revoke'});
  if (!path) {
    box.append(h('span', {class: 'muted small', title: t('decision.no_revoke_hint')}, t('decision.no_revoke')));
    return box;
  }
  const ask = () => {
    const yes = h('button', {class: 'danger', 'data-confirm': target, onclick: () => run()}, t('decision.confirm'));
    const no = h('button', {class: 'link', onclick: () => idle()}, t('decision.cancel'));
    replace(box, h('span', {class: 'small'}, t('decision.confirm_q', {target})), ' ', yes, ' ', no);
  };
  const idle = () => replace(box, h('button', {class: 'danger-outline', 'data-revoke': target, 'data-revoke-id': String(d.id ?? ''), onclick: ask}, t('decision.revoke')));
  const run = async () => {
    replace(box, h('span', {class: 'muted small'}, t('decision.revoking')));
    try {
      await api(`${path}note=${encodeURIComponent(t('decision.revoke_note'))}`, {method: 'DELETE'});
      replace(box, h('span', {class: 'ok small'}, t('decision.revoked')));
      if (onDone) await onDone(target);
    } catch (e) {
      replace(box, h('span', {class: 'error small', role: 'alert'}, e.message), ' ');
      box.append(h('button', {class: 'link', onclick: idle}, t('decision.retry')));
    }
  };
  idle();
  return box;
}

/// The line shown above a list after a revoke from the page.
export function revokedNotice(target) {
  return target ? h('p', {class: 'notice ok', role: 'status', 'data-revoked': target}, t('decision.revoked_target', {target})) : null;
}

export function decisionsTable(list, onChanged, {showRule = true} = {}) {
  return h(
    'table',
    {class: 'grid decisions'},
    h(
      'thead',
      null,
      h('tr', null, h('th', null, t('decision.id')), h('th', null, t('decision.state')), h('th', null, t('decision.scope')), h('th', null, t('decision.target')), h('th', null, t('decision.left')), showRule ? h('th', null, t('decision.rule')) : null, h('th', null, t('decision.reason')), h('th', null, '')),
    ),
    h(
      'tbody',
      null,
      list.map((d) =>
        h(
          'tr',
          {'data-decision': d.id},
          h('td', {class: 'num'}, d.id),
          h('td', null, stateBadge(d.state)),
          h('td', null, t(`scope.${d.scope}`)),
          h('td', {class: 'mono'}, targetText(d)),
          h('td', {class: 'nowrap'}, inForce(d) ? leftText(d) : '–'),
          showRule ? h('td', {class: 'mono small'}, d.rule || '–') : null,
          h('td', {class: 'reason'}, reasonText(d)),
          h('td', null, inForce(d) ? revokeButton(d, onChanged) : null),
        ),
      ),
    ),
  );
}
