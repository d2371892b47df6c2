// The console's shell: routes (the URL fragment names the page, never the
// key), the header, and the session.

import { get, paths, whenUnauthorized } from './api.js';
import { fill, h } from './dom.js';
import { apiKey, can, me, setMe, signOut } from './session.js';
import { auditView } from './views/audit.js';
import { deliveryView } from './views/deliveries.js';
import { editorView } from './views/editor.js';
import { integrationView } from './views/integration.js';
import { integrationsView } from './views/integrations.js';
import { signInView } from './views/sign-in.js';

const main = () => document.getElementById('main');

// A message shown above the page until the next navigation after it.
let pending = null;
export function notify(message, kind = 'success') {
  pending = { message, kind };
  showNotice();
}

function showNotice() {
  const el = document.getElementById('notice');
  if (!pending) {
    fill(el);
    return;
  }
  fill(el, h('p', { class: `notice-${pending.kind}` }, pending.message));
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

const routes = [
  [/^#\/sign-in$/, () => signInView],
  [/^#\/integrations\/new$/, () => (ctx) => editorView(ctx, null)],
  [/^#\/integrations\/(int_[^/]+)\/edit$/, (m) => (ctx) => editorView(ctx, decodeURIComponent(m[1]))],
  [/^#\/integrations\/(int_[^/]+)$/, (m) => (ctx) => integrationView(ctx, decodeURIComponent(m[1]))],
  [/^#\/integrations(?:\?(.*))?$/, (m) => (ctx) => integrationsView(ctx, new URLSearchParams(m[1] ?? ''))],
  [/^#\/deliveries\/(dlv_[^/]+)$/, (m) => (ctx) => deliveryView(ctx, decodeURIComponent(m[1]))],
  [/^#\/audit(?:\?(.*))?$/, (m) => (ctx) => auditView(ctx, new URLSearchParams(m[1] ?? ''))],
];

// Each page gets a context whose `alive()` turns false once the person
// navigates away, so that late answers and polling stop.
let generation = 0;

async function route() {
  const hash = location.hash || '#/integrations';
  if (!hash.startsWith('#/')) return; // the skip link, an in-page anchor
  generation += 1;
  const mine = generation;
  const ctx = { alive: () => mine === generation, main: main() };
  if (!apiKey() && hash !== '#/sign-in') {
    location.replace('#/sign-in');
    return;
  }
  if (apiKey() && !me()) {
    try {
      setMe((await get(paths.me)).data);
    } catch {
      return; // a 401 signed out already; anything else shows on the sign-in page
    }
  }
  renderHeader();
  let view = null;
  for (const [pattern, make] of routes) {
    const m = pattern.exec(hash);
    if (m) {
      view = make(m);
      break;
    }
  }
  if (!view) {
    location.replace('#/integrations');
    return;
  }
  fill(ctx.main, h('p', { class: 'loading' }, 'Loading…'));
  try {
    await view(ctx);
  } catch (error) {
    if (!ctx.alive()) return;
    fill(ctx.main, h('h1', { tabindex: '-1' }, 'Something went wrong'),
      h('p', { class: 'error', role: 'alert' }, error.message),
      h('p', {}, h('a', { href: '#/integrations' }, 'Back to integrations')));
  }
  if (!ctx.alive()) return;
  showNotice();
  pending = null;
  const heading = ctx.main.querySelector('h1');
  if (heading && !ctx.main.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

function renderHeader() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('whoami');
  const identity = me();
  nav.hidden = !identity;
  who.hidden = !identity;
  if (!identity) {
    fill(who);
    return;
  }
  nav.querySelector('[data-nav="audit"]').hidden = !can('admin');
  const section = (location.hash.split('/')[1] ?? '').split('?')[0];
  for (const link of nav.querySelectorAll('a')) {
    const current = link.dataset.nav === section || (section === 'deliveries' && link.dataset.nav === 'integrations');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  fill(who,
    h('span', { class: 'org' }, identity.organization.name),
    h('span', { class: 'scopes', title: 'Scopes of this API key' }, identity.scopes.join(', ')),
    h('button', { type: 'button', class: 'btn btn-small', id: 'sign-out', onclick: () => {
      signOut();
      notify('Signed out. The key is no longer kept in this tab.');
      renderHeader();
      go('#/sign-in');
    } }, 'Sign out'));
}

whenUnauthorized(() => {
  signOut();
  notify('The API key was refused (revoked or unknown). Sign in again.', 'error');
  renderHeader();
  go('#/sign-in');
});

document.addEventListener('click', (event) => {
  const skip = event.target.closest('.skip-link');
  if (skip) {
    event.preventDefault();
    main().focus();
  }
});

window.addEventListener('hashchange', route);
route();
