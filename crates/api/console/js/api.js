// The console's only way to the service: the public API, same origin,
// with the signed-in key. Every error is an RFC 9457 problem.

import { apiKey } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The service answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }

  // [{field, message}] of a 422, else [].
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

// Called with the error when a signed-in request answers 401 (revoked key).
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

// request('GET', '/api/integrations', {query, body, ifMatch, key})
// → {status, data, etag, location}.
export async function request(method, path, options = {}) {
  const key = options.key ?? apiKey();
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  let body;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let url = path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== null && value !== '') params.set(name, value);
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'The service could not be reached. Check that it is running, then try again.' });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data);
    if (res.status === 401 && !options.key) onUnauthorized(error);
    throw error;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), location: res.headers.get('Location') };
}

export const get = (path, options) => request('GET', path, options);
export const post = (path, body, options = {}) => request('POST', path, { ...options, body });
export const put = (path, body, options = {}) => request('PUT', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);

const enc = encodeURIComponent;
export const paths = {
  me: '/api/me',
  types: '/api/integration-types',
  integrations: '/api/integrations',
  testUnsaved: '/api/integrations/test',
  integration: (id) => `/api/integrations/${enc(id)}`,
  test: (id) => `/api/integrations/${enc(id)}/test`,
  send: (id) => `/api/integrations/${enc(id)}/send`,
  deliveriesOf: (id) => `/api/integrations/${enc(id)}/deliveries`,
  delivery: (id) => `/api/deliveries/${enc(id)}`,
  retry: (id) => `/api/deliveries/${enc(id)}/retry`,
  audit: '/api/audit-events',
};

// The type catalogue, read once per page load.
let catalogue = null;
export async function types() {
  if (!catalogue) {
    const res = await get(paths.types);
    catalogue = res.data.data;
  }
  return catalogue;
}

export async function typeBySlug(slug) {
  return (await types()).find((t) => t.slug === slug) ?? null;
}

export function forgetCatalogue() {
  catalogue = null;
}
