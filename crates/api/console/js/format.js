// How values read on the page.

const ACRONYMS = new Map([
  ['url', 'URL'], ['id', 'ID'], ['api', 'API'], ['rpc', 'RPC'], ['http', 'HTTP'],
  ['https', 'HTTPS'], ['ai', 'AI'], ['smtp', 'SMTP'], ['uri', 'URI'], ['ip', 'IP'],
]);

// A field's label when its schema has no `title`: `webhookUrl` → `Webhook URL`.
export function humanize(name) {
  const words = name
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim()
    .split(/\s+/)
    .map((w) => ACRONYMS.get(w.toLowerCase()) ?? w.toLowerCase());
  if (words.length && !ACRONYMS.has(words[0].toLowerCase())) {
    words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
  }
  return words.join(' ');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function ago(iso) {
  if (!iso) return 'never';
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return when(iso);
}

export function ms(value) {
  return value === null || value === undefined ? '—' : `${value} ms`;
}

// The hint of a stored secret: "set, ends in …1234" (or just "set").
export function secretHint(secret) {
  return secret?.hint ? `set, ends in ${secret.hint}` : 'set';
}
