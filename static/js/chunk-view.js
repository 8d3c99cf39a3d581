// How a chunk reads in a list: its details line, and its text with a search's highlights.
//
// A search answers each hit's chunk_html with the matched words in <b>…</b>, inside the chunk's
// own HTML, which may hold anything a user stored (<img onerror>, <script>). Only the text of
// that HTML and its <b> elements are copied, into new nodes of this page: no other element and
// no attribute ever reaches the page. The HTML is parsed by DOMParser, whose document runs no
// script and loads nothing, after its tags are stripped of their attributes: Chromium reports
// every event handler attribute it parses as a CSP violation, even in such a document. Safety
// does not rest on that stripping; the copy alone keeps the page safe.

import { el } from './dom.js';
import { timeNode } from './format.js';

/** Elements whose start or end separates blocks of text (as the server reads `content`). */
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main',
  'nav', 'ol', 'p', 'pre', 'section', 'table', 'td', 'th', 'tr', 'ul',
]);

/** Elements whose contents are never text a reader sees (the server's `content` drops them). */
const HIDDEN_ELEMENTS = new Set([
  'script', 'style', 'template', 'noscript', 'head', 'title', 'iframe', 'noembed',
]);

/**
 * Elements whose contents a browser reads as text up to their end tag, not as markup: true
 * where character references are decoded in it (RCDATA). `plaintext` runs to the end.
 */
const RAW_TEXT_ELEMENTS = new Map([
  ['script', false], ['style', false], ['xmp', false], ['iframe', false], ['noembed', false],
  ['noframes', false], ['plaintext', false], ['title', true], ['textarea', true],
]);

/** What the server's `content` reads as a space (Unicode's White_Space), and drops (controls). */
const WHITESPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** The spans of a chunk's details line: its tracking id, its file, when it was last updated. */
export function chunkDetails(chunk) {
  return [
    chunk.tracking_id ? el('span', { text: `tracking id: ${chunk.tracking_id}` }) : null,
    chunk.file_name ? el('span', { text: `file: ${chunk.file_name}` }) : null,
    el('span', {}, [document.createTextNode('updated '), timeNode(chunk.updated_at)]),
  ].filter(Boolean);
}

/**
 * The readable text of `html` as a fragment of text nodes and bare <b> elements: blocks
 * separated and whitespace collapsed to single spaces (so it reads as the chunk's `content`
 * does), every other element reduced to its text, script and the like dropped.
 */
export function highlightedText(html) {
  // Read as the contents of a body: a leading <noscript> or <title> would otherwise open a head.
  const markup = `<body>${withoutAttributes(html)}`;
  const parsed = new DOMParser().parseFromString(markup, 'text/html');
  const fragment = document.createDocumentFragment();
  copyText(parsed.body, fragment, { started: false, space: false });
  return fragment;
}

/** Copies the text and <b> elements under `from` into `into`. `gap`: whether anything was
 *  written yet, and whether a space is owed before the next text. */
function copyText(from, into, gap) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      appendText(into, node.data, gap);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const name = node.localName;
      if (HIDDEN_ELEMENTS.has(name)) {
        gap.space = true;
      } else if (name === 'b') {
        appendBold(node, into, gap);
      } else {
        const block = BLOCK_ELEMENTS.has(name);
        if (block) gap.space = true;
        copyText(node, into, gap);
        if (block) gap.space = true;
      }
    }
    // Comments and the like are not text.
  }
}

function appendBold(from, into, gap) {
  // A space owed goes before the <b>, so that only the words are highlighted.
  const spaceBefore = gap.space && gap.started;
  const spaceOwed = gap.space;
  gap.space = false;
  const bold = document.createElement('b');
  copyText(from, bold, gap);
  if (!bold.hasChildNodes()) {
    gap.space = gap.space || spaceOwed;
    return;
  }
  if (spaceBefore) into.append(' ');
  into.append(bold);
}

function appendText(into, data, gap) {
  const text = data.replace(WHITESPACE, ' ').replace(CONTROLS, '');
  if (text.startsWith(' ')) gap.space = true;
  const words = text.replace(/^ /, '').replace(/ $/, '');
  if (words === '') return;
  into.append(gap.space && gap.started ? ` ${words}` : words);
  gap.started = true;
  gap.space = text.endsWith(' ');
}

// ---- the HTML's tags without their attributes --------------------------------------------

