// Starts the real binary for the browser suite: a fresh data directory (or
// the Postgres database it is given), its providers pointed at the local
// mock, loopback allowed outbound, one managed integration provisioned.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startServer({ bin: binPath, mock, databaseUrl }) {
  const bin = resolve(binPath);
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-console-'));
  const port = await freePort();
  const provisioning = join(dir, 'managed.toml');
  writeFileSync(provisioning, [
    '[[integration]]',
    'organization = "default"',
    'key = "ops-webhook"',
    'type = "webhook"',
    'name = "Operator webhook"',
    '',
    '[integration.config]',
    'url = "${CONSOLE_MANAGED_WEBHOOK_URL}"',
    '',
  ].join('\n'));
  const env = {
    ...process.env,
    RUST_LOG: 'warn',
    CONSOLE_MANAGED_WEBHOOK_URL: `${mock.url}/hooks/ok-managed`,
    PATCHBAY__HTTP__PORT: String(port),
    PATCHBAY__PROVISIONING__FILE: provisioning,
    PATCHBAY__OUTBOUND__ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
    PATCHBAY__PROVIDERS__DISCORD__EXTRA_HOSTS: mock.host,
    PATCHBAY__PROVIDERS__SLACK__EXTRA_HOSTS: mock.host,
    PATCHBAY__PROVIDERS__SLACK__BASE_URL: `${mock.url}/slack/api/`,
    PATCHBAY__PROVIDERS__TELEGRAM__BASE_URL: `${mock.url}/tg/`,
    PATCHBAY__PROVIDERS__SENDGRID__BASE_URL: `${mock.url}/sendgrid/`,
    PATCHBAY__PROVIDERS__SENDGRID__EU_BASE_URL: `${mock.url}/sendgrid/`,
    PATCHBAY__PROVIDERS__RESEND__BASE_URL: `${mock.url}/resend/`,
    PATCHBAY__DELIVERY__POLL_INTERVAL_MS: '50',
    PATCHBAY__DELIVERY__PACING: 'false',
  };
  delete env.PATCHBAY__DATABASE__URL;
  if (databaseUrl) env.PATCHBAY__DATABASE__URL = databaseUrl;
  const child = spawn(bin, ['serve'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const base = `http://127.0.0.1:${port}`;
  const keyFile = join(dir, 'data', 'bootstrap-admin.key');
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok && existsSync(keyFile)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const adminKey = readFileSync(keyFile, 'utf8').trim();
  // Another key of the same organization, created as an operator would.
  const keyFor = (scopes) => execFileSync(bin, ['keys', 'create', '--org', 'default', '--scopes', scopes, '--name', `console ${scopes}`],
    { cwd: dir, env, encoding: 'utf8' }).trim();
  return {
    base,
    adminKey,
    readKey: keyFor('read'),
    stderr: () => stderr,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}
