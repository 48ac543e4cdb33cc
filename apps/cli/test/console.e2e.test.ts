import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadIdFor } from '@syncropel/algebra';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { adminSession, killPid, waitFor, type AdminSession } from './spl-process.js';

// The web console driven in a real headless Chromium (Debian's `chromium` package, or CHROMIUM_PATH)
// against the real `spl serve`. Screenshots land in .ci/out/screenshots/ (kept by CI as artifacts).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../../.ci/out/screenshots/', import.meta.url));
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const BEARER_KEY = 'syncropel.console.bearer';

/** A page in a fresh headless Chromium; the browser is closed and its process killed by pid when the test ends. */
async function browserPage(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: the console test needs a real browser. Install Debian's: apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH to a Chromium or Chrome binary)`);
  }
  // launchServer, not launch: it hands over the browser's process, so the test can make sure it is gone.
  const server = await chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const pid = server.process().pid;
  let browser: Browser | undefined;
  onTestFinished(async () => {
    await browser?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    if (pid !== undefined) await killPid(pid);
  });
  browser = await chromium.connect(server.wsEndpoint());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Anything the CSP refused, and any uncaught error, fails the test; so would a bearer in a URL.
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  return { page, problems, requests };
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until the text of the elements `selector` matches (all of them, joined) holds `pattern`;
 * read from Node through Playwright, so this file needs no DOM types. Returns the text.
 */
