// The integrations list: type, environment, status, health and last test;
// filters by type, status and environment; pages through `nextCursor`.

import { get, paths, types } from '../api.js';
import { badge, fill, h } from '../dom.js';
import { ago } from '../format.js';
import { go } from '../main.js';
import { can } from '../session.js';

const PAGE_SIZE = 20;

function hashFor(params) {
  const qs = params.toString();
  return qs ? `#/integrations?${qs}` : '#/integrations';
}

export async function integrationsView(ctx, params) {
  const catalogue = await types();
  const filters = {
    type: params.get('type') ?? '',
    status: params.get('status') ?? '',
    environment: params.get('environment') ?? '',
  };
  const cursor = params.get('cursor') ?? '';
  // The cursors of the pages before this one, so "Previous" can go back.
  const trail = (params.get('trail') ?? '').split(',').filter(Boolean);
  const res = await get(paths.integrations, { query: { ...filters, cursor, limit: PAGE_SIZE } });
  if (!ctx.alive()) return;
  const typeName = new Map(catalogue.map((t) => [t.slug, t.name]));

  const select = (name, labelText, options) => {
    const id = `filter-${name}`;
    return h('div', { class: 'field field-inline' },
      h('label', { for: id }, labelText),
      h('select', { id, name },
        h('option', { value: '' }, 'All'),
        options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text))));
  };
  const filterForm = h('form', { class: 'filters', 'aria-label': 'Filter integrations' },
    select('type', 'Type', catalogue.map((t) => [t.slug, t.name])),
    select('status', 'Status', [['active', 'Active'], ['inactive', 'Inactive']]),
    select('environment', 'Environment', [['production', 'Production'], ['stage', 'Stage']]),
  );
  filterForm.addEventListener('change', () => {
    const next = new URLSearchParams();
    for (const el of filterForm.querySelectorAll('select')) if (el.value) next.set(el.name, el.value);
    go(hashFor(next));
  });
  filterForm.addEventListener('submit', (e) => e.preventDefault());

  const rows = res.data.data;
  const table = rows.length
    ? h('table', { class: 'list' },
      h('caption', { class: 'visually-hidden' }, 'Integrations'),
      h('thead', {}, h('tr', {}, ['Name', 'Type', 'Environment', 'Status', 'Health', 'Last test']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((i) => h('tr', {},
        h('td', { 'data-label': 'Name' }, h('a', { href: `#/integrations/${i.id}` }, i.name),
          i.isManaged ? h('span', { class: 'tag' }, 'managed') : null),
        h('td', { 'data-label': 'Type' }, typeName.get(i.type) ?? i.type),
        h('td', { 'data-label': 'Environment' }, i.environment),
        h('td', { 'data-label': 'Status' }, badge('status', i.status)),
        h('td', { 'data-label': 'Health' }, badge('health', i.health?.status ?? 'unknown')),
        h('td', { 'data-label': 'Last test' }, i.lastTest
          ? [badge('verdict', i.lastTest.status), ' ', h('time', { datetime: i.lastTest.testedAt }, ago(i.lastTest.testedAt))]
          : 'never')))))
    : h('p', { class: 'empty' }, Object.values(filters).some(Boolean)
      ? 'No integration matches these filters.'
      : 'No integrations yet.');

  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (cursor) {
    const back = new URLSearchParams(params);
    const previous = trail.pop() ?? '';
    back.delete('cursor');
    back.delete('trail');
    if (previous && previous !== '-') back.set('cursor', previous);
    if (trail.length) back.set('trail', trail.join(','));
    pager.append(h('a', { class: 'btn', href: hashFor(back) }, 'Previous page'));
  }
  if (res.data.nextCursor) {
    const next = new URLSearchParams(params);
    next.set('cursor', res.data.nextCursor);
    next.set('trail', [...(params.get('trail') ?? '').split(',').filter(Boolean), cursor || '-'].join(','));
    pager.append(h('a', { class: 'btn', href: hashFor(next) }, 'Next page'));
  }

  fill(ctx.main,
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Integrations'),
      can('write') ? h('a', { class: 'btn btn-primary', href: '#/integrations/new', id: 'new-integration' }, 'New integration') : null),
    filterForm,
    table,
    pager);
}
