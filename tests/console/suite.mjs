// The web console in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core; no browser is downloaded) against the real binary
// whose providers are a local mock. Run by scripts/console-tests.sh:
//   node --test tests/console/suite.mjs
// with PATCHBAY_BIN (the binary), CONSOLE_BACKEND (a label: sqlite or
// postgres), PATCHBAY_CONSOLE_DATABASE_URL (optional: a Postgres database
// of its own) and CONSOLE_SCREENSHOTS (where the screenshots go).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { startMock } from './mock-providers.mjs';
import { startServer } from './server.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BACKEND = process.env.CONSOLE_BACKEND ?? 'sqlite';
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? 'target/console';
// Exactly the flags, plus --disable-quic; playwright passes the
// fresh --user-data-dir of a persistent context itself.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WIDE = { width: 1280, height: 860 };
const NARROW = { width: 390, height: 844 };

let mock;
let server;
let context;
let userDataDir;
const requests = [];
const consoleErrors = [];
const apiAnswers = new Map(); // url → statuses the API answered

// Fake credentials; the mock accepts anything of the right shape.
const SECRETS = {
  discord: 'fake-discord-token-0001',
  slack: 'fake-slack-hook-0001',
  telegram: '123456789:FAKEfakeFAKEfakeFAKEfake',
  sendgrid: 'SG.fake-sendgrid-key-0001',
  resend: 're_fake_resend_key_0001',
  ai: 'fake-ai-gateway-key-0001',
  header: 'fake-header-value-0001',
};

// One integration of each type, as a person fills the rendered form:
// config field name → what is typed.
function cases() {
  const m = mock.url;
  return [
    { type: 'discord', name: 'Discord alerts', config: { webhookUrl: `${m}/api/webhooks/123/${SECRETS.discord}`, username: 'patchbay' } },
    { type: 'slack', name: 'Slack alerts', config: { webhookUrl: `${m}/services/T0/B0/${SECRETS.slack}` } },
    { type: 'telegram', name: 'Telegram ops', config: { botToken: SECRETS.telegram, chatId: '-100123' }, select: { parseMode: 'HTML' } },
    { type: 'sendgrid', name: 'SendGrid mail', config: { apiKey: SECRETS.sendgrid, fromEmail: 'ops@example.com' } },
    { type: 'resend', name: 'Resend mail', config: { apiKey: SECRETS.resend, from: 'Ops <ops@example.com>' } },
    { type: 'webhook', name: 'Deploy hook', config: { url: `${m}/hooks/ok` }, select: { method: 'PUT' } },
    { type: 'web3', name: 'Mainnet RPC', config: { rpcUrl: `${m}/rpc`, chainId: '1' } },
    { type: 'ai-gateway', name: 'AI gateway', config: { apiKey: SECRETS.ai, baseUrl: `${m}/v1`, defaultModel: 'openai/gpt-4o-mini' } },
  ];
}

before(async () => {
  mock = await startMock();
  server = await startServer({ bin: process.env.PATCHBAY_BIN, mock, databaseUrl: process.env.PATCHBAY_CONSOLE_DATABASE_URL });
  userDataDir = mkdtempSync(join(tmpdir(), 'patchbay-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS, viewport: WIDE,
  });
  context.setDefaultTimeout(10000);
  context.on('request', (r) => requests.push(r.url()));
  context.on('response', (r) => {
    const list = apiAnswers.get(r.url()) ?? [];
    list.push(r.status());
    apiAnswers.set(r.url(), list);
  });
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await context?.close();
  await server?.stop();
  await mock?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function newPage(viewport = WIDE) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push({ type: msg.type(), text: msg.text(), url: msg.location()?.url });
  });
  page.on('pageerror', (e) => consoleErrors.push({ type: 'pageerror', text: String(e) }));
  return page;
}

const consoleUrl = (hash = '') => `${server.base}/console/${hash}`;

async function signIn(page, key = server.adminKey) {
  await page.goto(consoleUrl());
  await page.locator('#api-key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
}

// The API as the test's own client, to arrange and to check.
async function api(method, path, body, key = server.adminKey) {
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), data: text ? JSON.parse(text) : null };
}

async function integrationByName(name) {
  const all = await api('GET', '/api/integrations?limit=200');
  const found = all.data.data.find((i) => i.name === name);
  assert.ok(found, `no integration named ${name}`);
  return found;
}