async function waitForText(page: Page, selector: string, pattern: RegExp | string, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  let text = '';
  for (;;) {
    text = (await page.locator(selector).allTextContents()).join('\n');
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`${selector} never matched ${String(pattern)}; it says: ${text.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the console keeps in the tab's sessionStorage. */
async function storedBearer(page: Page): Promise<string | null> {
  return page.evaluate(`sessionStorage.getItem(${JSON.stringify(BEARER_KEY)})`);
}

/** Signs in through the form and waits for the health view's counters. */
async function signIn(page: Page, bearer: string): Promise<void> {
  await page.fill('#bearer', bearer);
  await page.click('form.sign-in button[type=submit]');
  await page.waitForSelector('#health .counters');
}

/** An operator account for the console: reads everything, decides AITL requests; its bearer. */
function consoleBearer(s: AdminSession): { bearer: string; token_id: string } {
  expect(s.run('service-account', 'create', 'sa-console', '--scopes', 'records:read,aitl:decide').code).toBe(0);
  return s.json('token', 'create', '--sa', 'sa-console') as { bearer: string; token_id: string };
}

describe('the web console in headless Chromium', () => {
  it('signs in with a bearer kept in sessionStorage, shows a record as it is written, approves a held request and shows the work dispatched', async () => {
    const s = await adminSession();
    const { home, daemon, run, json } = s;
    await daemon.startupBackup();
    const { page, problems, requests } = await browserPage();
    const { bearer, token_id } = consoleBearer(s);

    // The page: redirected to /ui/, with the CSP and friends.
    const res = await page.goto(`${daemon.url}/ui`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toBe(CSP);
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    expect(res?.headers()['referrer-policy']).toBe('no-referrer');
    expect(await page.getAttribute('#bearer', 'type')).toBe('password');

    // A wrong bearer is refused in words, and nothing is kept.
    await page.fill('#bearer', `spl_prod_sa-console_${'x'.repeat(40)}`);
    await page.click('form.sign-in button[type=submit]');
    await waitForText(page, '#sign-in-message', /refused this bearer \(401 AUTH_REQUIRED\)/);
    expect(await storedBearer(page)).toBeNull();
    await screenshot(page, 'console-sign-in-refused');

    // The right one: health and counters, the bearer in sessionStorage only.
    await signIn(page, bearer);
    await waitForText(page, '#daemon-status', /^ready$/);
    expect(await storedBearer(page)).toBe(bearer);
    expect(await page.evaluate('[localStorage.length, document.cookie]')).toEqual([0, '']);
    expect(await page.textContent('[data-counter="status"] .value')).toBe('ready');
    await screenshot(page, 'console-health');

    // A record written through the CLI shows in its thread; a second one appears while the thread is open.
    const thread = threadIdFor('console-demo');
    const first = json('know', '--thread', 'console-demo', '--body', '{"note":"written by the CLI"}') as { id: string };
    await page.click('a[data-view="threads"]');
    await page.click(`a[title="${thread}"]`);
    await page.waitForSelector(`#records tr[data-record="${first.id}"]`);
    const second = json('know', '--thread', 'console-demo', '--body', '{"note":"appears while the thread is open"}') as { id: string };
    await page.waitForSelector(`#records tr[data-record="${second.id}"]`, { timeout: 10_000 });
    expect(await page.textContent(`#records tr[data-record="${second.id}"] pre`)).toContain('appears while the thread is open');
    await screenshot(page, 'console-thread');

    // AITL: prod work is held for a decision; approving it in the console dispatches it to the adapter.
    const runs = join(home.dir, 'runs.log');
    const script = join(home.dir, 'echo-adapter.sh');
    writeFileSync(script, `#!/bin/sh\nread -r line\necho "$line" | grep -o 'th_[0-9a-f]*' | head -1 >> ${runs}\necho '{"reply":"deployed"}'\n`, { mode: 0o755 });
    expect(run('config', 'add-adapter', '--name', 'echo', '--actor', 'did:sync:agent:echo', '--kind', 'exec', '--command', script, '--domain', 'code', '--timeout', '10s').code).toBe(0);
    expect(run('config', 'add-rule', '--name', 'code', '--expression', 'record.act == "INTEND" && record.body.domain == "code"', '--target', 'did:sync:agent:echo').code).toBe(0);
    expect(run('config', 'add-aitl-rule', '--name', 'prod', '--expression', 'record.body.env == "prod"', '--timeout', '1h').code).toBe(0);
    await page.click('a[data-view="aitl"]');
    json('intend', '--thread', 'deploy-console', '--body', '{"domain":"code","env":"prod","task":"ship"}');
    await page.waitForSelector('article.decision', { timeout: 10_000 });
    await waitForText(page, '#aitl-badge', /^1$/);
    await waitForText(page, 'article.decision pre.body', `INTEND by did:sync:sa:sa-bootstrap-env`);
    expect(await page.textContent('article.decision pre.body')).toContain('"task": "ship"');
    expect(existsSync(runs)).toBe(false);
    await page.fill('article.decision input.reason', 'approved from the console');
    await screenshot(page, 'console-aitl-pending');
    await page.click('article.decision button.approve');
    await page.waitForSelector('#aitl-decided li[data-decision="approve"]');
    // The header's pending count follows at once (the console reads health again after a decision).
    await page.waitForSelector('#aitl-badge', { state: 'hidden', timeout: 10_000 });
    await page.click('#aitl-decided li a');
    const deploy = threadIdFor('deploy-console');
    await waitForText(page, '#thread-status-value', /^closed$/, 15_000);
    await waitForText(page, '#records tr[data-act="KNOW"] pre', '"verdict": "success"');
    expect(new URL(page.url()).hash).toBe(`#/threads/${deploy}`);
    await screenshot(page, 'console-aitl-dispatched');
    // The decision is the console account's DO, with the reason; the adapter ran once.
    const records = json('thread', 'records', deploy) as { act: string; actor: string; body: Record<string, unknown> }[];
    expect(records.find((r) => r.act === 'DO')).toMatchObject({ actor: 'did:sync:sa:sa-console', body: expect.objectContaining({ reason: 'approved from the console' }) });
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([deploy]);
    expect(json('aitl', 'list')).toEqual([]);

    // Trust moved for the adapter; the backups list has the startup backup.
    await page.click('a[data-view="trust"]');
    await page.waitForSelector('table.trust');
    expect(await page.textContent('table.trust')).toContain('did:sync:agent:echo');
    await screenshot(page, 'console-trust');
    await page.click('a[data-view="backups"]');
    await page.waitForSelector('table.backups');
    expect(await page.textContent('table.backups')).toContain('rolling');
    expect(await page.textContent('#backup-guard')).toContain('no warning');
    await screenshot(page, 'console-backups');

    // A revoked bearer returns to the sign-in form, saying why; signing out forgets it.
    expect(run('token', 'revoke', token_id).code).toBe(0);
    await waitForText(page, '#sign-in-message', /^Signed out: the daemon refused the bearer \(401 AUTH_REQUIRED/);
    expect(await storedBearer(page)).toBeNull();
    await screenshot(page, 'console-revoked');

    const secret = bearer.split('_').at(-1) as string;
    expect(requests.filter((u) => u.includes(secret))).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it('shows the backup guard’s warning and the snapshot it set aside; signing out forgets the bearer', async () => {
    const s = await adminSession();
    await s.daemon.startupBackup();
    for (let i = 0; i < 5; i++) s.json('know', '--thread', 'guarded', '--body', JSON.stringify({ i }));
    expect(s.json('backup', 'create').replaced).toBe(true);
    // Lose the store: the next start's snapshot holds less than the backup, so the guard keeps the backup and warns.
    expect(await s.daemon.stop('SIGTERM')).toBe(0);
    const db = join(s.home.dir, '.syncro', 'hub.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.folds`, `${db}.verified`]) rmSync(f, { force: true });
    const daemon = await s.serveAgain();
    await daemon.startupBackup();
    await waitFor(() => daemon.output().includes('BACKUP KEPT'), 'the guard to keep the backup');

    const { page, problems } = await browserPage();
    await page.goto(`${daemon.url}/ui/`);
    // Path A minted the same bootstrap bearer again on the empty store.
    await signIn(page, s.home.bearer);
    await page.waitForSelector('#backup-warning:not([hidden])');
    expect(await page.textContent('#backup-warning')).toMatch(/^BACKUP KEPT: .*spl backup restore /);
    await page.click('a[data-view="backups"]');
    await page.waitForSelector('#backup-guard-warning');
    await page.waitForSelector('table.backups');
    expect(await page.textContent('table.backups')).toContain('suspect');
    await screenshot(page, 'console-backup-warning');

    await page.click('#sign-out');
    await page.waitForSelector('form.sign-in');
    expect(await storedBearer(page)).toBeNull();
    expect(await page.textContent('#sign-in-message')).toContain('Signed out');
    expect(problems).toEqual([]);
  }, 120_000);
});
