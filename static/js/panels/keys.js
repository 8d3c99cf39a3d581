// The caller's API keys: the list, a new key (shown once), revoking one.

import { confirmAction, showSecret } from '../dialogs.js';
import { messageOf } from '../api-client.js';
import {
  $, button, clearError, el, latestOnly, loadInto, setBusy, setStatus, showError, withBusy,
} from '../dom.js';
import { FormErrors } from '../form-errors.js';
import { keyRoleName, timeNode } from '../format.js';

export function setUpKeys({ api, session }) {
  const form = $('key-form');
  const inputs = { name: $('key-name'), role: $('key-role'), expires_at: $('key-expires') };
  const create = $('key-create');
  const status = $('key-status');
  const errors = new FormErrors($('key-error'), inputs);
  const table = $('keys-table');
  const listStatus = $('keys-list-status');
  const listError = $('keys-list-error');
  const loads = latestOnly();

  session.subscribe((state, changed) => {
    if (!changed.has('key')) return;
    if (state.key) {
      load();
      return;
    }
    loads.cancel();
    setBusy(table, false);
    form.reset();
    errors.clear();
    setStatus(status, '');
    setStatus(listStatus, '');
    clearError(listError);
    $('keys-body').replaceChildren();
  });

  function load() {
    const isCurrent = loads.next();
    const shownIn = { node: table, statusNode: listStatus, errorNode: listError, isCurrent };
    return loadInto(shownIn, async () => {
      const keys = await api.send('GET', '/api/user/get_api_key');
      if (isCurrent()) render(keys);
    });
  }

  function render(keys) {
    const rows = keys.map((key) => {
      const revoke = button('Revoke', {
        className: 'danger small', testid: 'key-revoke', label: `Revoke key ${key.name}`,
      });
      revoke.addEventListener('click', () => revokeKey(key, revoke));
      const name = el('td', { className: 'key-name' }, [el('span', { text: key.name })]);
      if (key.managed_by_environment) {
        name.append(el('small', {
          className: 'hint', testid: 'key-environment',
          text: ' Managed by the environment (ADMIN_API_KEY): revoked here, it works again ' +
            'when the server restarts with the variable still set.',
        }));
      }
      const row = el('tr', { testid: 'key-row' }, [
        name,
        el('td', { text: keyRoleName(key.role) }),
        el('td', {}, [timeNode(key.created_at)]),
        el('td', {}, [key.expires_at ? timeNode(key.expires_at) : el('span', { text: 'never' })]),
        el('td', { className: 'row-actions' }, [revoke]),
      ]);
      row.dataset.keyId = key.id;
      return row;
    });
    $('keys-body').replaceChildren(...rows);
    $('keys-empty').hidden = keys.length > 0;
    table.parentElement.hidden = keys.length === 0;
  }

  /** The request body of the form, or null after showing what the page itself found wrong. */
  function requestBody() {
    const name = inputs.name.value.trim();
    if (!name) {
      errors.showField('name', 'Give the key a name, so you can tell it apart later.');
      return null;
    }
    const body = { name, role: Number(inputs.role.value) };
    if (inputs.expires_at.value) {
      const date = new Date(inputs.expires_at.value);
      if (Number.isNaN(date.getTime())) {
        errors.showField('expires_at', 'The expiry date is not a valid date and time.');
        return null;
      }
      body.expires_at = date.toISOString();
    }
    return body;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    setStatus(status, '');
    const body = requestBody();
    if (!body) return;
    const token = session.token();
    try {
      const created = await withBusy(create, status, () =>
        api.send('POST', '/api/user/set_api_key', { body }),
      );
      if (!session.isCurrent(token)) return;
      form.reset();
      showSecret(`Your new key “${body.name}” (${keyRoleName(body.role)}):`, created.api_key);
      load();
    } catch (error) {
      if (session.isCurrent(token)) errors.show(error);
    }
  });

  async function revokeKey(key, control) {
    const environment = key.managed_by_environment
      ? ' It is set by ADMIN_API_KEY: unset that variable too, or it comes back on the next start.'
      : '';
    const confirmed = await confirmAction(
      `Revoke the key “${key.name}”? Anything using it is refused from now on. If it is the ` +
        `key you signed in with, you will be signed out.${environment}`,
      'Revoke key',
    );
    if (!confirmed) return;
    clearError(listError);
    const token = session.token();
    try {
      const remaining = await withBusy(control, listStatus, () =>
        api.send('DELETE', '/api/user/delete_api_key', { body: { api_key_id: key.id } }),
      );
      if (!session.isCurrent(token)) return;
      render(remaining);
      setStatus(listStatus, `Revoked “${key.name}”.`);
    } catch (error) {
      if (session.isCurrent(token)) showError(listError, messageOf(error));
      return;
    }
    // If that was the key in use, the server now refuses it, and the API client signs out.
    api.send('GET', '/api/auth/me').catch(() => {});
  }
}