async function openIntegration(page, name) {
  const { id } = await integrationByName(name);
  await page.goto(consoleUrl(`#/integrations/${id}`));
  await page.getByRole('heading', { level: 1, name }).waitFor();
  return id;
}

async function shot(page, name) {
  const { width } = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `${BACKEND}-${name}-${width}.png`), fullPage: true });
}

// axe-core inside the page (evaluated through the debugging protocol, which
// the page's CSP does not govern): no serious or critical violation.
async function assertAccessible(page, what) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${what}: accessibility`);
}

async function assertFitsWidth(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in a ${clientWidth}px window`);
}

async function assertNoSecretShown(page, what) {
  const text = await page.evaluate(() => document.body.innerText + [...document.querySelectorAll('input, textarea')].map((i) => i.value).join(' '));
  for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret), `${what} shows a secret`);
}

async function fillConfig(page, config, select = {}) {
  for (const [name, value] of Object.entries(config)) await page.locator(`[name="config.${name}"]`).fill(value);
  for (const [name, value] of Object.entries(select)) await page.locator(`[name="config.${name}"]`).selectOption(value);
}

async function testCredentials(page) {
  await page.locator('#test').click();
  const verdict = page.locator('#last-test .verdict');
  await verdict.waitFor();
  return verdict.innerText();
}

test('a bad key is refused, a good key signs in and is kept for the tab only', async () => {
  const page = await newPage();
  await page.goto(consoleUrl());
  assert.equal(await page.evaluate(() => document.activeElement.id), 'api-key', 'the key field has the focus');
  await shot(page, 'sign-in');
  await assertAccessible(page, 'sign-in');
  await page.locator('#api-key').fill('pbk_this-is-not-a-real-key-000000000000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#api-key-error').getByText('That API key was refused').waitFor();
  assert.equal(await page.locator('#api-key').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);

  // Keyboard only: type the key, press Enter.
  await page.locator('#api-key').fill('');
  await page.keyboard.type(server.adminKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  assert.ok(!page.url().includes(server.adminKey), 'the key is in the URL');
  const stored = await page.evaluate(() => ({
    session: Object.values(sessionStorage), local: localStorage.length, cookies: document.cookie,
  }));
  assert.deepEqual(stored, { session: [server.adminKey], local: 0, cookies: '' });
  await page.getByText('read, write, test, admin').waitFor();

  await page.locator('#sign-out').click();
  await page.locator('#api-key').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'signing out clears the key');
  await page.goto(consoleUrl('#/integrations'));
  await page.locator('#api-key').waitFor();
  await page.close();
});

