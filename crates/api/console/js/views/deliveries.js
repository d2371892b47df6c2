// Sending a test message, and following a delivery: its status and each
// attempt (time, outcome, latency, provider code, retry hint); a failed
// delivery can be queued again.

import { ApiError, get, paths, post } from '../api.js';
import { badge, definitions, fill, h, uid } from '../dom.js';
import { ago, ms, when } from '../format.js';
import { go, notify } from '../main.js';
import { can } from '../session.js';

// Which message parts each kind of type uses is the service's business: the
// form offers them all and shows the service's 422 next to the part.
export function sendForm(ctx, integration) {
  const inputs = {};
  const part = (name, labelText, control, help) => {
    const id = uid(`send-${name}`);
    control.id = id;
    control.name = name;
    control.setAttribute('aria-describedby', `${id}-help ${id}-error`);
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    inputs[name] = { control, error, labelText };
    return h('div', { class: 'field' }, h('label', { for: id }, labelText), control,
      help ? h('p', { class: 'hint', id: `${id}-help` }, help) : null, error);
  };
  const summary = h('div', { class: 'error-summary', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'send' }, 'Send test message');
  const form = h('form', { class: 'send-form', novalidate: true, 'aria-label': 'Send a test message' },
    h('h3', {}, 'Send a test message'),
    summary,
    part('subject', 'Subject', h('input', { type: 'text', value: 'Test message from the Patchbay console', autocomplete: 'off' })),
    part('text', 'Text', h('textarea', { rows: 3 }, `A test of “${integration.name}”.`)),
    part('to', 'Recipients', h('input', { type: 'text', autocomplete: 'off' }), 'Email types only: addresses separated by commas (a@example.com or Name <a@example.com>).'),
    h('details', {},
      h('summary', {}, 'More message parts'),
      part('html', 'HTML body', h('textarea', { rows: 3 }), 'Email and webhooks.'),
      part('eventType', 'Event type', h('input', { type: 'text', autocomplete: 'off' }), 'Webhooks: the type member of the body (default message).'),
      part('data', 'Data (JSON)', h('textarea', { rows: 3, spellcheck: 'false' }), 'Webhooks: the data member of the body.')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.hidden = true;
    for (const { control, error } of Object.values(inputs)) {
      error.hidden = true;
      control.removeAttribute('aria-invalid');
    }
    const body = {};
    for (const name of ['subject', 'text', 'html', 'eventType']) {
      if (inputs[name].control.value.trim() !== '') body[name] = inputs[name].control.value;
    }
    const to = inputs.to.control.value.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
    if (to.length) body.to = to;
    if (inputs.data.control.value.trim() !== '') {
      try {
        body.data = JSON.parse(inputs.data.control.value);
      } catch {
        showErrors(new ApiError(422, { detail: 'The data is not valid JSON.', errors: [{ field: 'data', message: 'is not valid JSON' }] }));
        return;
      }
    }
    submit.disabled = true;
    try {
      const res = await post(paths.send(integration.id), body);
      notify('Message queued: this page follows its delivery.');
      go(`#/deliveries/${res.data.id}`);
    } catch (e) {
      showErrors(e);
    } finally {
      submit.disabled = false;
    }
  });
  function showErrors(e) {
    const errors = e instanceof ApiError ? e.fieldErrors : [];
    const unplaced = [];
    for (const fe of errors) {
      const target = inputs[(fe.field ?? '').split(/[.[]/)[0]];
      if (!target) {
        unplaced.push(fe);
        continue;
      }
      target.error.textContent = `${target.labelText} ${fe.message}`;
      target.error.hidden = false;
      target.control.setAttribute('aria-invalid', 'true');
      if (target.control.closest('details')) target.control.closest('details').open = true;
    }
    fill(summary, h('p', {}, e.message), unplaced.length ? h('ul', {}, unplaced.map((fe) => h('li', {}, `${fe.field}: ${fe.message}`))) : null);
    summary.hidden = false;
  }
  return form;
}

export function deliveriesTable(rows) {
  if (!rows.length) return h('p', { class: 'empty' }, 'No deliveries yet.');
  return h('table', { class: 'list' },
    h('caption', { class: 'visually-hidden' }, 'Recent deliveries'),
    h('thead', {}, h('tr', {}, ['Delivery', 'Status', 'Attempts', 'Created', 'Last error'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((d) => h('tr', {},
      h('td', { 'data-label': 'Delivery' }, h('a', { href: `#/deliveries/${d.id}` }, h('code', {}, d.id))),
      h('td', { 'data-label': 'Status' }, badge('delivery', d.status)),
      h('td', { 'data-label': 'Attempts' }, `${d.attemptCount} of ${d.maxAttempts}`),
      h('td', { 'data-label': 'Created' }, h('time', { datetime: d.createdAt }, ago(d.createdAt))),
      h('td', { 'data-label': 'Last error' }, d.lastError ?? '—')))));
}

function attemptsTable(attempts) {
  if (!attempts.length) return h('p', { class: 'empty' }, 'No attempt yet.');
  return h('table', { class: 'list attempts' },
    h('caption', { class: 'visually-hidden' }, 'Attempts'),
    h('thead', {}, h('tr', {}, ['#', 'Time', 'Outcome', 'Latency', 'Provider code', 'Retry hint', 'Detail']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, attempts.map((a) => h('tr', {},
      h('td', { 'data-label': '#' }, String(a.number)),
      h('td', { 'data-label': 'Time' }, h('time', { datetime: a.startedAt }, when(a.startedAt))),
      h('td', { 'data-label': 'Outcome' }, badge('outcome', a.outcome), ' ', h('span', { class: 'hint' }, a.statusClass)),
      h('td', { 'data-label': 'Latency' }, ms(a.latencyMs)),
      h('td', { 'data-label': 'Provider code' }, a.code ? h('code', {}, a.code) : '—'),
      h('td', { 'data-label': 'Retry hint' }, [
        a.retryAfterMs !== null ? `provider asked to wait ${ms(a.retryAfterMs)}` : null,
        a.retryAt ? `next try ${when(a.retryAt)}` : null,
      ].filter(Boolean).join('; ') || '—'),
      h('td', { 'data-label': 'Detail' }, a.error ?? (a.providerMessageId ? ['message id ', h('code', {}, a.providerMessageId)] : '—'))))));
}

const POLL_MS = 1000;
const POLL_FOR_MS = 120000;

export async function deliveryView(ctx, id) {
  const started = Date.now();
  let first = true;
  async function render() {
    const res = await get(paths.delivery(id));
    if (!ctx.alive()) return;
    const d = res.data;
    const settled = d.status === 'delivered' || d.status === 'failed';
    const actions = h('div', { class: 'actions' });
    if (d.status === 'failed' && can('test')) {
      const retry = h('button', { type: 'button', class: 'btn btn-primary', id: 'retry' }, 'Retry delivery');
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        try {
          await post(paths.retry(id), undefined);
          notify('Queued again: this page follows the new attempts.');
          go(location.hash);
        } catch (e) {
          retry.disabled = false;
          actions.append(h('p', { class: 'error', role: 'alert' }, e.message));
        }
      });
      actions.append(retry);
    }
    const focusedId = document.activeElement?.id;
    fill(ctx.main,
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/integrations' }, 'Integrations'), ' / ',
        h('a', { href: `#/integrations/${d.integrationId}` }, 'Integration')),
      h('div', { class: 'page-head' },
        h('h1', { tabindex: '-1' }, 'Delivery ', h('code', {}, d.id)),
        h('div', { class: 'badges', id: 'delivery-status', role: 'status' }, badge('delivery', d.status))),
      h('section', { class: 'card' },
        definitions([
          ['Status', d.status],
          ['Attempts', `${d.attemptCount} of at most ${d.maxAttempts}`],
          d.nextAttemptAt ? ['Next attempt', when(d.nextAttemptAt)] : null,
          ['Created', when(d.createdAt)],
          d.completedAt ? ['Completed', when(d.completedAt)] : null,
          d.providerMessageId ? ['Provider message id', h('code', {}, d.providerMessageId)] : null,
          d.lastError ? ['Last error', d.lastError] : null,
          d.lastCode ? ['Last code', h('code', {}, d.lastCode)] : null,
        ]),
        settled ? null : h('p', { class: 'hint' }, 'Updating every second until it is delivered or fails.'),
        actions),
      h('section', { class: 'card', 'aria-labelledby': 'attempts-title' },
        h('h2', { id: 'attempts-title' }, 'Attempts'), attemptsTable(d.attempts)));
    if (!first && focusedId) document.getElementById(focusedId)?.focus();
    first = false;
    if (!settled && Date.now() - started < POLL_FOR_MS) {
      setTimeout(() => { if (ctx.alive()) render().catch(() => {}); }, POLL_MS);
    }
  }
  await render();
}
