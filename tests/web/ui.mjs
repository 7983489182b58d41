// Browser test of the web UI, run by tests/web_ui.rs against a live supervisord:
// playwright-core drives Debian's /usr/bin/chromium (never a downloaded browser).
//
//   node tests/web/ui.mjs <scenario>   with BASE_URL, UI_USER, UI_PASS, SCREENSHOTS set
//
// Scenarios: "status" (stop/start by clicking, tail follows, restart all, resource charts,
// screenshots) and "scale" (1 000 processes: load, filter, start a group, the page stays
// responsive, charts drawn for the rows on screen only).
// Every wait has a deadline; a failure exits 1 with what was expected and a screenshot.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOTS || 'target/screenshots';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEADLINE = 20_000;
const scenario = process.argv[2] || 'status';
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // Playwright adds --user-data-dir with a fresh temp dir of its own.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const credentials = process.env.UI_USER
  ? { username: process.env.UI_USER, password: process.env.UI_PASS } : undefined;
let page;
const step = (what) => console.log(`[web-ui] ${what}`);

async function context(viewport) {
  const ctx = await browser.newContext({ viewport, httpCredentials: credentials, colorScheme: 'light' });
  ctx.setDefaultTimeout(DEADLINE);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => { console.error('[web-ui] page error:', e); process.exitCode = 1; });
  p.on('dialog', (d) => d.accept());
  return p;
}
const row = (name) => page.locator(`tr.proc[data-name="${name}"]`);
async function expectState(name, state) {
  await page.waitForFunction(([n, s]) => {
    const tr = document.querySelector(`tr.proc[data-name="${n}"]`);
    return tr && tr.dataset.s === s && tr.querySelector('.badge').textContent === s;
  }, [name, state], { timeout: DEADLINE });
}
async function live() {
  await page.waitForSelector('#live[data-live="on"]');
}
// The row's chart has at least `n` points and its figures read as CPU and memory.
async function expectChart(name, n) {
  await page.waitForFunction(([name, n]) => {
    const tr = document.querySelector(`tr.proc[data-name="${name}"]`);
    const points = tr.querySelector('.spark .cpu').getAttribute('points').trim();
    return points.split(' ').length >= n
      && /^\d+\.\d% · \d+(\.\d)? (KiB|MiB)$/.test(tr.querySelector('.figs').textContent);
  }, [name, n], { timeout: DEADLINE });
}

