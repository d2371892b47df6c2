// One integration: its settings (secrets only as hints), last test and
// health; test, enable/disable, delete; send a test message; its recent
// deliveries and, for admin keys, its change history.

import { ApiError, del, get, paths, post, put, typeBySlug } from '../api.js';
import { badge, confirmDialog, definitions, fill, h } from '../dom.js';
import { ago, humanize, ms, secretHint, when } from '../format.js';
import { go, notify } from '../main.js';
import { can } from '../session.js';
import { auditTable } from './audit.js';
import { deliveriesTable, sendForm } from './deliveries.js';
import { managedNotice } from './editor.js';

// A test verdict: result, message, code and latency.
export function testResult(t, heading) {
  return h('div', { class: `verdict verdict-box-${t.status}` },
    h('p', { class: 'verdict-title' }, heading ? `${heading}: ` : '', h('strong', {}, t.status === 'success' ? 'Success' : 'Failed')),
    definitions([
      ['Message', t.message],
      t.code ? ['Code', h('code', {}, t.code)] : null,
      ['Latency', ms(t.latencyMs)],
      ['Tested', h('time', { datetime: t.testedAt }, when(t.testedAt))],
    ]));
}

function showValue(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  return String(value);
}

export async function integrationView(ctx, id) {
  const res = await get(paths.integration(id));
  const integration = res.data;
  const etag = res.etag;
  const spec = await typeBySlug(integration.type);
  if (!ctx.alive()) return;
  const props = spec?.configSchema?.properties ?? {};
  const label = (name) => props[name]?.title ?? humanize(name);
  const secrets = new Map(integration.secrets.map((s) => [s.field, s]));
  const managed = integration.isManaged;
  const mayWrite = can('write') && !managed;
  const status = h('div', { class: 'action-status', role: 'status', 'aria-live': 'polite' });

  // Settings: every field the schema names, in its order; secrets by hint.
  const names = [...new Set([...Object.keys(props), ...Object.keys(integration.config), ...secrets.keys()])];
  const settings = definitions(names.map((name) => {
    if (secrets.has(name)) return [label(name), h('span', { class: 'secret-hint' }, secretHint(secrets.get(name)))];
    if (name in integration.config) return [label(name), showValue(integration.config[name])];
    return [label(name), h('span', { class: 'unset' }, 'not set')];
  }), 'facts settings');

  const actions = h('div', { class: 'actions' });
  if (mayWrite) actions.append(h('a', { class: 'btn btn-primary', href: `#/integrations/${id}/edit`, id: 'edit' }, 'Edit'));
  const lastTestBox = h('div', { id: 'last-test' },
    integration.lastTest ? testResult({ ...integration.lastTest }, 'Last test') : h('p', { class: 'unset' }, 'Not tested yet.'));
  if (can('test') && spec?.capabilities?.test) {
    const testButton = h('button', { type: 'button', class: 'btn', id: 'test' }, 'Test credentials');
    testButton.addEventListener('click', async () => {
      testButton.disabled = true;
      fill(lastTestBox, h('p', { class: 'loading' }, 'Testing…'));
      try {
        const t = await post(paths.test(id), undefined);
        if (ctx.alive()) fill(lastTestBox, testResult(t.data, 'Last test'));
      } catch (e) {
        fill(lastTestBox, h('p', { class: 'error', role: 'alert' }, e.message));
      } finally {
        testButton.disabled = false;
      }
    });
    actions.append(testButton);
  }
  if (mayWrite) {
    const active = integration.status === 'active';
    const toggle = h('button', { type: 'button', class: 'btn', id: 'toggle-status' }, active ? 'Disable' : 'Enable');
    toggle.addEventListener('click', async () => {
      toggle.disabled = true;
      try {
        await put(paths.integration(id), { status: active ? 'inactive' : 'active' }, { ifMatch: etag });
        notify(active ? `Disabled “${integration.name}”: it sends nothing until enabled.` : `Enabled “${integration.name}”.`);
        go(location.hash);
      } catch (e) {
        toggle.disabled = false;
        fill(status, h('p', { class: 'error', role: 'alert' }, conflictText(e, integration)));
      }
    });
    const remove = h('button', { type: 'button', class: 'btn btn-danger', id: 'delete' }, 'Delete');
    remove.addEventListener('click', async () => {
      const yes = await confirmDialog({
        title: `Delete “${integration.name}”?`,
        message: `The ${spec?.name ?? integration.type} integration “${integration.name}” and its stored secrets are removed for good. Messages can no longer be sent through it.`,
        confirmLabel: `Delete “${integration.name}”`,
      });
      if (!yes) {
        remove.focus();
        return;
      }
      try {
        await del(paths.integration(id), { ifMatch: etag });
        notify(`Deleted “${integration.name}”.`);
        go('#/integrations');
      } catch (e) {
        fill(status, h('p', { class: 'error', role: 'alert' }, conflictText(e, integration)));
      }
    });
    actions.append(toggle, remove);
  }

  const sections = [
    h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Settings'), settings),
    h('section', { class: 'card', 'aria-labelledby': 'health-title' },
      h('h2', { id: 'health-title' }, 'Health'),
      definitions([
        ['Health', badge('health', integration.health.status)],
        ['Reason', integration.health.reason ?? '—'],
        ['Since', integration.health.changedAt ? h('time', { datetime: integration.health.changedAt }, ago(integration.health.changedAt)) : '—'],
      ]),
      lastTestBox),
  ];
  if (spec?.capabilities?.send) {
    const deliveriesBox = h('div', { id: 'recent-deliveries' });
    const send = can('test')
      ? sendForm(ctx, integration)
      : null;
    sections.push(h('section', { class: 'card', 'aria-labelledby': 'deliveries-title' },
      h('h2', { id: 'deliveries-title' }, 'Deliveries'),
      send,
      h('h3', {}, 'Recent deliveries'),
      deliveriesBox));
    get(paths.deliveriesOf(id), { query: { limit: 10 } }).then((d) => {
      if (ctx.alive()) fill(deliveriesBox, deliveriesTable(d.data.data));
    }).catch((e) => fill(deliveriesBox, h('p', { class: 'error' }, e.message)));
  }
  if (can('admin')) {
    const historyBox = h('div', { id: 'history' }, h('p', { class: 'loading' }, 'Loading…'));
    sections.push(h('section', { class: 'card', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title' }, 'Change history'), historyBox,
      h('p', {}, h('a', { href: `#/audit?integrationId=${encodeURIComponent(id)}` }, 'Full history'))));
    get(paths.audit, { query: { integrationId: id, limit: 10 } }).then((a) => {
      if (ctx.alive()) fill(historyBox, auditTable(a.data.data));
    }).catch((e) => fill(historyBox, h('p', { class: 'error' }, e.message)));
  }

  fill(ctx.main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/integrations' }, 'Integrations')),
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, integration.name),
      h('div', { class: 'badges' },
        h('span', { class: 'tag' }, spec?.name ?? integration.type),
        badge('status', integration.status),
        h('span', { class: 'tag' }, integration.environment),
        managed ? h('span', { class: 'tag' }, 'managed') : null)),
    managed ? managedNotice() : null,
    integration.status === 'inactive' ? h('p', { class: 'notice-info' }, 'Disabled: messages sent through it are refused until it is enabled.') : null,
    actions,
    status,
    sections);
}

function conflictText(e, integration) {
  if (e instanceof ApiError && e.status === 412) {
    return `Someone changed “${integration.name}” since this page was loaded, so nothing was done. Reload the page and try again.`;
  }
  return e.message;
}
