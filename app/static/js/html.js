// @ts-check
// HTML built by one tagged template: `html` escapes every value put into it unless that value is
// itself `Html` (made by `html`), so a value from the service can never become markup. `Html`
// reaches the page only through `fragment` and `renderHtml`, the one place that parses markup
// (the linter bans `innerHTML`, `outerHTML`, `insertAdjacentHTML` and `setHTML` elsewhere).

/** @typedef {Html | string | number | boolean | null | undefined} HtmlValue */
/** @typedef {HtmlValue | readonly HtmlValue[]} HtmlPart */

const ENTITIES = /** @type {Record<string, string>} */ ({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
});

// only `html` and `Html.join` may make one: the constructor asks for this module's own key
const KEY = Symbol('html');

/** Markup known to be safe: literal template text and escaped values. */
export class Html {
  /** @type {string} */
  #text;

  /**
   * @param {symbol} key
   * @param {string} text
   */
  constructor(key, text) {
    if (key !== KEY) throw new TypeError('Html is made by the html`…` template only');
    this.#text = text;
  }

  toString() {
    return this.#text;
  }

  /**
   * The parts one after the other, `separator` between them.
   *
   * @param {readonly HtmlValue[]} parts
   * @param {Html} [separator]
   */
  static join(parts, separator) {
    return new Html(KEY, parts.map(piece).join(separator ? separator.#text : ''));
  }
}

/**
 * `value` as text inside HTML: `&`, `<`, `>` and both quotes escaped; null and undefined empty.
 *
 * @param {unknown} value
 */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** @param {HtmlValue} value */
function piece(value) {
  return value instanceof Html ? value.toString() : escapeHtml(value);
}

/**
 * The template's markup with every value escaped (`Html` kept as it is, arrays joined).
 *
 * @param {TemplateStringsArray} strings
 * @param {...HtmlPart} values
 */
export function html(strings, ...values) {
  let text = strings[0];
  values.forEach((value, index) => {
    text += Array.isArray(value) ? value.map(piece).join('') : piece(/** @type {HtmlValue} */ (value));
    text += strings[index + 1];
  });
  return new Html(KEY, text);
}

/**
 * `markup` parsed into nodes (in an inert template: nothing in it loads or runs).
 *
 * @param {Html} markup
 */
export function fragment(markup) {
  const template = document.createElement('template');
  // eslint-disable-next-line no-restricted-syntax -- the one parse of markup, `Html` only
  template.innerHTML = markup.toString();
  return template.content;
}

/**
 * Replace what `element` holds with `markup`.
 *
 * @param {Element} element
 * @param {Html} markup
 */
export function renderHtml(element, markup) {
  element.replaceChildren(fragment(markup));
}