/**
 * `html` with each tag reduced to its name (`<b class="x">` → `<b>`, `</p >` → `</p>`), a tag
 * with any other name dropped, comments and doctypes dropped, and the contents of raw-text
 * elements as plain text (or nothing, for script and the like). Tags are read as a browser's
 * tokenizer reads them, so a `>` in a quoted attribute value does not end one. What is left
 * holds no `<` that could start a tag other than the bare ones written here.
 */
function withoutAttributes(html) {
  let out = '';
  let from = 0; // where the text not yet copied starts
  let open = html.indexOf('<');
  while (open !== -1) {
    if (!/[A-Za-z/!?]/.test(html[open + 1] || '')) {
      open = html.indexOf('<', open + 1);
      continue;
    }
    out += html.slice(from, open);
    const tag = readMarkup(html, open);
    from = tag.end;
    const raw = tag.isStart ? RAW_TEXT_ELEMENTS.get(tag.name) : undefined;
    if (raw === undefined) {
      if (tag.name) out += `<${tag.isStart ? '' : '/'}${tag.name}>`;
    } else {
      const close = rawTextEnd(html, from, tag.name);
      // Script and the like leave a space (they separate blocks; even an empty <style> is a
      // CSP report); the others leave their text, escaped to read the same outside them.
      if (HIDDEN_ELEMENTS.has(tag.name)) out += ' ';
      else out += escapeRawText(html.slice(from, close), raw);
      from = close;
      if (close < html.length) from = readMarkup(html, close).end; // its end tag
    }
    open = html.indexOf('<', from);
  }
  return out + html.slice(from);
}

/** Raw text as the same text outside its element; `decoded`: its character references count. */
function escapeRawText(text, decoded) {
  const ampersands = decoded ? text : text.replace(/&/g, '&amp;');
  return ampersands.replace(/</g, '&lt;');
}

/**
 * The markup that starts at `start` (a `<` followed by a letter, `/`, `!` or `?`): `end` is
 * past it; `name` is a tag's lower-case name when it is a start or end tag of a plain name.
 */
function readMarkup(html, start) {
  if (html.startsWith('<!--', start)) return { end: commentEnd(html, start + 4) };
  const tag = matchFrom(/<(\/?)([A-Za-z][^\t\n\f\r />]*)/y, html, start);
  if (!tag) {
    // `<!doctype …>`, `<?…>`, `</ …>` and the like: a bogus comment, up to the first `>`.
    const close = html.indexOf('>', start);
    return { end: close === -1 ? html.length : close + 1 };
  }
  const name = tag[2].toLowerCase();
  const end = tagEnd(html, start + tag[0].length);
  if (!/^[a-z][a-z0-9]*$/.test(name)) return { end };
  return { end, name, isStart: tag[1] === '' };
}

/** Past the comment whose text starts at `body` (just after `<!--`). */
function commentEnd(html, body) {
  if (html.startsWith('>', body)) return body + 1;
  if (html.startsWith('->', body)) return body + 2;
  const close = matchFrom(/--!?>/g, html, body);
  return close ? close.index + close[0].length : html.length;
}

/** The HTML tokenizer's whitespace. */
const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';

/** Past the `>` that ends a tag whose name ends at `from`, reading its attributes as the HTML
 *  tokenizer does; the end of the input when nothing ends it. */
function tagEnd(html, from) {
  let i = from;
  const skip = (stop) => {
    while (i < html.length && !stop(html[i])) i += 1;
  };
  for (;;) {
    skip((c) => !isSpace(c) && c !== '/');
    if (i >= html.length) return html.length;
    if (html[i] === '>') return i + 1;
    i += 1; // an attribute's name, whose first character may be `=`
    skip((c) => isSpace(c) || c === '/' || c === '>' || c === '=');
    skip((c) => !isSpace(c));
    if (html[i] !== '=') continue;
    i += 1;
    skip((c) => !isSpace(c));
    const quote = html[i];
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, i + 1);
      if (close === -1) return html.length;
      i = close + 1;
    } else {
      skip((c) => isSpace(c) || c === '>');
    }
  }
}

/** Where the contents of raw-text element `name`, starting at `from`, end: at its end tag. */
function rawTextEnd(html, from, name) {
  if (name === 'plaintext') return html.length;
  const close = matchFrom(new RegExp(`</${name}[\\t\\n\\f\\r />]`, 'gi'), html, from);
  return close ? close.index : html.length;
}

/** `pattern`'s match in `text` from `from` on (at `from` exactly, for a sticky pattern). */
function matchFrom(pattern, text, from) {
  pattern.lastIndex = from;
  return pattern.exec(text);
}
