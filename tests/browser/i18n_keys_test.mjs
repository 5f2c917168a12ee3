// The dashboard's dictionary (web/src/strings.json) is complete: every key has a non-empty
// English and Japanese text with the same {placeholders}, every key the sources name
// (t('…'), and the quoted 'namespace.key' strings the pages pass to t() through lists) is in
// it, and every family named through a template (t(`state.${s}`)) has members. No browser
// needed: node tests/browser/i18n_keys_test.mjs [ROOT].
import {readFileSync, readdirSync, statSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'web', 'src');
const dict = JSON.parse(readFileSync(join(src, 'strings.json'), 'utf8'));
const errors = [];

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
for (const [key, entry] of Object.entries(dict)) {
  for (const lang of ['en', 'ja']) {
    if (typeof entry[lang] !== 'string' || !entry[lang].trim()) errors.push(`${key}: no ${lang} text`);
  }
  const extra = Object.keys(entry).filter((l) => l !== 'en' && l !== 'ja');
  if (extra.length) errors.push(`${key}: unknown languages ${extra}`);
  if (entry.en && entry.ja && placeholders(entry.en) !== placeholders(entry.ja)) {
    errors.push(`${key}: placeholders differ: en {${placeholders(entry.en)}} ja {${placeholders(entry.ja)}}`);
  }
}
// Japanese text should look Japanese: at least most entries hold kana or kanji.
const jaLike = Object.values(dict).filter((e) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(e.ja)).length;
if (jaLike < Object.keys(dict).length * 0.8) errors.push(`only ${jaLike} Japanese texts hold Japanese script`);

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
  });
}
const namespaces = new Set(Object.keys(dict).map((k) => k.split('.')[0]));
let used = 0;
for (const file of files(src)) {
  const text = readFileSync(file, 'utf8');
  const rel = file.slice(root.length + 1);
  for (const m of text.matchAll(/\bt\('([^']+)'/g)) {
    used++;
    if (!(m[1] in dict)) errors.push(`${rel}: t('${m[1]}') is not in strings.json`);
  }
  for (const m of text.matchAll(/'([a-z]+(?:\.[a-z_0-9]+)+)'/g)) {
    if (!namespaces.has(m[1].split('.')[0]) || m[1].includes('/')) continue;
    used++;
    if (!(m[1] in dict)) errors.push(`${rel}: '${m[1]}' is not in strings.json`);
  }
  for (const m of text.matchAll(/\bt\(`([a-z_.]+)\$\{/g)) {
    if (!Object.keys(dict).some((k) => k.startsWith(m[1]))) errors.push(`${rel}: no key starts with ${m[1]}`);
  }
}
// The shipped rules' titles (rules/base/): a rule.<id> entry's English text is the file's
// title (no drift). A rule without one is reported, not failed: the Japanese page then shows
// the English title, and a rule added elsewhere must not break this test.
const rulesDir = join(root, 'rules', 'base');
for (const name of readdirSync(rulesDir).filter((n) => n.endsWith('.yaml'))) {
  const lines = readFileSync(join(rulesDir, name), 'utf8').split('\n');
  lines.forEach((line, i) => {
    const id = line.match(/^\s*- id:\s*([A-Za-z0-9_.]+)\s*$/);
    if (!id) return;
    const titleLine = lines.slice(i + 1, i + 4).find((l) => /^\s+title:/.test(l));
    const title = titleLine ? titleLine.replace(/^\s+title:\s*/, '').replace(/^["']|["']$/g, '') : null;
    const entry = dict[`rule.${id[1]}`];
    if (!entry) console.log(`note: rules/base/${name}:${i + 1}: rule ${id[1]} has no Japanese title (rule.${id[1]} in web/src/strings.json)`);
    else if (title && entry.en !== title) errors.push(`rule.${id[1]}: en "${entry.en}" is not the file's title "${title}"`);
  });
}
if (used < 50) errors.push(`only ${used} keys found in the sources: is the scan broken?`);
if (errors.length) {
  for (const e of errors) console.error(`FAIL: ${e}`);
  process.exit(1);
}
console.log(`PASS: ${Object.keys(dict).length} keys, each in English and Japanese; ${used} uses in web/src all defined`);
