// The two dialogs: a new key shown once, and our own confirmation instead of window.confirm.

import { $, setStatus } from './dom.js';

/** Binds the dialogs' buttons; once, at start. */
export function setUpDialogs() {
  $('secret-copy').addEventListener('click', copySecret);
  $('secret-close').addEventListener('click', () => $('secret-dialog').close());
  $('secret-dialog').addEventListener('close', forgetSecret);
  $('confirm-ok').addEventListener('click', () => $('confirm-dialog').close('ok'));
  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close('cancel'));
}

export function showSecret(intro, secret) {
  $('secret-intro').textContent = intro;
  $('secret-value').textContent = secret;
  setStatus($('secret-status'), '');
  $('secret-dialog').showModal();
}

/** Resolves true when the user confirms. */
export function confirmAction(message, okLabel) {
  const dialog = $('confirm-dialog');
  $('confirm-message').textContent = message;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-cancel').focus();
  });
}

/** Closes any open dialog (on signing out); a shown key is forgotten as it closes. */
export function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  forgetSecret();
}

function forgetSecret() {
  // The key must not stay anywhere in the page once the dialog is closed.
  $('secret-value').textContent = '';
  $('secret-intro').textContent = '';
  setStatus($('secret-status'), '');
  const selection = window.getSelection();
  if (selection) selection.removeAllRanges();
}

async function copySecret() {
  const status = $('secret-status');
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText($('secret-value').textContent);
    setStatus(status, 'Copied to the clipboard.');
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents($('secret-value'));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    setStatus(status, 'The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
  }
}
