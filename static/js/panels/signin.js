// Signing in with an API key, signing out, and who is signed in (the top bar).

import { closeDialogs } from '../dialogs.js';
import { $, withBusy } from '../dom.js';
import { FormErrors } from '../form-errors.js';
import { storedKey } from '../session.js';

export function setUpSignIn({ api, session }) {
  const input = $('signin-key');
  const submit = $('signin-submit');
  const status = $('signin-status');
  const errors = new FormErrors($('signin-error'));

  session.subscribe((state, changed) => {
    if (changed.has('key')) {
      $('signin-view').hidden = Boolean(state.key);
      $('app-view').hidden = !state.key;
      $('whoami').hidden = !state.key;
    }
    if (changed.has('me')) $('whoami-email').textContent = state.me ? state.me.email : '';
  });

  /** Checks `key` with the server and signs in with it; `restoring`: it is the stored key. */
  async function signIn(key, restoring) {
    errors.clear();
    let me;
    try {
      me = await withBusy(submit, status, () => api.send('GET', '/api/auth/me', { key }));
    } catch (error) {
      if (error.status !== 401) {
        errors.show(error);
        return;
      }
      session.signOut(); // forgets a stored key the server no longer accepts
      errors.showGeneral(
        restoring
          ? `Your saved key is no longer accepted (${error.message}). Sign in again.`
          : `That key was refused: ${error.message}. Check it, or ask an admin for a new one.`,
      );
      return;
    }
    input.value = '';
    session.signIn(key, me);
  }

  /** Forgets the key and everything shown for it; `message` says why, when it was not asked. */
  function signOut(message) {
    closeDialogs();
    session.signOut();
    errors.clear();
    if (message) errors.showGeneral(message);
    input.focus();
  }

  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    errors.clear();
    if (!key) {
      errors.showGeneral('Paste your API key first.');
    } else if (!/^[\x21-\x7e]+$/.test(key)) {
      errors.showGeneral('That is not an API key: a key has no spaces or special characters.');
    } else {
      signIn(key, false);
    }
  });
  $('signout').addEventListener('click', () => signOut(null));

  return {
    /** At start: signs in again with this tab's stored key, if any. */
    start() {
      const key = storedKey();
      if (key) signIn(key, true);
      else input.focus();
    },

    /** The API client's hook: the server answered 401 for `key`. */
    keyRefused(key, message) {
      if (session.current.key !== key) return; // an answer for a key already signed out
      signOut(
        `Your key was refused (${message}): it may have been revoked or have expired. ` +
          'Sign in again.',
      );
    },
  };
}
