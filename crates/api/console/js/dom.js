// Building the page from nodes and text only: the policy's Trusted Types
// refuse any HTML string, so no value can ever be parsed as markup.

// h('a', {href: '#/x', class: 'btn', onclick: fn}, 'text', child, ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      el.className = value;
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'value' || name === 'checked' || name === 'selected') {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replace an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
// A unique id for label/description wiring.
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// A small <dl> from [term, description] pairs (description may be a node).
export function definitions(pairs, cls = 'facts') {
  return h('dl', { class: cls }, pairs.filter(Boolean).map(([term, desc]) => [
    h('dt', {}, term), h('dd', {}, desc),
  ]));
}

// A badge whose class says its meaning (status-active, health-unhealthy, ...).
export function badge(kind, value, label = value) {
  return h('span', { class: `badge ${kind}-${value}` }, label);
}

// A modal confirmation; resolves true when confirmed.
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    const titleId = uid('dialog-title');
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const cancel = h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, 'Cancel');
    const confirm = h('button', {
      type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary', onclick: () => done(true),
    }, confirmLabel);
    dialog.append(
      h('h2', { id: titleId }, title),
      h('p', {}, message),
      h('div', { class: 'actions' }, cancel, confirm),
    );
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