test('one integration of each type is created through its rendered form, tested against the mock and listed', async () => {
  const page = await newPage();
  await signIn(page);
  const catalogue = (await api('GET', '/api/integration-types')).data.data;
  assert.equal(catalogue.length, 8);
  for (const c of cases()) {
    await page.locator('#new-integration').click();
    await page.getByRole('heading', { level: 1, name: 'New integration' }).waitFor();
    await page.locator('#type').selectOption(c.type);
    const spec = catalogue.find((t) => t.slug === c.type);
    // The form is the schema's: one control per property, required ones
    // marked, secrets as password inputs.
    for (const [name, prop] of Object.entries(spec.configSchema.properties)) {
      const field = page.locator(`.field[data-field="${name}"]`);
      await field.waitFor();
      const secret = prop['x-secret'] === true;
      const required = (spec.configSchema.required ?? []).includes(name);
      assert.equal(await field.locator('.required').count(), required ? 1 : 0, `${c.type}.${name} required mark`);
      if (Array.isArray(prop.enum)) assert.equal(await field.locator('select').count(), 1, `${c.type}.${name} is a select`);
      const input = field.locator(`[name="config.${name}"]`);
      if (secret && (await input.count()) === 1 && (await input.evaluate((el) => el.tagName)) === 'INPUT') {
        assert.equal(await input.getAttribute('type'), 'password', `${c.type}.${name} is a password input`);
      }
    }
    if (c.type === 'discord') {
      await shot(page, 'create');
      await assertAccessible(page, 'create form');
    }
    await page.locator('#name').fill(c.name);
    await fillConfig(page, c.config, c.select);
    await page.locator('#save').click();
    await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
    await page.locator('.notice-success').getByText(`Created “${c.name}”.`).waitFor();
    assert.match(await testCredentials(page), /Success/, `${c.type}: the saved credentials work against the mock`);
    await assertNoSecretShown(page, `${c.type} detail`);
    await page.getByRole('link', { name: 'Integrations' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  }
  // Listed, with their type, and the last test's verdict.
  const rows = page.locator('table.list tbody tr');
  for (const c of cases()) {
    const row = rows.filter({ hasText: c.name });
    await row.waitFor();
    const spec = catalogue.find((t) => t.slug === c.type);
    assert.match(await row.innerText(), new RegExp(`${spec.name}[\\s\\S]*active[\\s\\S]*healthy[\\s\\S]*success`));
  }
  // The filters narrow the list.
  await page.locator('#filter-type').selectOption('sendgrid');
  await page.waitForURL(/type=sendgrid/);
  await page.locator('table.list tbody tr').first().waitFor();
  assert.equal(await page.locator('table.list tbody tr').count(), 1);
  await shot(page, 'integrations-filtered');
  await page.close();
});

test('a 422 from the service is shown next to the field it names', async () => {
  const page = await newPage();
  await signIn(page);
  await page.locator('#new-integration').click();
  await page.locator('#type').selectOption('discord');
  await page.locator('#name').fill('Broken Discord');
  await page.locator('[name="config.webhookUrl"]').fill('https://example.com/not-a-discord-webhook');
  await page.locator('[name="config.username"]').fill('x'.repeat(80));
  await page.locator('#save').click();
  const error = page.locator('.field[data-field="webhookUrl"] .field-error');
  await error.waitFor();
  assert.match(await error.innerText(), /^Webhook URL /);
  assert.equal(await page.locator('[name="config.webhookUrl"]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('.field[data-field="username"] .field-error').isVisible(), false, 'a valid field has no error');
  // The summary names the field by its label and links to it.
  await page.locator('.error-summary a').getByText(/^Webhook URL must be/).click();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'config.webhookUrl');
  await shot(page, 'validation');
  await assertAccessible(page, 'form with errors');
  // A missing name is the name field's.
  await page.locator('#name').fill('');
  await page.locator('[name="config.webhookUrl"]').fill(`${mock.url}/api/webhooks/1/${SECRETS.discord}`);
  await page.locator('#save').click();
  await page.locator('#name-error').waitFor();
  assert.match(await page.locator('#name-error').innerText(), /^Name /);
  await page.close();
});

test('an edit that leaves a secret empty keeps it: the next test reaches the mock with the stored key', async () => {
  const page = await newPage();
  await signIn(page);
  const id = await openIntegration(page, 'SendGrid mail');
  await page.locator('#edit').click();
  const apiKey = page.locator('[name="config.apiKey"]');
  await apiKey.waitFor();
  assert.equal(await apiKey.inputValue(), '', 'a stored secret is never put in the form');
  await page.locator('.field[data-field="apiKey"] .stored').getByText('set, ends in …0001').waitFor();
  await page.locator('[name="config.fromName"]').fill('Ops team');
  await shot(page, 'edit');
  await assertAccessible(page, 'edit form');
  await page.locator('#save').click();
  await page.locator('.notice-success').getByText('Saved “SendGrid mail”.').waitFor();
  assert.equal(await page.locator('input[type="password"]').count(), 0, 'no secret input is left');
  await page.getByText('Ops team').waitFor();
  await page.getByText('set, ends in …0001').waitFor();
  const before = mock.requests.length;
  assert.match(await testCredentials(page), /Success/);
  const seen = mock.requests.slice(before).filter((r) => r.path === '/sendgrid/v3/scopes');
  assert.equal(seen.length, 1);
  assert.equal(seen[0].headers.authorization, `Bearer ${SECRETS.sendgrid}`);
  const stored = await api('GET', `/api/integrations/${id}`);
  assert.equal(stored.data.config.fromName, 'Ops team');

  // An optional value emptied is removed; "clear" removes an optional secret.
  await page.locator('#edit').click();
  await page.locator('[name="config.fromName"]').fill('');
  await page.locator('#save').click();
  await page.locator('.notice-success').waitFor();
  assert.equal((await api('GET', `/api/integrations/${id}`)).data.config.fromName, undefined);
  // Entries of a secret map (a webhook's headers) are typed as pairs;
  // "clear" removes the optional secret.
  const hook = await integrationByName('Deploy hook');
  await openIntegration(page, 'Deploy hook');
  await page.locator('#edit').click();
  await page.getByRole('button', { name: 'Add entry' }).click();
  await page.getByLabel('Headers: name').fill('X-Console-Check');
  await page.getByLabel('Headers: value').fill('fake-header-value-0001');
  await page.locator('#save').click();
  await page.locator('.notice-success').waitFor();
  assert.ok((await api('GET', `/api/integrations/${hook.id}`)).data.secrets.some((s) => s.field === 'headers'));
  const sent = mock.requests.length;
  assert.match(await testCredentials(page), /Success/);
  assert.equal(mock.requests.slice(sent).find((r) => r.path === '/hooks/ok').headers['x-console-check'], 'fake-header-value-0001');
  await page.locator('#edit').click();
  await page.getByLabel('Clear the stored headers').check();
  await page.locator('#save').click();
  await page.locator('.notice-success').waitFor();
  const after = await api('GET', `/api/integrations/${hook.id}`);
  assert.deepEqual(after.data.secrets.map((s) => s.field).sort(), ['signingSecret', 'url']);
  await page.close();
});

test('a save after someone else changed the integration says so and offers to reload', async () => {
  const page = await newPage();
  await signIn(page);
  const id = await openIntegration(page, 'Slack alerts');
  await page.locator('#edit').click();
  await page.locator('#name').waitFor();
  const current = await api('GET', `/api/integrations/${id}`);
  const changed = await fetch(`${server.base}/api/integrations/${id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${server.adminKey}`, 'Content-Type': 'application/json', 'If-Match': current.etag },
    body: JSON.stringify({ name: 'Slack alerts (renamed elsewhere)' }),
  });
  assert.equal(changed.status, 200);
  await page.locator('#name').fill('Slack alerts (mine)');
  await page.locator('#save').click();
  await page.locator('.error-summary').getByText('Someone changed “Slack alerts” since you opened it').waitFor();
  await shot(page, 'conflict');
  assert.equal((await api('GET', `/api/integrations/${id}`)).data.name, 'Slack alerts (renamed elsewhere)', 'nothing was overwritten');
  await page.locator('#reload').click();
  await page.getByRole('heading', { level: 1, name: 'Edit Slack alerts (renamed elsewhere)' }).waitFor();
  assert.equal(await page.locator('#name').inputValue(), 'Slack alerts (renamed elsewhere)');
  await page.close();
});

test('a test with unsaved edits uses them and saves nothing', async () => {
  const page = await newPage();
  await signIn(page);
  const id = await openIntegration(page, 'Deploy hook');
  await page.locator('#edit').click();
  await page.locator('[name="config.url"]').fill(`${mock.url}/hooks/ok-unsaved-edit`);
  const before = mock.requests.length;
  await page.locator('#test-settings').click();
  const result = page.locator('.test-result .verdict');
  await result.waitFor();
  const text = await result.innerText();
  assert.match(text, /Test with unsaved changes \(nothing saved\): Success/);
  assert.match(text, /Latency\s+\d+ ms/);
  assert.ok(mock.requests.slice(before).some((r) => r.path === '/hooks/ok-unsaved-edit'), 'the test used the unsaved URL');
  // A failing override shows the provider's message and code.
  await page.locator('[name="config.url"]').fill(`${mock.url}/hooks/missing`);
  await page.locator('#test-settings').click();
  await page.locator('.test-result .verdict-box-error').waitFor();
  const failed = await page.locator('.test-result .verdict').innerText();
  assert.match(failed, /Failed/);
  assert.match(failed, /Code\s+\S+/);
  await shot(page, 'test-unsaved');
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.getByRole('heading', { level: 1, name: 'Deploy hook' }).waitFor();
  await page.getByText('set, ends in …s/ok').waitFor();
  const stored = await api('GET', `/api/integrations/${id}`);
  assert.equal(stored.data.secrets.find((s) => s.field === 'url').hint, '…s/ok');
  await page.close();
});

test('a disabled integration refuses a send, and sends again once enabled', async () => {
  const page = await newPage();
  await signIn(page);
  const id = await openIntegration(page, 'Discord alerts');
  await page.locator('#toggle-status').click();
  await page.locator('.notice-success').getByText('Disabled “Discord alerts”').waitFor();
  await page.locator('.badges .status-inactive').waitFor();
  assert.equal((await api('GET', `/api/integrations/${id}`)).data.status, 'inactive');
  await page.locator('#send').click();
  await page.locator('.send-form .error-summary').getByText('The integration is inactive').waitFor();
  assert.deepEqual((await api('GET', `/api/integrations/${id}/deliveries`)).data.data, [], 'nothing was queued');
  await page.locator('#toggle-status').click();
  await page.locator('.notice-success').getByText('Enabled “Discord alerts”.').waitFor();
  assert.equal((await api('GET', `/api/integrations/${id}`)).data.status, 'active');
  await page.close();
});

test('a test message is delivered and its attempt shown; a failed one is retried', async () => {
  const page = await newPage();
  await signIn(page);
  await openIntegration(page, 'Deploy hook');
  await page.locator('[name="eventType"]').evaluate((el) => { el.closest('details').open = true; });
  await page.locator('[name="eventType"]').fill('deploy.finished');
  await page.locator('#send').click();
  await page.locator('#delivery-status .delivery-delivered').waitFor({ timeout: 20000 });
  const attempt = page.locator('table.attempts tbody tr');
  assert.equal(await attempt.count(), 1);
  const row = await attempt.innerText();
  assert.match(row, /delivered/);
  assert.match(row, /\d+ ms/);
  const delivered = mock.requests.filter((r) => r.path === '/hooks/ok' && r.body.includes('deploy.finished'));
  assert.equal(delivered.length, 1, 'the mock received the message once');
  await shot(page, 'delivery');
  await assertAccessible(page, 'delivery');

  // A permanent failure, then a retry once the endpoint accepts again.
  mock.state.failWebhooks = true;
  await page.getByRole('link', { name: 'Integration', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Deploy hook' }).waitFor();
  await page.locator('#recent-deliveries table').waitFor();
  await page.locator('#send').click();
  await page.locator('#delivery-status .delivery-failed').waitFor({ timeout: 20000 });
  const failedRow = await page.locator('table.attempts tbody tr').innerText();
  assert.match(failedRow, /permanent/);
  assert.match(failedRow, /rejected/);
  mock.state.failWebhooks = false;
  await page.locator('#retry').click();
  await page.locator('#delivery-status .delivery-delivered').waitFor({ timeout: 20000 });
  assert.equal(await page.locator('table.attempts tbody tr').count(), 2);
  // Both appear among the integration's recent deliveries.
  await page.getByRole('link', { name: 'Integration', exact: true }).click();
  await page.locator('#recent-deliveries table tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('#recent-deliveries .delivery-delivered').count(), 2);
  await shot(page, 'integration');
  await assertAccessible(page, 'integration');
  await page.close();
});

test('delete asks for a confirmation naming the integration', async () => {
  const page = await newPage();
  await signIn(page);
  const id = await openIntegration(page, 'Mainnet RPC');
  await page.locator('#delete').click();
  const dialog = page.getByRole('dialog', { name: 'Delete “Mainnet RPC”?' });
  await dialog.waitFor();
  await assertAccessible(page, 'delete confirmation');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await api('GET', `/api/integrations/${id}`)).status, 200, 'cancel deletes nothing');
  await page.locator('#delete').click();
  await dialog.getByRole('button', { name: 'Delete “Mainnet RPC”' }).click();
  await page.locator('.notice-success').getByText('Deleted “Mainnet RPC”.').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Integrations' }).waitFor();
  assert.equal(await page.locator('table.list').getByText('Mainnet RPC').count(), 0);
  assert.equal((await api('GET', `/api/integrations/${id}`)).status, 404);
  await page.close();
});

test('a read-only key sees no write, test or send action', async () => {
  const page = await newPage();
  await signIn(page, server.readKey);
  await page.locator('table.list tbody tr').first().waitFor();
  assert.equal(await page.locator('#new-integration').count(), 0);
  assert.equal(await page.locator('nav [data-nav="audit"]').isVisible(), false);
  await openIntegration(page, 'Deploy hook');
  await page.locator('#settings-title').waitFor();
  for (const action of ['#edit', '#test', '#toggle-status', '#delete', '#send']) {
    assert.equal(await page.locator(action).count(), 0, `${action} is offered`);
  }
  await page.locator('#recent-deliveries table').waitFor();
  await shot(page, 'read-only');
  const { id } = await integrationByName('Deploy hook');
  await page.goto(consoleUrl(`#/integrations/${id}/edit`));
  await page.getByText('lacks the write scope').waitFor();
  await page.close();
});

test('a managed integration is read-only, with the reason, and can still be tested', async () => {
  const page = await newPage();
  await signIn(page);
  await openIntegration(page, 'Operator webhook');
  await page.locator('.managed-notice').getByText('Managed by the operator').waitFor();
  for (const action of ['#edit', '#toggle-status', '#delete']) {
    assert.equal(await page.locator(action).count(), 0, `${action} is offered`);
  }
  assert.match(await testCredentials(page), /Success/);
  await page.close();
});

test('the audit page shows who changed what and when, never a value', async () => {
  const page = await newPage();
  await signIn(page);
  await page.locator('nav [data-nav="audit"]').click();
  await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
  const table = page.locator('table.audit');
  await table.waitFor();
  const text = await table.innerText();
  assert.match(text, /created/);
  assert.match(text, /updated/);
  assert.match(text, /deleted/);
  assert.match(text, /config\.apiKey/);
  assert.match(text, /config\.fromName/);
  assert.match(text, /provisioning/);
  assert.match(text, /\(this key\)/);
  await assertNoSecretShown(page, 'audit');
  await shot(page, 'audit');
  await assertAccessible(page, 'audit');
  await page.close();
});

test('the main pages read well at 390 px: nothing wider than the screen, no accessibility violation', async () => {
  const page = await newPage(NARROW);
  await page.goto(consoleUrl());
  await page.locator('#api-key').waitFor();
  await assertFitsWidth(page, 'sign-in');
  await shot(page, 'sign-in');
  await signIn(page);
  await page.locator('table.list tbody tr').first().waitFor();
  await assertFitsWidth(page, 'integrations');
  await shot(page, 'integrations');
  await assertAccessible(page, 'integrations at 390 px');
  await openIntegration(page, 'Deploy hook');
  await page.locator('#recent-deliveries table').waitFor();
  await assertFitsWidth(page, 'integration');
  await shot(page, 'integration');
  await assertAccessible(page, 'integration at 390 px');
  await page.locator('#edit').click();
  await page.locator('#save').waitFor();
  await assertFitsWidth(page, 'edit');
  await shot(page, 'edit');
  await page.goto(consoleUrl('#/audit'));
  await page.locator('table.audit').waitFor();
  await assertFitsWidth(page, 'audit');
  await shot(page, 'audit');
  await page.setViewportSize(WIDE);
  await page.goto(consoleUrl('#/integrations'));
  await page.locator('table.list tbody tr').first().waitFor();
  await shot(page, 'integrations');
  await assertAccessible(page, 'integrations');
  await page.close();
});

test('the keyboard reaches every action, with a visible focus', async () => {
  const page = await newPage();
  await signIn(page);
  await openIntegration(page, 'Deploy hook');
  const reached = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { tag: el.tagName, id: el.id, text: el.textContent.trim().slice(0, 40), outline: style.outlineStyle, width: style.outlineWidth };
    });
    // Past the last control the focus leaves the page (the body) and wraps.
    if (focused.tag === 'BODY') continue;
    if (focused.id) reached.push(focused.id);
    assert.notEqual(focused.outline, 'none', `focus on ${focused.tag} ${focused.id || focused.text} is not visible`);
  }
  for (const id of ['edit', 'test', 'toggle-status', 'delete']) assert.ok(reached.includes(id), `${id} is not reachable by keyboard: ${reached}`);
  await page.close();
});

