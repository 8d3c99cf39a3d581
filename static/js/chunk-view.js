// How a chunk reads in a list: its details line, and a search hit's text with its highlights.
//
// A hit shows its chunk's `content` (the server's plain text of the chunk's HTML) with the words
// the search matched in new, bare <b> elements. Those words are the texts the server wrapped in
// <b>…</b> in the hit's chunk_html; nothing else of that HTML, which may hold anything a user
// stored (<img onerror>, <script>), is parsed or reaches the page.

import { el } from './dom.js';
import { timeNode } from './format.js';

/** A letter, digit or combining mark: what the server reads as part of a word. */
const WORD_CHAR = '[\\p{Alphabetic}\\p{N}\\p{M}]';

/** The spans of a chunk's details line: its tracking id, its file, when it was last updated. */
export function chunkDetails(chunk) {
  return [
    chunk.tracking_id ? el('span', { text: `tracking id: ${chunk.tracking_id}` }) : null,
    chunk.file_name ? el('span', { text: `file: ${chunk.file_name}` }) : null,
    el('span', {}, [document.createTextNode('updated '), timeNode(chunk.updated_at)]),
  ].filter(Boolean);
}

/**
 * A hit's chunk `content` as text nodes, with every whole-word occurrence of a word the search
 * matched (as written in chunk_html, case and all) in a <b> element.
 */
export function highlightedContent({ content, chunk_html: html }) {
  const text = content || '';
  const words = matchedWords(html || '');
  const fragment = document.createDocumentFragment();
  let from = 0;
  if (words.length > 0) {
    const anyWord = words.map((word) => word.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|');
    const pattern = new RegExp(`(?<!${WORD_CHAR})(?:${anyWord})(?!${WORD_CHAR})`, 'gu');
    for (const match of text.matchAll(pattern)) {
      if (match.index > from) fragment.append(text.slice(from, match.index));
      fragment.append(el('b', { text: match[0] }));
      from = match.index + match[0].length;
    }
  }
  if (from < text.length) fragment.append(text.slice(from));
  return fragment;
}

/** The distinct texts in chunk_html's `<b>…</b>`, longest first (so the longer of two that
 *  start alike wins), character references decoded, whitespace collapsed as in `content`. */
function matchedWords(html) {
  const encoded = new Set([...html.matchAll(/<b>([^<]*)<\/b>/g)].map((match) => match[1]));
  const words = new Set();
  for (const snippet of encoded) {
    // Holding no `<`, the snippet parses to one text node: nothing but its references is read.
    const decoded = new DOMParser().parseFromString(snippet, 'text/html').body.textContent;
    const word = decoded.trim().replace(/\s+/g, ' ');
    if (word) words.add(word);
  }
  return [...words].sort((a, b) => b.length - a.length);
}
