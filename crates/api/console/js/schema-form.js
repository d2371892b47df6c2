// A type's config form, rendered from its JSON Schema in the catalogue
// (`configSchema` of GET /api/integration-types) and nothing else: labels
// (`title`, else the field's name), required marks, input kinds from `type`
// and `format`, enums as selects, secret fields (`x-secret` / `writeOnly`)
// as password inputs. A type the catalogue adds, an embedder's included,
// gets its form from here with no code of its own.

import { h, uid } from './dom.js';
import { humanize, secretHint } from './format.js';

function typesOf(prop) {
  const types = Array.isArray(prop.type) ? prop.type : prop.type ? [prop.type] : [];
  return types.filter((t) => t !== 'null');
}

function kindOf(prop) {
  const types = typesOf(prop);
  if (Array.isArray(prop.enum)) return 'enum';
  if (types.length === 1 && types[0] === 'boolean') return 'boolean';
  if (types.length === 1 && (types[0] === 'integer' || types[0] === 'number')) return 'number';
  if (types.includes('string') && (types.includes('integer') || types.includes('number'))) return 'string-or-number';
  if (types.length === 1 && types[0] === 'object' && prop.additionalProperties?.type === 'string') return 'map';
  if (types.length === 1 && types[0] === 'array' && prop.items?.type === 'string') return 'lines';
  if (types.length === 1 && types[0] === 'string') return 'string';
  return 'json';
}

const isSecret = (prop) => prop['x-secret'] === true || prop.writeOnly === true;

// "Give Webhook URL, or Bot token and Channel." for a schema whose `oneOf`
// (or `anyOf`) alternatives each require their own fields.
function alternativesNote(schema, label) {
  const alternatives = (schema.oneOf ?? schema.anyOf ?? [])
    .map((alt) => (Array.isArray(alt.required) ? alt.required : []))
    .filter((req) => req.length);
  if (alternatives.length < 2) return null;
  const phrase = (req) => req.map(label).join(' and ');
  return `Give ${alternatives.map(phrase).join(', or ')}.`;
}

// A number typed as text: an integer when it reads as one and the schema
// allows integers, else the text (the service says what is wrong with it).
function coerce(text, prop) {
  const types = typesOf(prop);
  const t = text.trim();
  if ((types.includes('integer') && /^-?\d+$/.test(t)) || (types.includes('number') && t !== '' && !Number.isNaN(Number(t)))) {
    return Number(t);
  }
  return t;
}

// options: {mode: 'create' | 'edit', config: stored non-secret values,
// secrets: [{field, hint}] stored}.
export function schemaForm(schema, options = {}) {
  const mode = options.mode ?? 'create';
  const stored = options.config ?? {};
  const storedSecrets = new Map((options.secrets ?? []).map((s) => [s.field, s]));
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const label = (name) => properties[name]?.title ?? humanize(name);
  const fields = new Map();

  const element = h('div', { class: 'schema-fields' });
  const note = alternativesNote(schema ?? {}, label);
  if (note) element.append(h('p', { class: 'hint alternatives' }, note));

  // Required fields first, each group in the schema's order.
  const ordered = Object.entries(properties)
    .map(([name, prop], at) => ({ name, prop, at: at + (required.has(name) ? 0 : 100000) }))
    .sort((a, b) => a.at - b.at);
  for (const { name, prop } of ordered) {
    const field = renderField(name, prop, {
      label: label(name),
      required: required.has(name),
      secret: isSecret(prop),
      mode,
      storedValue: stored[name],
      storedSecret: storedSecrets.get(name),
    });
    fields.set(name, field);
    element.append(field.element);
  }

  return {
    element,
    fields,
    // {config, cleared, problems}: what to send, and inputs that could not
    // be read (bad JSON), as field errors.
    collect() {
      const config = {};
      const cleared = [];
      const problems = [];
      for (const [name, field] of fields) {
        const read = field.read();
        if (read.problem) problems.push({ field: `config.${name}`, message: read.problem });
        else if (read.clear) cleared.push(name);
        else if (read.present) config[name] = read.value;
      }
      return { config, cleared, problems };
    },
    // Field errors of a 422 (`config.x...` paths); returns those that
    // belong to no field here.
    showErrors(errors) {
      const rest = [];
      for (const e of errors) {
        const m = /^config\.([^.[\]]+)/.exec(e.field ?? '');
        const field = m && fields.get(m[1]);
        if (field) field.setError(e.message);
        else rest.push(e);
      }
      return rest;
    },
    clearErrors() {
      for (const field of fields.values()) field.setError(null);
    },
    // The label of the field a `config.x…` path names, if it is here.
    labelFor(path) {
      const m = /^config\.([^.[\]]+)/.exec(path ?? '');
      return m && fields.has(m[1]) ? label(m[1]) : null;
    },
    // After a save: no typed secret stays in the page.
    forgetSecrets() {
      for (const field of fields.values()) if (field.secret) field.forget();
    },
  };
}

