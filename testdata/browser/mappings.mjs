// Drives the live mappings page in Debian's headless Chromium with
// Playwright and checks what a person sees. Usage:
//   node mappings.mjs BASE_URL SCREENSHOT_DIR
// Prints "ok" and exits 0, or prints what was wrong and exits 1.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'node', 'package.json'));
const { chromium } = require('playwright-core');

const [base, shots] = process.argv.slice(2);
const userData = mkdtempSync(join(tmpdir(), 'rosetta-chromium-'));
const problems = [];
const expect = (cond, what) => { if (!cond) problems.push(what); };

// A fresh profile directory per run.
const browser = await chromium.launchPersistentContext(userData, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: 60000,
});
try {
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(20000);
  // From the landing page, follow the link a person would click.
  await page.goto(base + '/');
  await page.getByRole('link', { name: 'Mappings' }).click();
  await page.waitForURL('**/mappings');
  expect((await page.title()) === 'Rosetta mappings', `title is ${await page.title()}`);

  // The rules table: the rule that matched shows its hits and series.
  const row = page.locator('table.rules tr', { hasText: 'api.*.requests' });
  await row.waitFor();
  const cells = await row.locator('td').allInnerTexts();
  expect(cells[0].includes('statsd-mapping.yml:'), `rule id cell: ${cells[0]}`);
  expect(cells[5] === '4', `hits of api.*.requests: ${cells[5]} (want 4)`);
  expect(cells[6] === '2', `series of api.*.requests: ${cells[6]} (want 2)`);
  expect(cells[7].endsWith('ago'), `last match: ${cells[7]}`);
  const drop = await page.locator('table.rules tr', { hasText: 'debug.*' }).locator('td').allInnerTexts();
  expect(drop[3] === 'drop' && drop[5] === '1', `drop rule row: ${drop}`);

  // An unmatched name with its count, and the rule suggested for it.
  const un = await page.locator('table.unmatched tr', { hasText: 'web.about.hits' }).locator('td').allInnerTexts();
  expect(un[2] === '1', `count of web.about.hits: ${un[2]}`);
  const sugg = await page.locator('pre.suggestions').innerText();
  expect(sugg.includes('match: "web.*.hits"') && sugg.includes('name: "web_hits_total"'), `suggestions: ${sugg}`);

  // A conflict with its reason (a gauge mapped onto the counter family).
  const conf = await page.locator('table.conflicts tr', { hasText: 'api_requests_total' }).locator('td').allInnerTexts();
  expect(conf.length > 2 && conf[2] === 'type', `conflict row: ${conf}`);

  await page.screenshot({ path: join(shots, 'mappings.png'), fullPage: true });

  // Choose the input in the form and show it: the page narrows to it.
  await page.selectOption('select#input', 'statsd');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL('**/mappings?input=statsd');
  expect(await page.locator('section#input-statsd').isVisible(), 'statsd section after filtering');
  await page.screenshot({ path: join(shots, 'mappings-statsd.png'), fullPage: true });

  // The JSON twin has the same numbers.
  const api = await (await page.request.get(base + '/api/v1/mappings')).json();
  const rule = api.inputs[0].rules.find(r => r.match === 'api.*.requests');
  expect(rule && rule.hits === 4 && rule.series === 2, `JSON rule: ${JSON.stringify(rule)}`);
} catch (e) {
  problems.push(String(e));
} finally {
  await browser.close();
  rmSync(userData, { recursive: true, force: true });
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
console.log('ok');
