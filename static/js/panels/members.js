// The members of the chosen organization (admins and owners only): add one, change a role,
// remove one. `onMembers(members)` hears of each new list, `onViewData(userId)` of "View data".

import { messageOf } from '../api-client.js';
import { confirmAction, showSecret } from '../dialogs.js';
import {
  $, button, clearError, el, latestOnly, loadInto, option, setBusy, setStatus, showError, withBusy,
} from '../dom.js';
import { FormErrors } from '../form-errors.js';
import { membershipRole, roleName, ROLES } from '../format.js';

export function setUpMembers({ api, session, onMembers, onViewData }) {
  const form = $('member-form');
  const inputs = { email: $('member-email'), name: $('member-name'), role: $('member-role') };
  const add = $('member-add');
  const status = $('member-status');
  const errors = new FormErrors($('member-error'), inputs);
  const table = $('members-table');
  const listStatus = $('members-list-status');
  const listError = $('members-list-error');
  const loads = latestOnly();
  let listing = Promise.resolve(); // the latest load of the list

  session.subscribe((state, changed) => {
    if (changed.has('key') && !state.key) {
      form.reset();
      errors.clear();
      setStatus(status, '');
    }
    if (changed.has('orgId') || changed.has('role')) {
      renderAccess(state);
      listing = load();
    }
  });

  /** The note for plain members, or the form with the roles the caller may grant. */
  function renderAccess({ orgId, role }) {
    const isAdmin = session.isAdmin();
    $('members-note').hidden = isAdmin || orgId === null;
    $('members-admin').hidden = !isAdmin;
    const grantable = ROLES.filter((r) => r <= (role || 0));
    inputs.role.replaceChildren(...grantable.map((r) => option(r, roleName(r))));
  }

  async function load() {
    const { orgId } = session.current;
    if (!session.isAdmin()) {
      loads.cancel();
      setBusy(table, false);
      setStatus(listStatus, '');
      clearError(listError);
      $('members-body').replaceChildren();
      onMembers([]);
      return;
    }
    const isCurrent = loads.next();
    const shownIn = { node: table, statusNode: listStatus, errorNode: listError, isCurrent };
    await loadInto(shownIn, async () => {
      const members = await api.send('GET', `/api/organization/users/${orgId}`);
      if (!isCurrent()) return;
      $('members-body').replaceChildren(...members.map(memberRow));
      onMembers(members);
    });
  }

  function memberRow(member) {
    const { orgId, role: myRole, me } = session.current;
    const role = membershipRole(member, orgId);
    const above = role > myRole; // a member above the caller cannot be changed or removed
    const select = el('select', {
      testid: 'member-role', attrs: { id: `member-role-${member.id}` },
    });
    const roles = above ? [role] : ROLES.filter((r) => r <= myRole);
    select.replaceChildren(...roles.map((r) => option(r, roleName(r))));
    select.value = String(role);
    select.disabled = above;
    const label = el('label', {
      text: `Role of ${member.email}`, className: 'visually-hidden', attrs: { for: select.id },
    });
    const rowError = el('p', {
      className: 'error field-error',
      testid: 'member-row-error',
      attrs: { id: `${select.id}-error` },
    });
    rowError.hidden = true;
    const save = button('Change role', {
      className: 'secondary small',
      testid: 'member-role-save',
      label: `Change the role of ${member.email}`,
    });
    save.disabled = true;
    select.addEventListener('change', () => {
      save.disabled = select.value === String(role);
    });
    const view = button('View data', {
      className: 'secondary small',
      testid: 'member-view-data',
      label: `View the data of ${member.email}`,
      onClick: () => onViewData(member.id),
    });
    const remove = button('Remove', {
      className: 'danger small', testid: 'member-remove', label: `Remove ${member.email}`,
    });
    remove.disabled = above;
    const row = el('tr', { testid: 'member-row' }, [
      el('td', { className: 'wrap' }, [
        el('span', { text: member.email }),
        me && member.id === me.id ? el('span', { text: 'you', className: 'badge' }) : null,
      ]),
      el('td', { text: member.name || '—' }),
      el('td', { text: member.username || '—' }),
      el('td', { className: 'role-cell' }, [label, select, save, rowError]),
      el('td', { className: 'row-actions' }, [view, remove]),
    ]);
    row.dataset.userId = member.id;
    row.dataset.email = member.email;
    // The row's request body is { user_id, role }: only `role` is an input here.
    const rowErrors = new FormErrors(rowError, { role: { input: select, error: rowError } });
    save.addEventListener('click', () => changeRole(member, Number(select.value), save, rowErrors));
    remove.addEventListener('click', () => removeMember(member, remove, rowErrors));
    return row;
  }

  async function changeRole(member, role, control, rowErrors) {
    rowErrors.clear();
    const { orgId } = session.current;
    const token = session.token();
    try {
      await withBusy(control, listStatus, () =>
        api.send('PUT', '/api/user', { org: orgId, body: { user_id: member.id, role } }),
      );
      if (!session.isCurrent(token)) return;
      await afterChangeTo(member);
      setStatus(listStatus, `${member.email} is now ${roleName(role)}.`);
    } catch (error) {
      if (session.isCurrent(token)) rowErrors.show(error);
    }
  }

  async function removeMember(member, control, rowErrors) {
    const org = (session.current.me.orgs || []).find((o) => o.id === session.current.orgId);
    const confirmed = await confirmAction(
      `Remove ${member.email} from ${org ? org.name : 'this organization'}? Their keys, other ` +
        'memberships and data are kept.',
      'Remove member',
    );
    if (!confirmed) return;
    rowErrors.clear();
    const token = session.token();
    try {
      await withBusy(control, listStatus, () =>
        api.send('DELETE', `/api/organization/${session.current.orgId}/users/${member.id}`),
      );
      if (!session.isCurrent(token)) return;
      await afterChangeTo(member);
      setStatus(listStatus, `Removed ${member.email}.`);
    } catch (error) {
      if (session.isCurrent(token)) rowErrors.show(error);
    }
  }

  /** After a change to a membership: the caller's own comes back with /api/auth/me (the
   *  session then tells every panel, and this one lists the members again), anyone else's with
   *  the list. */
  async function afterChangeTo(member) {
    if (member.id !== session.current.me.id) {
      await load();
      return;
    }
    const token = session.token();
    try {
      const me = await api.send('GET', '/api/auth/me');
      if (!session.isCurrent(token)) return;
      session.setMe(me);
      await listing;
    } catch (error) {
      if (session.isCurrent(token)) showError($('app-error'), messageOf(error));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    setStatus(status, '');
    const email = inputs.email.value.trim();
    if (!email) {
      errors.showField('email', 'Enter the email address of the user to add.');
      return;
    }
    const body = { email, role: Number(inputs.role.value) };
    const name = inputs.name.value.trim();
    if (name) body.name = name;
    const { orgId } = session.current;
    const token = session.token();
    try {
      const added = await withBusy(add, status, () =>
        api.send('POST', `/api/organization/${orgId}/users`, { body }),
      );
      if (!session.isCurrent(token)) return;
      form.reset();
      if (added.api_key) {
        const intro = `${added.user.email} was created. Their first API key (read and write):`;
        showSecret(intro, added.api_key);
        setStatus(status, `Added ${added.user.email}.`);
      } else {
        setStatus(status, `Added ${added.user.email}, who already had an account and keys.`);
      }
      await load();
    } catch (error) {
      if (session.isCurrent(token)) errors.show(error);
    }
  });
}