test('no request left the service\'s origin, and the key never went into a URL', () => {
  const origin = new URL(server.base).origin;
  assert.ok(requests.length > 100, `${requests.length} requests recorded`);
  const outside = requests.filter((u) => new URL(u).origin !== origin);
  assert.deepEqual(outside, []);
  assert.deepEqual(requests.filter((u) => u.includes(server.adminKey) || u.includes(server.readKey)), []);
});

test('no console error, page error or warning, and no secret in the console', () => {
  // Chromium reports each HTTP error answer a script fetched as a console
  // error ("Failed to load resource"). The refusals this suite provokes on
  // purpose (a bad key's 401, a 422, a 412, an inactive send's 409) are
  // those, and only from the API; anything else fails.
  const provoked = new Set([401, 409, 412, 422]);
  const unexpected = consoleErrors.filter((e) => {
    const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(e.text);
    if (!m || !e.url) return true;
    const status = Number(m[1]);
    const path = new URL(e.url).pathname;
    return !(provoked.has(status) && path.startsWith('/api/') && (apiAnswers.get(e.url) ?? []).includes(status));
  });
  assert.deepEqual(unexpected, []);
  const all = JSON.stringify(consoleErrors);
  for (const secret of [...Object.values(SECRETS), server.adminKey, server.readKey]) assert.ok(!all.includes(secret), 'a secret reached the console');
  assert.ok(!server.stderr().includes('panicked'), server.stderr());
});
