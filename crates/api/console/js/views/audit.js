// The audit trail (admin keys): who changed which integration, which
// fields, and when. The service records field names only, never values.

import { get, paths } from '../api.js';
import { fill, h } from '../dom.js';
import { when } from '../format.js';
import { me } from '../session.js';

const PAGE_SIZE = 50;

const ACTIONS = {
  'integration.created': 'created',
  'integration.updated': 'updated',
  'integration.deleted': 'deleted',
  'integration.status_changed': 'status changed',
  'integration.tested': 'tested',
  'provisioning.applied': 'provisioning applied',
};

function who(actor) {
  if (actor === me()?.keyId) return [h('code', {}, actor), ' (this key)'];
  if (actor.startsWith('key_')) return h('code', {}, actor);
  return actor;
}

export function auditTable(events) {
  if (!events.length) return h('p', { class: 'empty' }, 'No changes recorded.');
  return h('table', { class: 'list audit' },
    h('caption', { class: 'visually-hidden' }, 'Audit events'),
    h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Integration', 'Fields', 'Detail'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, events.map((e) => h('tr', {},
      h('td', { 'data-label': 'When' }, h('time', { datetime: e.createdAt }, when(e.createdAt))),
      h('td', { 'data-label': 'Who' }, who(e.actor)),
      h('td', { 'data-label': 'What' }, ACTIONS[e.action] ?? e.action),
      h('td', { 'data-label': 'Integration' }, e.integrationId
        ? h('a', { href: `#/integrations/${e.integrationId}` }, h('code', {}, e.integrationId))
        : '—'),
      h('td', { 'data-label': 'Fields' }, e.changedFields.length
        ? h('ul', { class: 'fields' }, e.changedFields.map((f) => h('li', {}, h('code', {}, f))))
        : '—'),
      h('td', { 'data-label': 'Detail' }, e.detail ?? '—')))));
}

export async function auditView(ctx, params) {
  const integrationId = params.get('integrationId') ?? '';
  const cursor = params.get('cursor') ?? '';
  const res = await get(paths.audit, { query: { integrationId, cursor, limit: PAGE_SIZE } });
  if (!ctx.alive()) return;
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (cursor) {
    const first = new URLSearchParams(params);
    first.delete('cursor');
    pager.append(h('a', { class: 'btn', href: `#/audit?${first}` }, 'First page'));
  }
  if (res.data.nextCursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', res.data.nextCursor);
    pager.append(h('a', { class: 'btn', href: `#/audit?${next}` }, 'Next page'));
  }
  fill(ctx.main,
    h('h1', { tabindex: '-1' }, 'Audit'),
    h('p', {}, integrationId
      ? ['Changes to ', h('a', { href: `#/integrations/${integrationId}` }, h('code', {}, integrationId)), ', oldest first. ', h('a', { href: '#/audit' }, 'All changes')]
      : 'Every change to this organization\'s integrations, oldest first. Field names only: values are never recorded.'),
    h('div', { class: 'table-wrap' }, auditTable(res.data.data)),
    pager);
}
