// The API key lives in this tab's sessionStorage only: gone when the tab
// closes, never in localStorage, a cookie or a URL. Signing out removes it.

const KEY = 'patchbay.console.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key, me) {
  sessionStorage.setItem(KEY, key);
  current = me;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  current = null;
}

// What the key may do, from GET /api/me.
let current = null;

export function me() {
  return current;
}

export function setMe(value) {
  current = value;
}

// `admin` grants every scope.
export function can(scope) {
  const scopes = current?.scopes ?? [];
  return scopes.includes(scope) || scopes.includes('admin');
}
