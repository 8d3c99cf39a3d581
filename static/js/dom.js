// Small DOM helpers shared by the panels.
//
// Server text only ever reaches the page through textContent and createElement, never innerHTML
// (a search hit too: chunk-view.js builds it from the chunk's plain text and new <b> elements).
// No inline styles (the page's CSP forbids them): visibility is the `hidden` attribute, anything
// else a class in style.css.

import { messageOf } from './api-client.js';

export const LOADING = 'Loading…';

export const $ = (id) => document.getElementById(id);

/** An element with `options` (text, className, testid, attrs) and children (nulls skipped). */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.className) node.className = options.className;
  if (options.testid) node.dataset.testid = options.testid;
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A `type="button"` button; `options`: className, testid, label (aria-label), onClick. */
export function button(text, options = {}) {
  const node = el('button', { text, className: options.className, testid: options.testid });
  node.type = 'button';
  if (options.label) node.setAttribute('aria-label', options.label);
  if (options.onClick) node.addEventListener('click', options.onClick);
  return node;
}

/** An <option> of a <select>. */
export function option(value, text) {
  const node = el('option', { text });
  node.value = String(value);
  return node;
}

export function showError(node, message) {
  node.textContent = message;
  node.hidden = false;
}

export function clearError(node) {
  node.textContent = '';
  node.hidden = true;
}

export function setStatus(node, text) {
  node.textContent = text || '';
}

export function setBusy(node, isBusy) {
  if (['BUTTON', 'SELECT', 'INPUT'].includes(node.tagName)) node.disabled = isBusy;
  if (isBusy) node.setAttribute('aria-busy', 'true');
  else node.removeAttribute('aria-busy');
}

/** Runs `work` with `control` disabled and aria-busy, and "Loading…" in `statusNode`. */
export async function withBusy(control, statusNode, work) {
  setBusy(control, true);
  setStatus(statusNode, LOADING);
  try {
    return await work();
  } finally {
    setBusy(control, false);
    if (statusNode.textContent === LOADING) setStatus(statusNode, '');
  }
}

/**
 * For a loader whose answers may arrive out of order: `next()` starts a load and returns its
 * `isCurrent()`, true until a newer load starts or `cancel()` is called (as on signing out).
 */
export function latestOnly() {
  let latest = 0;
  return {
    next() {
      latest += 1;
      const mine = latest;
      return () => mine === latest;
    },
    cancel() {
      latest += 1;
    },
  };
}

/**
 * "Page N of M" in `label`, and the previous and next buttons, of a list loaded a page at a time.
 * A click asks `onPage(n)` for page n; once it is loaded, the panel calls `show(n, pages)`.
 */
export function pager({ label, prev, next, onPage }) {
  let current = 1;
  prev.addEventListener('click', () => onPage(Math.max(1, current - 1)));
  next.addEventListener('click', () => onPage(current + 1));
  const shown = {
    /** The page shown. */
    get page() {
      return current;
    },
    /** Page `page` of `pages` (none counts as one) is shown. */
    show(page, pages) {
      const count = Math.max(1, pages);
      current = page;
      label.textContent = `Page ${page} of ${count}`;
      prev.disabled = page <= 1;
      next.disabled = page >= count;
    },
    /** While a page loads: no other page can be asked for. */
    hold() {
      prev.disabled = true;
      next.disabled = true;
    },
  };
  shown.show(1, 1);
  return shown;
}

/**
 * Loads into a list: `node` aria-busy and "Loading…" in `statusNode` while `work` runs, the
 * failure in `errorNode`. Nothing is shown once `isCurrent()` is false: a newer load owns them.
 */
export async function loadInto({ node, statusNode, errorNode, isCurrent }, work) {
  clearError(errorNode);
  setBusy(node, true);
  setStatus(statusNode, LOADING);
  try {
    await work();
  } catch (error) {
    if (isCurrent()) showError(errorNode, messageOf(error));
  } finally {
    if (isCurrent()) {
      setBusy(node, false);
      setStatus(statusNode, '');
    }
  }
}
