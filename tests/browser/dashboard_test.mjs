// Driven by dashboard_test.sh (which starts the daemon): Playwright on Debian's chromium
// against the dashboard the daemon serves. Env: API, TOKEN, SHOTS, CHROMIUM, ROOT.
import {createRequire} from 'node:module';
import {join} from 'node:path';

const {API, TOKEN, SHOTS, CHROMIUM, ROOT} = process.env;
const require = createRequire(join(ROOT, 'web', 'package.json'));
const {chromium} = require('playwright-core');

const failures = [];
function check(cond, what) {
  if (!cond) {
    failures.push(what);
    console.error(`FAIL: ${what}`);
  }
}

async function apiGet(path) {
  const r = await fetch(API + path, {headers: {Authorization: `Bearer ${TOKEN}`}});
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

async function shot(page, name) {
  await page.screenshot({path: join(SHOTS, `${name}.png`), fullPage: true});
}

async function signIn(page, token) {
  await page.waitForSelector('#token-input', {timeout: 10000});
  await page.fill('#token-input', token);
  await page.click('#token-submit');
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // Root in a container: chromium's sandbox needs user namespaces it may not have.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const consoleErrorsAll = [];
try {
  const consoleErrors = consoleErrorsAll;
  const en = await browser.newContext({locale: 'en-US', viewport: {width: 1360, height: 900}});
  const page = await en.newPage();
  page.on('console', (m) => {
    // The browser logs every refused request: the 401s of the token steps are expected, and
    // so is the 400 of the refused decision (the form step below).
    if (m.type() !== 'error') return;
    if (/status of 401/.test(m.text())) return;
    if (/status of 400/.test(m.text()) && /\/api\/v1\/decisions$/.test(m.location()?.url || '')) return;
    consoleErrors.push(`${m.text()} (${m.location()?.url || '?'})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. No token: the token screen. A wrong token: the clear message.
  const resp = await page.goto(`${API}/`);
  const headers = resp.headers();
  check(headers['content-security-policy']?.includes("default-src 'self'"), `CSP header: ${headers['content-security-policy']}`);
  check(headers['x-content-type-options'] === 'nosniff', 'X-Content-Type-Options');
  check(headers['referrer-policy'] === 'no-referrer', 'Referrer-Policy');
  check(!(await page.content()).includes('built without the dashboard'), 'this binary serves the notice, not the dashboard');
  await page.waitForSelector('#token-input', {timeout: 10000});
  await shot(page, 'token');
  await signIn(page, 'not-the-token');
  const wrong = await page.waitForSelector('#token-error', {timeout: 10000});
  const wrongText = await wrong.textContent();
  check(/not accepted/.test(wrongText) && /api\.token/.test(wrongText), `wrong-token message: ${wrongText}`);
  await shot(page, 'token-wrong');

  // 2. The right token: the overview, with a non-zero live chart of lines per source.
  const t0 = Date.now();
  await signIn(page, TOKEN);
  await page.waitForSelector('#page-overview[data-ready]', {timeout: 20000});
  const afterToken = Date.now() - t0;
  // "Overview ready" as a person opening the page sees it: a fresh load (the token is in the
  // tab's sessionStorage now) until every first answer is drawn. Reported, not asserted.
  const times = [];
  for (let i = 0; i < 3; i++) {
    await page.reload();
    await page.waitForSelector('#page-overview[data-ready]', {timeout: 20000});
    times.push(Number(await page.getAttribute('#page-overview', 'data-ready')));
  }
  console.log(`overview ready: ${times.join(', ')} ms from navigation start (3 loads; ${afterToken} ms after the token was sent)`);
  check(!page.url().includes(TOKEN), 'the token is in the URL');
  const max = Number(await page.getAttribute('#chart-sources', 'data-max'));
  check(max > 0, `lines-per-source chart max ${max}`);
  check((await page.locator('#chart-sources canvas').count()) > 0, 'no canvas in the lines-per-source chart');
  const kpiMax = await page.$$eval('#overview-kpis .chart[data-max]', (els) => els.map((e) => Number(e.dataset.max)));
  check(kpiMax.length > 0 && kpiMax.some((v) => v > 0), `KPI charts: ${JSON.stringify(kpiMax)}`);
  const memMarkers = Number(await page.getAttribute('#overview-kpis .chart[data-series="mem.available_permille"]', 'data-markers'));
  check(memMarkers > 0, `host.memory.low findings marked on the memory chart: ${memMarkers}`);
  const findingsCard = await page.textContent('#card-lines .value');
  check(Number(findingsCard.replace(/[^0-9]/g, '')) > 0, `lines read card: ${findingsCard}`);
  await page.waitForTimeout(1200);  // one live refresh
  await shot(page, 'overview');

  // 3. The form-relay incident: listed, and its page with evidence and numbers.
  await page.click('nav a[data-page="incidents"]');
  const row = page.locator('tr[data-rule="web.form_relay.many_sources"]', {hasText: '/contact/'});
  await row.first().waitFor({timeout: 10000});
  check((await row.count()) === 1, `form-relay rows on /contact/: ${await row.count()}`);
  await shot(page, 'incidents');
  await row.first().click();
  await page.waitForSelector('#incident-evidence', {timeout: 10000});
  const evidence = await page.textContent('#incident-evidence');
  const lines = evidence.split('\n').filter(Boolean);
  check(lines.length >= 3 && lines.every((l) => l.includes('POST /contact/')), `evidence: ${lines.slice(0, 3)}`);
  const headline = await page.textContent('#incident-headline');
  const m = headline.match(/(\d+) addresses in (\d+) countries/);
  check(m && Number(m[1]) >= 10 && Number(m[2]) >= 3, `headline: ${headline}`);
  const numbers = await page.textContent('#incident-numbers');
  check(/sources/.test(numbers) && /from abroad/.test(numbers) && /%/.test(numbers), `numbers: ${numbers}`);
  check((await page.locator('#incident-countries .bar-row').count()) >= 3, 'countries');
  check((await page.locator('#incident-chart canvas').count()) > 0, 'incident chart');
  await shot(page, 'incident');

  // 4. Revoke one of its decisions from the page (whatever its scope: an address by target,
  // the form's path containment by id): gone from the API's decisions in force.
  const button = page.locator('#incident-decisions button[data-revoke]').first();
  await button.waitFor({timeout: 10000});
  const target = await button.getAttribute('data-revoke');
  const id = Number(await button.getAttribute('data-revoke-id'));
  check(id > 0, `the revoke button names no decision id (${target})`);
  const inForce = (rows) =>
    rows.filter((d) => (d.state === 'active' || d.state === 'proposed') && Date.parse(d.expires) > Date.now() && d.id === id);
  check(inForce(await apiGet('/api/v1/decisions')).length > 0, `${target} is not in force before the revoke`);
  await button.click();
  await page.click(`button[data-confirm="${target}"]`);
  await page.waitForSelector(`[data-revoked="${target}"]`, {timeout: 10000});
  await shot(page, 'incident-revoked');
  let still = [];
  for (let i = 0; i < 50; i++) {
    still = inForce(await apiGet('/api/v1/decisions'));
    if (!still.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check(still.length === 0, `after the revoke ${target} is still in force: ${JSON.stringify(still)}`);
  const revoked = (await apiGet('/api/v1/decisions?state=revoked')).filter((d) => d.id === id);
  check(revoked.length > 0, `${target} (decision ${id}) is not listed as revoked`);
  console.log(`revoked from the page: ${target} (decision ${id})`);

  // 5. The other pages.
  await page.click('nav a[data-page="decisions"]');
  await page.waitForSelector('#decision-list table, #decision-list .empty', {timeout: 10000});
  check((await page.locator('#decision-list tr[data-decision]').count()) > 0, 'decisions page: no rows in force');
  // Add one from the form: it reaches the API; a bad target gets the API's message.
  await page.fill('#add-target', '192.0.2.77');
  await page.fill('#add-ttl', '2h');
  await page.fill('#add-reason', 'browser test: added from the dashboard');
  await page.click('#add-submit');
  await page.waitForSelector('#add-message .ok', {timeout: 10000});
  const added = (await apiGet('/api/v1/decisions')).filter((d) => d.target?.ip === '192.0.2.77' && d.reason === 'browser test: added from the dashboard');
  check(added.length === 1 && added[0].ttl_s === 7200, `added decision: ${JSON.stringify(added)}`);
  await page.fill('#add-target', '2001:db8::1/48');
  await page.fill('#add-reason', 'host bits set');
  await page.click('#add-submit');
  const bad = await page.waitForSelector('#add-message .error', {timeout: 10000});
  check(/2001:db8::\/48/.test(await bad.textContent()), `bad target message: ${await bad.textContent()}`);
  await page.fill('#decision-q', '192.0.2.77');
  await page.waitForSelector('#decision-list tr[data-decision]', {timeout: 10000});
  check((await page.locator('#decision-list tr[data-decision]').count()) === 1, 'the filter did not narrow the list to the added decision');
  await page.fill('#decision-q', '');
  await shot(page, 'decisions');
  await page.click('nav a[data-page="domains"]');
  const held = page.locator('section[data-domain="heldshop.test"]');
  await held.waitFor({timeout: 10000});
  const heldText = await held.textContent();
  check(/server_hold/.test(heldText) && /registry removed the domain/.test(heldText), `domains page: ${heldText.slice(0, 300)}`);
  check((await page.locator('section[data-domain="goodshop.test"]').count()) === 1, 'goodshop.test not listed');
  await shot(page, 'domains');
  await page.click('section[data-domain="heldshop.test"] h2 a');
  await page.waitForSelector('#domain-timeline li', {timeout: 10000});
  check(/server_hold/.test(await page.textContent('#domain-timeline')), 'no server_hold in the timeline');
  await shot(page, 'domain');
  await page.click('nav a[data-page="rules"]');
  await page.waitForSelector('#rules-table tr[data-rule="web.form_relay.many_sources"]', {timeout: 10000});
  const relayRule = await page.textContent('#rules-table tr[data-rule="web.form_relay.many_sources"]');
  check(/web\.form_relay\.many_sources/.test(relayRule), 'rules page');
  await shot(page, 'rules');

  // 6. Switch to Japanese on the page; then a Japanese browser from the start.
  await page.click('#lang-switch');
  await page.waitForFunction(() => document.querySelector('nav a[data-page="incidents"]')?.textContent === 'インシデント');
  check((await page.textContent('h1')) === 'ルール', `switched heading: ${await page.textContent('h1')}`);
  const ja = await browser.newContext({locale: 'ja-JP', viewport: {width: 1360, height: 900}});
  const jp = await ja.newPage();
  await jp.goto(`${API}/`);
  await jp.waitForSelector('#token-input', {timeout: 10000});
  check(/トークン/.test(await jp.textContent('main')), 'the Japanese token screen');
  await signIn(jp, TOKEN);
  await jp.waitForSelector('#page-overview[data-ready]', {timeout: 20000});
  const nav = await jp.textContent('nav');
  check(nav.includes('概要') && nav.includes('措置') && nav.includes('ルール'), `Japanese navigation: ${nav}`);
  check((await jp.textContent('#page-overview h1')) === '概要', 'Japanese overview heading');
  check(await jp.evaluate(() => document.documentElement.lang === 'ja'), 'html lang is not ja');
  await shot(jp, 'overview-ja');
  await jp.goto(`${API}/#/incidents`);
  await jp.locator('tr[data-rule="web.form_relay.many_sources"]').first().click();
  await jp.waitForSelector('#incident-evidence', {timeout: 10000});
  const jaHead = await jp.textContent('#incident-headline');
  check(/か国/.test(jaHead) && /件の検知/.test(jaHead), `Japanese headline: ${jaHead}`);
  const jaTitle = await jp.textContent('#incident-title');
  check(/中継悪用/.test(jaTitle), `Japanese rule title: ${jaTitle}`);
  await shot(jp, 'incident-ja');
  for (const pageId of ['decisions', 'domains', 'rules']) {
    await jp.click(`nav a[data-page="${pageId}"]`);
    await jp.waitForSelector(`#page-${pageId} table`, {timeout: 10000});
    await shot(jp, `${pageId}-ja`);
  }
  check(/読み込み結果/.test(await jp.textContent('#page-rules')), 'Japanese rules page');

  check(consoleErrors.length === 0, `console errors: ${consoleErrors.slice(0, 5).join(' | ')}`);
} catch (e) {
  // Leave what the browser showed, and what it said, for whoever reads the log.
  for (const ctx of browser.contexts()) {
    for (const [i, p] of ctx.pages().entries()) {
      await p.screenshot({path: join(SHOTS, `failure-${i}.png`), fullPage: true}).catch(() => {});
    }
  }
  console.error(`browser console: ${consoleErrorsAll.join(' | ') || '(nothing)'}`);
  throw e;
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} failed`);
  process.exit(1);
}
console.log('all browser checks passed');
