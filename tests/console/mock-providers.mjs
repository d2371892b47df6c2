// A local stand-in for every provider the console's integrations call, so
// that tests and sends through each of the eight types reach no other
// host. Answers what each provider answers to a valid credential (the
// shapes of scripts/mock_providers.py) and records every request, so a
// test can see which credential arrived. `failWebhooks` makes webhook
// sends answer 400 (a permanent failure) until switched off.
import { createServer } from 'node:http';

const TELEGRAM = /^\/tg\/bot[0-9]+:[A-Za-z0-9_-]+\/(getMe|getChat|sendMessage)$/;
const DISCORD = /^\/api\/webhooks\/[0-9]+\/[A-Za-z0-9_-]+$/;

export async function startMock() {
  const requests = [];
  const state = { failWebhooks: false };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0];
      requests.push({ method: req.method, path, headers: req.headers, body });
      const [status, payload, headers] = answer(req.method, path, body, state);
      const raw = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
      const out = { 'Content-Length': Buffer.byteLength(raw), ...headers };
      if (raw) out['Content-Type'] = typeof payload === 'string' ? 'text/plain' : 'application/json';
      res.writeHead(status, out);
      res.end(raw);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function answer(method, path, body, state) {
  if (method === 'GET') {
    if (DISCORD.test(path)) return [200, { id: '123', type: 1, name: 'ops', channel_id: '42', guild_id: '7' }];
    const tg = TELEGRAM.exec(path);
    if (tg?.[1] === 'getMe') return [200, { ok: true, result: { id: 1, is_bot: true, first_name: 'pb', username: 'pb_bot' } }];
    if (tg?.[1] === 'getChat') return [200, { ok: true, result: { id: -100123, type: 'supergroup', title: 'ops' } }];
    if (path === '/sendgrid/v3/scopes') return [200, { scopes: ['mail.send'] }];
    // A sending-only key: Resend's answer that the test accepts.
    if (path === '/resend/domains') return [401, { statusCode: 401, name: 'restricted_api_key', message: 'This API key is restricted to only send emails' }];
    if (path === '/v1/models') return [200, { object: 'list', data: [{ id: 'openai/gpt-4o-mini', object: 'model' }] }];
    return [404, { error: 'no such mock route' }];
  }
  if (DISCORD.test(path)) return [200, { id: 'discord-msg-1', channel_id: '42' }];
  if (path.startsWith('/services/')) {
    // Slack's webhook: the credential test posts a body that is not JSON
    // and expects `invalid_payload`.
    try {
      JSON.parse(body);
    } catch {
      return [400, 'invalid_payload'];
    }
    return [200, 'ok'];
  }
  if (path === '/slack/api/auth.test') return [200, { ok: true, team: 'Acme', user: 'patchbay', team_id: 'T1', user_id: 'U1' }];
  if (path === '/slack/api/chat.postMessage') return [200, { ok: true, channel: 'C0123456789', ts: '1700000000.000100' }];
  if (TELEGRAM.exec(path)?.[1] === 'sendMessage') return [200, { ok: true, result: { message_id: 77, chat: { id: -100123 } } }];
  if (path === '/sendgrid/v3/mail/send') return [202, undefined, { 'X-Message-Id': 'sg-msg-1' }];
  if (path === '/resend/emails') return [200, { id: 'resend-msg-1' }];
  if (path.startsWith('/hooks/ok')) {
    const event = safeJson(body);
    if (state.failWebhooks && event?.type !== 'integration.test') return [400, { error: 'rejected by the mock' }];
    return [204];
  }
  if (path === '/rpc') {
    const request = safeJson(body) ?? {};
    const result = { eth_chainId: '0x1', eth_getBalance: '0x0' }[request.method];
    return [200, { jsonrpc: '2.0', id: request.id, result }];
  }
  if (path === '/v1/chat/completions') {
    return [200, { id: 'cmpl-1', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }];
  }
  return [404, { error: 'no such mock route' }];
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
