// Japanese and English. Every string the pages show is a key of strings.json, which holds
// both languages for each key (tests/browser/i18n_keys_test.mjs checks that no key lacks
// one, and that every key the sources pass to t() is there). The language comes from the
// browser (navigator.languages) until the person picks one; the choice is kept in
// localStorage (it is not a secret).
import strings from './strings.json';

const kLangKey = 'bannin.lang';
let lang = initialLang();

function initialLang() {
  try {
    const saved = localStorage.getItem(kLangKey);
    if (saved === 'ja' || saved === 'en') return saved;
  } catch {
    /* storage disabled */
  }
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const p of prefs) {
    const l = String(p).toLowerCase();
    if (l.startsWith('ja')) return 'ja';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

export function currentLang() {
  return lang;
}

export function setLang(l) {
  lang = l === 'ja' ? 'ja' : 'en';
  try {
    localStorage.setItem(kLangKey, lang);
  } catch {
    /* storage disabled */
  }
  document.documentElement.lang = lang;
}

/// The text of key in the current language, with {name} replaced from vars. A missing key
/// shows itself (and the key test fails), never an empty string.
export function t(key, vars) {
  const entry = strings[key];
  let s = entry ? entry[lang] ?? entry.en : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/// True when the dictionary has the key (optional explanations, e.g. per domain state).
export function has(key) {
  return Object.prototype.hasOwnProperty.call(strings, key);
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return Number(n).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US', {maximumFractionDigits: digits});
}

/// A time as the operator reads it: local time, the date only when it is not today.
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const loc = lang === 'ja' ? 'ja-JP' : 'en-GB';
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString(loc, {hour: '2-digit', minute: '2-digit', second: '2-digit'});
  if (sameDay) return time;
  return `${d.toLocaleDateString(loc, {year: 'numeric', month: '2-digit', day: '2-digit'})} ${time}`;
}

/// "from … to …" for the headline: the second time without its date when it is the same day.
export function fmtSpan(a, b) {
  const first = fmtTime(a);
  const da = new Date(a);
  const db = new Date(b);
  if (!Number.isNaN(da.getTime()) && da.toDateString() === db.toDateString()) {
    const loc = lang === 'ja' ? 'ja-JP' : 'en-GB';
    return [first, db.toLocaleTimeString(loc, {hour: '2-digit', minute: '2-digit', second: '2-digit'})];
  }
  return [first, fmtTime(b)];
}

/// "3h 12m" / "3時間12分": how long until (positive) a time.
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  let s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [];
  if (d) parts.push(t('unit.days', {n: d}));
  if (h) parts.push(t('unit.hours', {n: h}));
  if (m && !d) parts.push(t('unit.minutes', {n: m}));
  if (!d && !h && (s || !parts.length)) parts.push(t('unit.seconds', {n: s}));
  return parts.join(lang === 'ja' ? '' : ' ');
}

/// A rule's title in the page's language: the shipped rules have theirs in strings.json
/// (rule.<id>); any other rule keeps the title its file gives (the API's).
export function ruleTitle(id, title) {
  const key = `rule.${id}`;
  if (lang === 'ja' && has(key)) return t(key);
  return title || id;
}