function renderField(name, prop, ctx) {
  const kind = kindOf(prop);
  const id = uid(`cfg-${name}`);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [prop.description ? helpId : null, errorId].filter(Boolean).join(' ');
  const wrapper = h('div', { class: 'field', dataset: { field: name } });
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  // A map's entries are a group of inputs: its name labels the group.
  const labelEl = h(kind === 'map' ? 'p' : 'label', kind === 'map' ? { id: `${id}-label`, class: 'label' } : { for: id }, ctx.label,
    ctx.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
    ctx.required ? h('span', { class: 'visually-hidden' }, ' (required)') : null,
    ctx.secret ? h('span', { class: 'tag' }, 'secret') : null);
  const storedSet = ctx.secret && ctx.storedSecret !== undefined;
  const editingSecret = ctx.mode === 'edit' && ctx.secret;
  let control;
  let read;
  let focusable;

  const common = {
    id, name: `config.${name}`, 'aria-describedby': describedBy,
    'aria-required': ctx.required && !storedSet ? 'true' : null,
  };

  if (kind === 'enum') {
    const choices = prop.enum.filter((v) => v !== null);
    control = h('select', common,
      ctx.required ? null : h('option', { value: '' }, '(default)'),
      choices.map((v) => h('option', { value: String(v), selected: ctx.storedValue === v }, String(v))));
    read = () => {
      const v = control.value;
      if (v === '') return presentOrCleared(undefined);
      const original = choices.find((c) => String(c) === v);
      return { present: true, value: original };
    };
    focusable = control;
  } else if (kind === 'boolean') {
    control = h('input', { ...common, type: 'checkbox', checked: ctx.storedValue === true, class: 'checkbox' });
    read = () => ({ present: control.checked || ctx.storedValue !== undefined || ctx.required, value: control.checked });
    focusable = control;
  } else if (kind === 'map') {
    const rows = h('div', { class: 'map-rows' });
    const addRow = (key = '', value = '') => {
      const keyInput = h('input', { type: 'text', value: key, 'aria-label': `${ctx.label}: name`, autocomplete: 'off', spellcheck: 'false' });
      const valueInput = h('input', { type: ctx.secret ? 'password' : 'text', value, 'aria-label': `${ctx.label}: value`, autocomplete: 'off', spellcheck: 'false' });
      const row = h('div', { class: 'map-row' }, keyInput, valueInput,
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Remove this ${ctx.label} entry`, onclick: () => row.remove() }, 'Remove'));
      rows.append(row);
      return keyInput;
    };
    if (!ctx.secret && ctx.storedValue && typeof ctx.storedValue === 'object') {
      for (const [k, v] of Object.entries(ctx.storedValue)) addRow(k, String(v));
    }
    const add = h('button', { type: 'button', class: 'btn btn-small', id, onclick: () => addRow().focus() }, 'Add entry');
    control = h('div', { class: 'map', role: 'group', 'aria-labelledby': `${id}-label`, 'aria-describedby': describedBy }, rows, add);
    read = () => {
      const entries = [...rows.querySelectorAll('.map-row')]
        .map((row) => [...row.querySelectorAll('input')].map((i) => i.value))
        .filter(([k, v]) => k.trim() !== '' || v !== '');
      if (!entries.length) return editingSecret ? { present: false } : presentOrCleared(undefined);
      return { present: true, value: Object.fromEntries(entries.map(([k, v]) => [k.trim(), v])) };
    };
    control.forget = () => rows.replaceChildren();
    focusable = add;
  } else if (kind === 'lines' || kind === 'json') {
    const initial = ctx.secret || ctx.storedValue === undefined ? ''
      : kind === 'lines' ? (ctx.storedValue ?? []).join('\n') : JSON.stringify(ctx.storedValue, null, 2);
    control = h('textarea', { ...common, rows: 4, spellcheck: 'false', value: initial });
    read = () => {
      const text = control.value;
      if (text.trim() === '') return editingSecret ? { present: false } : presentOrCleared(undefined);
      if (kind === 'lines') return { present: true, value: text.split('\n').map((l) => l.trim()).filter(Boolean) };
      try {
        return { present: true, value: JSON.parse(text) };
      } catch {
        return { problem: 'is not valid JSON' };
      }
    };
    focusable = control;
  } else {
    let type = 'text';
    if (ctx.secret) type = 'password';
    else if (kind === 'number') type = 'number';
    else if (prop.format === 'email') type = 'email';
    else if (prop.format === 'uri') type = 'url';
    const value = ctx.secret || ctx.storedValue === undefined || ctx.storedValue === null ? '' : String(ctx.storedValue);
    control = h('input', {
      ...common, type, value,
      maxlength: prop.maxLength, min: prop.minimum, max: prop.maximum,
      step: typesOf(prop).includes('integer') && kind === 'number' ? '1' : null,
      inputmode: kind === 'string-or-number' ? 'text' : null,
      autocomplete: 'off', spellcheck: 'false',
      placeholder: editingSecret && storedSet ? 'Leave empty to keep the stored value' : null,
    });
    read = () => {
      const text = control.value;
      if (text === '') return editingSecret ? { present: false } : presentOrCleared(undefined);
      if (kind === 'number' || kind === 'string-or-number') return { present: true, value: coerce(text, prop) };
      return { present: true, value: text };
    };
    control.forget = () => { control.value = ''; };
    focusable = control;
  }

  // An emptied optional field that was stored is removed; never-set and
  // empty is left out.
  function presentOrCleared() {
    if (ctx.mode === 'edit' && ctx.storedValue !== undefined && ctx.storedValue !== null) return { clear: true };
    return { present: false };
  }

  wrapper.append(labelEl, control);
  if (prop.description) wrapper.append(h('p', { class: 'hint', id: helpId }, prop.description));

  let clearBox = null;
  if (editingSecret) {
    wrapper.append(h('p', { class: 'stored' }, 'Stored: ', h('strong', {}, storedSet ? secretHint(ctx.storedSecret) : 'not set')));
    if (storedSet && !ctx.required) {
      const clearId = `${id}-clear`;
      clearBox = h('input', { type: 'checkbox', id: clearId, class: 'checkbox', name: `clear.${name}` });
      clearBox.addEventListener('change', () => {
        const disabled = clearBox.checked;
        for (const el of [control, ...control.querySelectorAll('input, button')]) el.disabled = disabled;
      });
      wrapper.append(h('div', { class: 'clear-secret' }, clearBox, h('label', { for: clearId }, `Clear the stored ${ctx.label.toLowerCase()}`)));
    }
  }
  wrapper.append(error);

  return {
    element: wrapper,
    secret: ctx.secret,
    read: () => (clearBox?.checked ? { clear: true } : read()),
    focus: () => focusable.focus(),
    forget: () => control.forget?.(),
    setError(message) {
      error.hidden = !message;
      error.textContent = message ? `${ctx.label} ${message}` : '';
      wrapper.classList.toggle('invalid', Boolean(message));
      if (focusable.setAttribute) {
        if (message) focusable.setAttribute('aria-invalid', 'true');
        else focusable.removeAttribute('aria-invalid');
      }
    },
  };
}
