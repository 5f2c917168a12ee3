// bannin's dashboard: one page, hash routes (#/overview, #/incidents/5 …), no framework.
// Each page module exports render(ctx): it fills ctx.root, may poll with ctx.every(ms, fn)
// and registers clean-ups with ctx.onCleanup(fn); leaving the page runs them. An API answer
// 401 anywhere shows the token screen (the token is kept in sessionStorage only).
import './style.css';
import {AuthError, setToken, token, api} from './api.js';
import {h, replace} from './dom.js';
import {currentLang, setLang, t} from './i18n.js';
import * as overview from './pages/overview.js';
import * as incidents from './pages/incidents.js';
import * as decisions from './pages/decisions.js';
import * as domains from './pages/domains.js';
import * as rules from './pages/rules.js';

const kPages = [
  {id: 'overview', mod: overview, label: 'nav.overview'},
  {id: 'incidents', mod: incidents, label: 'nav.incidents'},
  {id: 'decisions', mod: decisions, label: 'nav.decisions'},
  {id: 'domains', mod: domains, label: 'nav.domains'},
  {id: 'rules', mod: rules, label: 'nav.rules'},
];

const app = document.getElementById('app');
let cleanups = [];
let generation = 0;
let authMessage = null;  // set when the token screen is shown

function runCleanups() {
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      /* a page's clean-up never stops the next page */
    }
  }
}

function parseRoute() {
  const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  const page = kPages.find((p) => p.id === parts[0]) || kPages[0];
  return {page, params: parts.slice(1)};
}

function header(active) {
  return h(
    'header',
    {class: 'top'},
    h('a', {class: 'brand', href: '#/overview'}, h('span', {class: 'brand-ja'}, '番人'), h('span', {class: 'brand-en'}, 'bannin')),
    h(
      'nav',
      null,
      kPages.map((p) => h('a', {href: `#/${p.id}`, class: p.id === active ? 'active' : '', 'data-page': p.id}, t(p.label))),
    ),
    h(
      'div',
      {class: 'tools'},
      token() ? h('button', {class: 'link', id: 'forget-token', onclick: () => forgetToken()}, t('token.forget')) : null,
      h(
        'button',
        {class: 'lang', id: 'lang-switch', title: t('lang.switch'), onclick: () => switchLang()},
        currentLang() === 'ja' ? 'English' : '日本語',
      ),
    ),
  );
}

function switchLang() {
  setLang(currentLang() === 'ja' ? 'en' : 'ja');
  if (authMessage !== null) showToken(authMessage);
  else route();
}

function forgetToken() {
  setToken('');
  route();
}

function showToken(hadToken) {
  runCleanups();
  generation++;
  authMessage = hadToken;
  const input = h('input', {type: 'password', id: 'token-input', autocomplete: 'off', spellcheck: 'false', required: true});
  const msg = hadToken
    ? h('p', {class: 'error', id: 'token-error', role: 'alert'}, t('token.wrong'))
    : h('p', {class: 'hint'}, t('token.needed'));
  const form = h(
    'form',
    {
      class: 'token-form card',
      onsubmit: (e) => {
        e.preventDefault();
        setToken(input.value.trim());
        authMessage = null;
        route();
      },
    },
    h('h1', null, t('token.title')),
    msg,
    h('label', {for: 'token-input'}, t('token.label')),
    input,
    h('p', {class: 'hint small'}, t('token.where')),
    h('button', {type: 'submit', id: 'token-submit'}, t('token.submit')),
  );
  replace(app, header(''), h('main', null, form));
  input.focus();
}

export async function route() {
  runCleanups();
  authMessage = null;
  const my = ++generation;
  const {page, params} = parseRoute();
  document.documentElement.lang = currentLang();
  document.title = `${t(page.label)} — bannin`;
  const root = h('main', {id: `page-${page.id}`});
  replace(app, header(page.id), root);
  const ctx = {
    root,
    params,
    alive: () => my === generation,
    onCleanup: (fn) => cleanups.push(fn),
    every: (ms, fn) => {
      // One refresh at a time: a slow daemon gets fewer requests, never a pile of them.
      let busy = false;
      const id = setInterval(() => {
        if (my !== generation || busy) return;
        busy = true;
        fn()
          .catch(fail)
          .finally(() => {
            busy = false;
          });
      }, ms);
      cleanups.push(() => clearInterval(id));
    },
    navigate: (hash) => {
      location.hash = hash;
    },
  };
  try {
    await page.mod.render(ctx);
  } catch (e) {
    fail(e);
  }

  function fail(e) {
    if (my !== generation) return;
    if (e instanceof AuthError) {
      showToken(e.hadToken);
      return;
    }
    console.error(e);
    root.prepend(h('div', {class: 'error banner', role: 'alert'}, t('error.api', {message: e.message})));
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('bannin:auth', (e) => {
  if (authMessage === null) showToken(e.detail.hadToken);
});
setLang(currentLang());
// Ask once before the first page whether the API takes us (the token screen otherwise).
api('/api/v1/status')
  .then(() => route())
  .catch((e) => (e instanceof AuthError ? showToken(e.hadToken) : route()));