async function statusScenario() {
  page = await context({ width: 1280, height: 800 });
  step('load the status page');
  await page.goto(BASE + '/');
  await live();
  await expectState('clock', 'running');
  await expectState('web', 'running');
  // Marks the document: if anything reloaded the page, the mark would be gone.
  await page.evaluate(() => { window.__noReload = true; });

  step('stop a process by clicking');
  await row('web').locator('a[data-action="stop"]').click();
  await expectState('web', 'stopped');
  await page.waitForSelector('#msg.ok:text("Process web stopped")');
  step('start it again');
  await row('web').locator('a[data-action="start"]').click();
  await expectState('web', 'running');
  await page.waitForSelector('#msg.ok:text("Process web started")');

  step('group stop and start');
  await page.locator('tbody[data-group="worker"] a[data-action="stopgroup"]').click();
  for (const n of ['worker:worker_0', 'worker:worker_1']) await expectState(n, 'stopped');
  await page.locator('tbody[data-group="worker"] a[data-action="startgroup"]').click();
  for (const n of ['worker:worker_0', 'worker:worker_1']) await expectState(n, 'running');

  step('filter');
  await page.fill('#filter', 'work');
  await page.waitForFunction(() => document.querySelectorAll('tr.proc:not([hidden])').length === 2
    && document.querySelector('tr.proc[data-name="web"]').hidden);
  await page.fill('#filter', '');
  await page.waitForFunction(() => !document.querySelector('tr.proc[data-name="web"]').hidden);

  step('restart all');
  const pidBefore = await row('web').locator('.c-desc').textContent();
  await page.locator('a[data-action="restartall"]').click();
  await page.waitForSelector('#msg.ok:text("All restarted at")');
  await expectState('web', 'running');
  await expectState('clock', 'running');
  const pidAfter = await row('web').locator('.c-desc').textContent();
  if (pidBefore.split(',')[0] === pidAfter.split(',')[0]) throw new Error(`pid unchanged: ${pidAfter}`);
  if (!(await page.evaluate(() => window.__noReload))) throw new Error('the page reloaded');

  step('resource charts fill, restarts show');
  await expectChart('clock', 3);
  await expectChart('web', 3);
  const restarts = await row('web').locator('.restarts').textContent();
  if (restarts !== '↻ 2') throw new Error(`web's restarts read ${JSON.stringify(restarts)}`);
  const fatal = await row('broken').locator('.figs').textContent();
  if (fatal !== '') throw new Error(`a process that never ran shows figures: ${fatal}`);

  step('screenshots of the status page');
  await row('broken').waitFor();
  await expectState('broken', 'fatal');
  await page.mouse.move(0, 0);  // no hover on the last button clicked
  await page.screenshot({ path: join(SHOTS, 'status-1280x800.png') });

  step('open the tail of clock and see new output');
  await Promise.all([page.waitForURL(/tail\.html/), row('clock').locator('a.a-tail').first().click()]);
  await page.waitForSelector('#live[data-live="on"]');
  const last = async () => Number((await page.locator('#tailbody').textContent()).match(/tick (\d+)\s*$/)?.[1] ?? 0);
  const seen = await last();
  await page.waitForFunction((n) => {
    const m = document.getElementById('tailbody').textContent.match(/tick (\d+)\s*$/);
    return m && Number(m[1]) >= n + 3;
  }, seen, { timeout: DEADLINE });
  // Nothing doubled or lost where the page's text meets the stream's: each tick follows the
  // one before (or starts again at 1, after the restart above).
  const ticks = (await page.locator('#tailbody').textContent()).match(/tick \d+/g).map((t) => Number(t.slice(5)));
  ticks.forEach((t, i) => {
    if (i > 0 && t !== ticks[i - 1] + 1 && t !== 1) throw new Error(`tick ${t} after tick ${ticks[i - 1]} in the tail`);
  });
  await page.screenshot({ path: join(SHOTS, 'tail-1280x800.png') });

  step('phone width');
  page = await context({ width: 390, height: 844 });
  await page.goto(BASE + '/');
  await live();
  await expectState('web', 'running');
  await page.screenshot({ path: join(SHOTS, 'status-390x844.png'), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (overflow) throw new Error('the page scrolls sideways at 390 px');
}

async function scaleScenario() {
  page = await context({ width: 1280, height: 800 });
  step('load 1 000 rows');
  const t0 = Date.now();
  await page.goto(BASE + '/');
  await live();
  await page.waitForFunction(() => document.querySelectorAll('tr.proc').length === 1000);
  step(`loaded and live in ${Date.now() - t0} ms`);
  // The longest gap between frames while the feed delivers thousands of changes.
  await page.evaluate(() => {
    window.__maxGap = 0; let last = performance.now();
    const tick = (t) => { window.__maxGap = Math.max(window.__maxGap, t - last); last = t; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  step('filter 1 000 rows');
  await page.fill('#filter', 'many_0099');
  await page.waitForFunction(() => document.querySelectorAll('tr.proc:not([hidden])').length === 1);
  await page.fill('#filter', '');
  await page.waitForFunction(() => document.querySelectorAll('tr.proc:not([hidden])').length === 1000);
  step(`longest frame gap while filtering: ${Math.round(await page.evaluate(() => window.__maxGap))} ms`);
  await page.evaluate(() => { window.__maxGap = 0; });
  step('start the group of 1 000 by clicking');
  await page.locator('tbody[data-group="many"] a[data-action="startgroup"]').click();
  await page.waitForFunction(() => document.querySelectorAll('tr.proc[data-s="running"]').length === 1000,
    null, { timeout: 60_000 });
  await page.waitForSelector('#msg.ok:text("Group many started")', { timeout: 60_000 });
  const gap = await page.evaluate(() => window.__maxGap);
  step(`longest frame gap while 1 000 processes started: ${Math.round(gap)} ms`);
  if (gap > 750) throw new Error(`the page froze for ${Math.round(gap)} ms`);
  step('charts are drawn for the rows on screen, not for all 1 000');
  await expectChart('many:many_0000', 2);
  const drawn = await page.evaluate(() => [...document.querySelectorAll('.spark .cpu')]
    .filter((l) => l.getAttribute('points').trim() !== '').length);
  step(`${drawn} charts drawn`);
  if (drawn >= 200) throw new Error(`${drawn} charts drawn for 1 000 rows`);
  await page.screenshot({ path: join(SHOTS, 'status-1000-1280x800.png') });
}

try {
  await (scenario === 'scale' ? scaleScenario() : statusScenario());
  step('ok');
} catch (e) {
  console.error('[web-ui] FAILED:', e.message);
  if (page) await page.screenshot({ path: join(SHOTS, `failure-${scenario}.png`) }).catch(() => {});
  if (page) console.error('[web-ui] page text:\n' + (await page.locator('body').innerText().catch(() => '')).slice(0, 3000));
  process.exitCode = 1;
} finally {
  await browser.close();
}
