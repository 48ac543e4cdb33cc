/**
 * Building DOM without HTML strings: every piece of data goes in as a text node, so nothing the
 * daemon returns (record bodies, actor names) can ever become markup or script.
 */

/** What an element may hold: nodes, text (always a text node), or nothing. */
export type Child = Node | string | number | boolean | null | undefined;

/** Attributes set with `setAttribute`; `undefined` leaves one out. */
export type Attributes = { readonly [name: string]: string | undefined };

/**
 * Creates `<tag>` with attributes and children. Attribute names starting with `on` are refused:
 * the CSP forbids inline handlers, and listeners belong in `addEventListener`.
 *
 * @example
 * h('p', { class: 'note' }, 'records: ', 42)
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (/^on/i.test(name)) throw new Error(`inline event handler ${name} refused; use addEventListener`);
    if (value !== undefined) element.setAttribute(name, value);
  }
  append(element, children);
  return element;
}

/** Appends children to `parent`, text as text nodes; `null`, `undefined` and `false` are skipped. */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** A `<button type="button">` that runs `onClick`. */
export function button(label: string, onClick: (event: MouseEvent) => void, attributes: Attributes = {}): HTMLButtonElement {
  const b = h('button', { type: 'button', ...attributes }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** A table with a header row and one row per item; `cells` gives each row's cells in column order. */
export function table<T>(columns: readonly string[], items: readonly T[], cells: (item: T) => readonly Child[], attributes: Attributes = {}): HTMLTableElement {
  return h(
    'table',
    attributes,
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...items.map((item) => h('tr', {}, ...cells(item).map((cell) => h('td', {}, cell))))),
  );
}

/** A `<dl>` of label/value pairs, for one object's facts. */
export function facts(pairs: readonly (readonly [string, Child])[], attributes: Attributes = {}): HTMLDListElement {
  return h('dl', { class: 'facts', ...attributes }, ...pairs.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));
}
