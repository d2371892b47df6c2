// Create and edit an integration. The config part of the form comes from
// the type's schema (schema-form.js); saving an edit sends `If-Match`, so
// a change someone made meanwhile is reported, never overwritten.

import { ApiError, get, paths, post, put, typeBySlug, types } from '../api.js';
import { fill, h } from '../dom.js';
import { go, notify } from '../main.js';
import { schemaForm } from '../schema-form.js';
import { can } from '../session.js';
import { testResult } from './integration.js';

export async function editorView(ctx, id) {
  const catalogue = await types();
  let integration = null;
  let etag = null;
  if (id) {
    const res = await get(paths.integration(id));
    integration = res.data;
    etag = res.etag;
  }
  if (!ctx.alive()) return;
  if (!can('write')) {
    fill(ctx.main, h('h1', { tabindex: '-1' }, id ? 'Edit integration' : 'New integration'),
      h('p', { class: 'notice-info' }, 'This API key may not change integrations (it lacks the write scope).'));
    return;
  }
  if (integration?.isManaged) {
    fill(ctx.main, h('h1', { tabindex: '-1' }, `Edit ${integration.name}`),
      managedNotice(),
      h('p', {}, h('a', { href: `#/integrations/${id}` }, 'Back to the integration')));
    return;
  }

  const field = (fid, labelText, control, help) => h('div', { class: 'field' },
    h('label', { for: fid }, labelText), control,
    help ? h('p', { class: 'hint', id: `${fid}-help` }, help) : null,
    h('p', { class: 'field-error', id: `${fid}-error`, hidden: true }));
  const nameInput = h('input', {
    id: 'name', name: 'name', type: 'text', required: true, maxlength: 200, autocomplete: 'off',
    value: integration?.name ?? '', 'aria-describedby': 'name-error',
  });
  const typeSelect = h('select', { id: 'type', name: 'type', 'aria-describedby': 'type-help' },
    catalogue.map((t) => h('option', { value: t.slug }, t.name)));
  const envSelect = h('select', { id: 'environment', name: 'environment', 'aria-describedby': 'environment-error' },
    [['production', 'Production'], ['stage', 'Stage']].map(([v, t]) => h('option', { value: v, selected: integration?.environment === v }, t)));
  const statusSelect = id ? null : h('select', { id: 'status', name: 'status' },
    h('option', { value: 'active' }, 'Active'), h('option', { value: 'inactive' }, 'Inactive'));

  const configBox = h('fieldset', { class: 'config' });
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const result = h('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' });
  let form = null;
  let spec = null;

  async function renderConfig() {
    spec = id ? await typeBySlug(integration.type) : catalogue.find((t) => t.slug === typeSelect.value);
    if (!spec) {
      fill(configBox, h('p', { class: 'error' }, `The catalogue has no type ${integration.type}.`));
      form = null;
      return;
    }
    form = schemaForm(spec.configSchema, {
      mode: id ? 'edit' : 'create', config: integration?.config, secrets: integration?.secrets,
    });
    fill(configBox, h('legend', {}, `${spec.name} settings`),
      h('p', { class: 'hint' }, spec.description),
      id ? h('p', { class: 'hint' }, 'Secret fields are never shown. Leave one empty to keep its stored value.') : null,
      form.element);
    testButton.hidden = !(can('test') && spec.capabilities?.test);
    fill(result);
  }

  typeSelect.addEventListener('change', renderConfig);

  const saveButton = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save' }, id ? 'Save changes' : 'Create integration');
  const testButton = h('button', { type: 'button', class: 'btn', id: 'test-settings' }, id ? 'Test with these changes' : 'Test these settings');
  const cancel = h('a', { class: 'btn', href: id ? `#/integrations/${id}` : '#/integrations' }, 'Cancel');

  const formEl = h('form', { class: 'card editor', novalidate: true, 'aria-labelledby': 'editor-title' },
    summary,
    field('name', 'Name', nameInput),
    id ? h('p', { class: 'field' }, h('span', { class: 'label' }, 'Type'), ' ', catalogue.find((t) => t.slug === integration.type)?.name ?? integration.type)
      : field('type', 'Type', typeSelect, 'The form below follows the type you choose.'),
    field('environment', 'Environment', envSelect),
    statusSelect ? field('status', 'Status', statusSelect) : null,
    configBox,
    result,
    h('div', { class: 'actions' }, saveButton, testButton, cancel));

  function clearErrors() {
    summary.hidden = true;
    fill(summary);
    form?.clearErrors();
    for (const el of formEl.querySelectorAll(':scope > .field .field-error')) el.hidden = true;
    for (const el of formEl.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  function showProblem(error) {
    const fieldErrors = error instanceof ApiError ? error.fieldErrors : [];
    const items = [];
    let rest = form ? form.showErrors(fieldErrors) : fieldErrors;
    rest = rest.filter((e) => {
      const own = { name: nameInput, environment: envSelect, type: typeSelect, status: statusSelect }[e.field];
      if (!own) return true;
      const errEl = formEl.querySelector(`#${own.id}-error`);
      errEl.textContent = `${e.field[0].toUpperCase()}${e.field.slice(1)} ${e.message}`;
      errEl.hidden = false;
      own.setAttribute('aria-invalid', 'true');
      return false;
    });
    const own = { name: 'Name', environment: 'Environment', type: 'Type', status: 'Status' };
    for (const e of fieldErrors) {
      const text = `${form?.labelFor(e.field) ?? own[e.field] ?? e.field} ${e.message}`;
      items.push(h('li', {}, rest.includes(e) ? text : h('a', {
        href: '#', onclick: (ev) => { ev.preventDefault(); focusField(e.field); },
      }, text)));
    }
    fill(summary,
      h('p', {}, error.message),
      items.length ? h('ul', {}, items) : null);
    summary.hidden = false;
    summary.focus();
  }

  function focusField(path) {
    const m = /^config\.([^.[\]]+)/.exec(path);
    if (m && form?.fields.get(m[1])) form.fields.get(m[1]).focus();
    else formEl.querySelector(`#${path}`)?.focus();
  }

  function showConflict() {
    fill(summary,
      h('p', {}, `Someone changed “${integration.name}” since you opened it, so nothing was saved. `,
        'Reload to see the current version (your edits here will be lost), then make your change again.'),
      h('button', { type: 'button', class: 'btn', id: 'reload', onclick: () => go(location.hash) }, 'Reload'));
    summary.hidden = false;
    summary.focus();
  }

  function collectOrShow() {
    clearErrors();
    const collected = form.collect();
    if (collected.problems.length) {
      showProblem(new ApiError(422, { detail: 'Some fields could not be read.', errors: collected.problems }));
      return null;
    }
    return collected;
  }

  testButton.addEventListener('click', async () => {
    const collected = collectOrShow();
    if (!collected) return;
    testButton.disabled = true;
    fill(result, h('p', { class: 'loading' }, 'Testing…'));
    try {
      let res;
      if (id) {
        const configOverrides = { ...collected.config };
        for (const name of collected.cleared) configOverrides[name] = null;
        res = await post(paths.test(id), { configOverrides });
      } else {
        res = await post(paths.testUnsaved, { type: typeSelect.value, environment: envSelect.value, config: collected.config });
      }
      if (ctx.alive()) fill(result, testResult(res.data, id ? 'Test with unsaved changes (nothing saved)' : 'Test of these settings (nothing saved)'));
    } catch (e) {
      fill(result);
      showProblem(e);
    } finally {
      testButton.disabled = false;
    }
  });

  formEl.addEventListener('submit', async (event) => {
    event.preventDefault();
    const collected = collectOrShow();
    if (!collected) return;
    saveButton.disabled = true;
    try {
      let res;
      if (id) {
        const body = { name: nameInput.value, environment: envSelect.value, config: collected.config };
        if (collected.cleared.length) body.clearedConfigKeys = collected.cleared;
        res = await put(paths.integration(id), body, { ifMatch: etag });
      } else {
        res = await post(paths.integrations, {
          name: nameInput.value, type: typeSelect.value, environment: envSelect.value,
          status: statusSelect.value, config: collected.config,
        });
      }
      form.forgetSecrets();
      notify(id ? `Saved “${res.data.name}”.` : `Created “${res.data.name}”.`);
      go(`#/integrations/${res.data.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) showConflict();
      else showProblem(e);
    } finally {
      saveButton.disabled = false;
    }
  });

  fill(ctx.main,
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/integrations' }, 'Integrations'),
      id ? [' / ', h('a', { href: `#/integrations/${id}` }, integration.name)] : null),
    h('h1', { tabindex: '-1', id: 'editor-title' }, id ? `Edit ${integration.name}` : 'New integration'),
    formEl);
  await renderConfig();
}

export function managedNotice() {
  return h('p', { class: 'notice-info managed-notice' },
    'Managed by the operator: this integration comes from the provisioning file, so it cannot be changed or deleted here. ',
    'Change it in that file; you can still test it and send through it.');
}
