// The web console in a real browser: Debian's chromium, headless, driven by playwright-core
// against a real 3-node cluster. Upload on node-1 and see the file from node-3 owned by node-1,
// move it to node-2, delete it, and see a change made by plain HTTP appear without a reload;
// the page must run under its Content-Security-Policy without a single violation. Every wait is
// bounded. With CONSOLE_SCREENSHOTS=<dir> the main screens are saved there as PNG
// (docs/console-*.png are made this way).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, sha256 } from '../support/http.js';
import { API_KEY } from '../support/node.js';

const CHROMIUM = '/usr/bin/chromium';
/** Bound of every browser wait (a busy 2-core host runs three nodes beside the browser). */
const WAIT_MS = 15_000;
const SHOTS = process.env.CONSOLE_SCREENSHOTS;

// Code run in the page is written as strings: this file is compiled without the DOM's types.
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`;

/** Launches chromium with a fresh profile and nothing that reaches for the network. */
async function launch(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('e2e: the web console in chromium on 3 nodes', function () {
  this.timeout(240_000);
  let cluster: TestCluster;
  let context: BrowserContext;
  let profile: string;
  let n1: string, n2: string, n3: string;
  /** CSP violations and page errors seen by any page: the suite ends by asserting none. */
  const problems: string[] = [];

  before(function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
    }
  });

  before(async function () {
    this.timeout(240_000);
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
    profile = await mkdtemp(join(tmpdir(), 'callfs-chromium-'));
    context = await launch(profile);
    context.setDefaultTimeout(WAIT_MS);
    // Before any page script: a violation while the page loads is reported too.
    await context.addInitScript(REPORT_CSP_VIOLATIONS);
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
  });

  after(async function () {
    this.timeout(60_000);
    await context?.close().catch(() => undefined);
    if (profile) await rm(profile, { recursive: true, force: true });
    await cluster?.stop();
  });

  /** A page of the console on `base`, past the key form. */
  async function open(base: string, hash = '#/browse/'): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      // Failed loads are reported below with their URL.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
        problems.push(`console: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      // A refused upload is the conflict test's point, and a node coming back may answer 503
      // for a moment (the console retries); anything else failing is a defect.
      if (r.status() >= 400 && r.status() !== 409 && r.status() !== 503) {
        problems.push(`${r.status()} ${r.url()}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${base}/ui/${hash}`);
    await page.fill('#key-input', API_KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector(
      hash.startsWith('#/cluster') ? '#nodes-body tr' : '#listing-body tr',
    );
    return page;
  }

  const row = (page: Page, path: string) =>
    page.locator(`#listing-body tr[data-path=${JSON.stringify(path)}]`);

  async function shot(page: Page, name: string): Promise<void> {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `console-${name}.png`), fullPage: true });
  }

  it('should serve the console page under its own CSP when /ui/ is fetched', async () => {
    const res = await fetch(`${n2}/ui/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(res.status).to.equal(200);
    expect(csp).to.include("script-src 'self'").and.not.include('unsafe');
  });

  it('should show a file uploaded on node-1 from node-3 with owner node-1', async () => {
    const data = randomBytes(300 * 1024);
    const p1 = await open(n1);
    await p1.click('#mkdir-button');
    await p1.fill('#dialog-body input', 'shared');
    await p1.click('#dialog-ok');
    await p1.click('#listing-body a[href="#/browse/shared"]');
    await p1.waitForSelector('#crumbs [aria-current=page]:text("shared")');
    await p1.setInputFiles('#upload-input', {
      name: 'report.bin',
      mimeType: 'application/octet-stream',
      buffer: data,
    });
    await p1.waitForSelector('#uploads li.done[data-path="/shared/report.bin"]');
    await row(p1, '/shared/report.bin').waitFor();
    expect(await p1.isVisible('#alert')).to.equal(false);
    await shot(p1, 'files');

    const p3 = await open(n3, '#/browse/shared');
    await row(p3, '/shared/report.bin').waitFor();
    const node = await row(p3, '/shared/report.bin').locator('.node-cell').textContent();
    const got = await call(n3, 'GET', '/v1/files/shared/report.bin');
    expect(node).to.match(/^node-1 · localfs/);
    expect(got.headers.get('x-callfs-instance-id')).to.equal('node-1');
    expect(sha256(Buffer.from(await got.arrayBuffer()))).to.equal(sha256(data));
    await p3.close();
    await p1.close();
  });

  it('should upload 16 MiB through another node with its progress bar filled to the size', async () => {
    const data = randomBytes(16 * 1024 * 1024);
    expect((await call(n1, 'POST', '/v1/files/big/')).status).to.equal(201);
    const page = await open(n2, '#/browse/big');
    await page.setInputFiles('#upload-input', {
      name: 'big.bin',
      mimeType: 'application/octet-stream',
      buffer: data,
    });
    const done = page.locator('#uploads li.done[data-path="/big/big.bin"]');
    await done.waitFor({ timeout: 60_000 });
    const bar = await done
      .locator('progress')
      .evaluate((p) => [p.getAttribute('max'), String((p as unknown as { value: number }).value)]);
    const got = await call(n3, 'GET', '/v1/files/big/big.bin');
    expect(bar).to.deep.equal([String(data.length), String(data.length)]);
    expect(got.headers.get('x-callfs-instance-id')).to.equal('node-2');
    expect(sha256(Buffer.from(await got.arrayBuffer()))).to.equal(sha256(data));
    await page.close();
  });

  it('should open a folder from the folder tree', async () => {
    const page = await open(n2);
    await page.click('#tree li[data-path="/shared"] > a');
    await page.waitForSelector('#crumbs [aria-current=page]:text("shared")');
    await row(page, '/shared/report.bin').waitFor();
    const current = page.locator('#tree li[data-path="/shared"] > a[aria-current=page]');
    expect(await current.count()).to.equal(1);
    await page.close();
  });

  it('should move a file to node-2 with a new name when Move to node is chosen', async () => {
    const data = randomBytes(64 * 1024);
    expect((await call(n1, 'PUT', '/v1/files/moves/a.bin', { body: data })).status).to.equal(201);
    const p3 = await open(n3, '#/browse/moves');
    await p3.click('button[aria-label="Move a.bin"]');
    await p3.fill('#dialog-body input[type=text]', '/moves/b.bin');
    await p3.selectOption('#dialog-body select', 'node-2');
    await shot(p3, 'move');
    await p3.click('#dialog-ok');
    await row(p3, '/moves/b.bin').waitFor();
    await row(p3, '/moves/a.bin').waitFor({ state: 'detached' });
    const node = await row(p3, '/moves/b.bin').locator('.node-cell').textContent();
    const head = await call(n1, 'HEAD', '/v1/files/moves/b.bin');
    const got = await call(n1, 'GET', '/v1/files/moves/b.bin');
    expect(node).to.match(/^node-2/);
    expect(head.headers.get('x-callfs-instance-id')).to.equal('node-2');
    expect(sha256(Buffer.from(await got.arrayBuffer()))).to.equal(sha256(data));
    await p3.close();
  });

  it('should download the bytes of a file owned by another node when Download is clicked', async () => {
    const data = randomBytes(128 * 1024);
    expect((await call(n2, 'PUT', '/v1/files/dl/d.bin', { body: data })).status).to.equal(201);
    const page = await open(n3, '#/browse/dl');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.click('button[aria-label="Download d.bin"]'),
    ]);
    const saved = join(profile, 'd.bin');
    await download.saveAs(saved);
    expect(download.suggestedFilename()).to.equal('d.bin');
    expect(sha256(await readFile(saved))).to.equal(sha256(data));
    await page.close();
  });

  it('should show a single-use link that downloads once when Link is used', async () => {
    expect((await call(n1, 'PUT', '/v1/files/dl/l.txt', { body: 'linked' })).status).to.equal(201);
    const page = await open(n2, '#/browse/dl');
    await page.click('button[aria-label="Link l.txt"]');
    await page.click('#dialog-ok');
    const url = await page.locator('#dialog-body input.link-url').inputValue();
    const first = await fetch(url);
    const second = await fetch(url);
    expect(await first.text()).to.equal('linked');
    expect(second.status).to.equal(410);
    await page.keyboard.press('Escape');
    await page.close();
  });

  it('should show a file created by plain HTTP on another node without a reload', async () => {
    expect((await call(n1, 'POST', '/v1/files/live/')).status).to.equal(201);
    const p1 = await open(n1, '#/browse/live');
    await p1.waitForSelector('#live-state[data-state=live]');
    await p1.evaluate('window.marker = 42');
    expect((await call(n2, 'PUT', '/v1/files/live/from-curl.txt', { body: 'hi' })).status).to.equal(
      201,
    );
    await row(p1, '/live/from-curl.txt').waitFor();
    const marker = await p1.evaluate('window.marker');
    expect(marker).to.equal(42);
    await p1.close();
  });

  it('should delete a file after the confirmation is accepted', async () => {
    expect((await call(n2, 'PUT', '/v1/files/del/x.txt', { body: 'x' })).status).to.equal(201);
    const p1 = await open(n1, '#/browse/del');
    await p1.click('button[aria-label="Delete x.txt"]');
    await p1.waitForSelector('#dialog[open]');
    await shot(p1, 'delete');
    await p1.click('#dialog-ok');
    await row(p1, '/del/x.txt').waitFor({ state: 'detached' });
    const head = await call(n3, 'HEAD', '/v1/files/del/x.txt');
    expect(head.status).to.equal(404);
    await p1.close();
  });

  it('should show a name with markup and URL characters as text and delete it', async () => {
    const name = '<img src=x onerror="window.pwned=1"> 100% #1?.txt';
    const path = `/odd/${encodeURIComponent(name)}`;
    expect((await call(n1, 'PUT', `/v1/files${path}`, { body: 'odd' })).status).to.equal(201);
    const page = await open(n2, '#/browse/odd');
    const cell = row(page, `/odd/${name}`).locator('.name-cell');
    const text = await cell.textContent();
    const images = await cell.locator('img').count();
    await page.getByRole('button', { name: `Delete ${name}`, exact: true }).click();
    await page.click('#dialog-ok');
    await row(page, `/odd/${name}`).waitFor({ state: 'detached' });
    expect(text).to.equal(name);
    expect(images).to.equal(0);
    expect((await call(n1, 'HEAD', `/v1/files${path}`)).status).to.equal(404);
    await page.close();
  });

  it('should page through a folder of 55 entries 50 at a time', async () => {
    for (let i = 0; i < 55; i += 11) {
      const batch = Array.from({ length: 11 }, (_, j) =>
        call(n1, 'PUT', `/v1/files/many/f${String(i + j).padStart(2, '0')}.txt`, { body: 'x' }),
      );
      for (const res of await Promise.all(batch)) expect(res.status).to.equal(201);
    }
    const page = await open(n3, '#/browse/many');
    await page.selectOption('#page-size', '50');
    // The listing shown before the page size changed may hold all 55: wait until the page of
    // 50 has replaced it (f50 gone), not only until f49 is there.
    await row(page, '/many/f49.txt').waitFor();
    await row(page, '/many/f50.txt').waitFor({ state: 'detached' });
    const first = await page.locator('#listing-body tr').count();
    await page.click('#page-next');
    await row(page, '/many/f54.txt').waitFor();
    const second = await page.locator('#listing-body tr').count();
    expect([first, second]).to.deep.equal([50, 5]);
    await page.close();
  });

  it('should find the names under a path prefix when searched', async () => {
    for (const n of ['apple.txt', 'apricot.txt', 'banana.txt']) {
      expect((await call(n2, 'PUT', `/v1/files/fruit/${n}`, { body: n })).status).to.equal(201);
    }
    const page = await open(n1);
    await page.fill('#search-input', '/fruit/ap');
    await page.press('#search-input', 'Enter');
    await page.waitForSelector('#listing-summary:has-text("starting with")');
    const paths = await page
      .locator('#listing-body tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
    expect(paths).to.deep.equal(['/fruit/apple.txt', '/fruit/apricot.txt']);
    await page.close();
  });

  it('should show the API error as it is when an upload conflicts', async () => {
    expect((await call(n3, 'PUT', '/v1/files/conflict/a.txt', { body: 'a' })).status).to.equal(201);
    const p1 = await open(n1, '#/browse/conflict');
    await p1.setInputFiles('#upload-input', {
      name: 'a.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('b'),
    });
    const status = p1.locator('#uploads li.failed[data-path="/conflict/a.txt"] .status');
    expect(await status.textContent()).to.include('409 FILE_ALREADY_EXISTS');
    await p1.close();
  });

  it('should upload a file dropped on the listing', async () => {
    expect((await call(n1, 'POST', '/v1/files/drop/')).status).to.equal(201);
    const p2 = await open(n2, '#/browse/drop');
    const transfer = await p2.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    })()`);
    await p2.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: transfer });
    await p2.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await row(p2, '/drop/dropped.txt').waitFor();
    const got = await call(n1, 'GET', '/v1/files/drop/dropped.txt');
    expect(got.headers.get('x-callfs-instance-id')).to.equal('node-2');
    expect(await got.text()).to.equal('dropped bytes');
    await p2.close();
  });

  it('should list the three live nodes with what each owns in the cluster view', async () => {
    const p2 = await open(n2, '#/cluster');
    await p2.waitForSelector('#nodes-body tr[data-node=node-3]');
    const ids = await p2
      .locator('#nodes-body tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')));
    const files1 = await p2
      .locator('#nodes-body tr[data-node=node-1] td[data-label=Files]')
      .textContent();
    expect(ids).to.deep.equal(['node-1', 'node-2', 'node-3']);
    expect(Number(files1)).to.be.greaterThan(0);
    await shot(p2, 'cluster');
    await p2.close();
  });

  it('should fit a 375 px wide screen without horizontal scrolling', async () => {
    const page = await open(n1, '#/browse/shared');
    await page.setViewportSize({ width: 375, height: 740 });
    // Loaded again at phone width, as a phone would: the folder tree starts folded.
    await page.reload();
    await row(page, '/shared/report.bin').waitFor();
    const width = await page.evaluate('document.documentElement.scrollWidth');
    await shot(page, 'phone');
    await page.evaluate("location.hash = '#/cluster'");
    await page.waitForSelector('#nodes-body tr[data-node=node-1]');
    const clusterWidth = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).to.be.at.most(375);
    expect(clusterWidth).to.be.at.most(375);
    await page.close();
  });

  it('should move focus into the move dialog and back when it is used from the keyboard', async () => {
    const page = await open(n1, '#/browse/shared');
    await page.focus('button[aria-label="Move report.bin"]');
    await page.keyboard.press('Enter');
    const focused = await page.evaluate("document.activeElement?.closest('dialog')?.id");
    await page.keyboard.press('Escape');
    await page.waitForSelector('#dialog:not([open])', { state: 'attached' });
    const back = await page.evaluate("document.activeElement?.getAttribute('aria-label')");
    expect(focused).to.equal('dialog');
    expect(back).to.equal('Move report.bin');
    await page.close();
  });

  it('should ask for the key again when it is refused', async () => {
    const page = await context.newPage();
    await page.goto(`${n1}/ui/`);
    await page.fill('#key-input', 'wrong-key-0123456789abcdef');
    await page.click('#key-form button[type=submit]');
    const error = page.locator('#key-error:has-text("AUTHENTICATION_FAILED")');
    expect(await error.textContent()).to.include('401 AUTHENTICATION_FAILED');
    await page.close();
  });

  it('should catch up on a change made while its node was down when the node is back', async () => {
    expect((await call(n1, 'POST', '/v1/files/resume/')).status).to.equal(201);
    const page = await open(n2, '#/browse/resume');
    await page.waitForSelector('#live-state[data-state=live]');
    const node2 = cluster.nodes[1] as { kill(): Promise<void>; restart(): Promise<void> };
    await node2.kill();
    await page.waitForSelector('#live-state[data-state=reconnecting]');
    expect(
      (await call(n1, 'PUT', '/v1/files/resume/meanwhile.txt', { body: 'm' })).status,
    ).to.equal(201);
    await node2.restart();
    // The console retries every 10 s at most once its backoff is full.
    await row(page, '/resume/meanwhile.txt').waitFor({ timeout: 30_000 });
    expect(await page.locator('#live-state').getAttribute('data-state')).to.equal('live');
    await page.close();
  });

  // Last but one: it stops node-3.
  it('should mark the files of a stopped node as down and list it among dead owners', async () => {
    expect((await call(n3, 'PUT', '/v1/files/gone/on-3.txt', { body: '333' })).status).to.equal(
      201,
    );
    await (cluster.nodes[2] as { kill(): Promise<void> }).kill();
    const page = await open(n1, '#/cluster');
    // The lease (3 s in tests) has to expire before node-3 leaves the membership.
    await page.waitForSelector('#dead-list li[data-node=node-3]', { timeout: 20_000 });
    await shot(page, 'cluster-dead');
    await page.goto(`${n1}/ui/#/browse/gone`);
    const cell = row(page, '/gone/on-3.txt').locator('.node-cell.dead');
    expect(await cell.textContent()).to.include('down');
    await shot(page, 'files-down');
    await page.close();
  });

  it('should run every page without a CSP violation or a script error', () => {
    expect(problems).to.deep.equal([]);
  });
});
