// Sign in with an API key: checked with GET /api/me, then kept in this
// tab's session only.

import { ApiError, get, paths } from '../api.js';
import { fill, h } from '../dom.js';
import { go } from '../main.js';
import { apiKey, signIn } from '../session.js';

export async function signInView(ctx) {
  if (apiKey()) {
    go('#/integrations');
    return;
  }
  const input = h('input', {
    id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'api-key-help api-key-error',
  });
  const error = h('p', { id: 'api-key-error', class: 'field-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Sign in');
  const form = h('form', { class: 'card sign-in', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'api-key' }, 'API key'),
      input,
      h('p', { class: 'hint', id: 'api-key-help' },
        'A key starting with pbk_, as printed by the first start or by `patchbay keys create`. ',
        'It is kept in this browser tab only, until you sign out or close the tab.'),
      error),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.hidden = true;
    if (!key) {
      showError('Enter an API key.');
      return;
    }
    submit.disabled = true;
    try {
      const res = await get(paths.me, { key });
      input.value = '';
      signIn(key, res.data);
      go('#/integrations');
    } catch (e) {
      let message = e.message;
      if (e instanceof ApiError && e.status === 401) message = 'That API key was refused: it is unknown, revoked or mistyped.';
      if (e instanceof ApiError && e.status === 429) message = `Too many refused keys from this address. ${e.message}`;
      showError(message);
    } finally {
      submit.disabled = false;
    }
  });
  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
  fill(ctx.main,
    h('h1', { tabindex: '-1' }, 'Sign in to the Patchbay console'),
    h('p', {}, 'Manage your organization\'s integrations: add and rotate credentials, test them, send a test message and follow its delivery.'),
    form);
  input.focus();
}
