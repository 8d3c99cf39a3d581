// trieve-lite admin page. Plain JavaScript, no build step.
//
// Rules this file keeps:
// - The API key lives in sessionStorage (this tab only) and in memory; never in a URL.
// - Server text is only ever put in the page with textContent / createElement, never innerHTML.
// - No inline styles (the page's CSP forbids them): visibility is the `hidden` attribute,
//   everything else is a class in style.css.
'use strict';

const STORAGE_KEY = 'trieve-lite.api-key';
const CHUNKS_PER_PAGE = 10;
const ROLE_NAMES = ['user', 'admin', 'owner'];
const KEY_ROLE_NAMES = ['read-only', 'read and write'];
const LOADING = 'Loading…';

const state = {
  key: null,
  me: null, // SlimUser of the caller
  orgId: null,
  role: null, // the caller's role in orgId: 0 user, 1 admin, 2 owner
  datasetId: null,
  members: [], // SlimUser[] (admins and owners only)
  dataUserId: null,
  chunkPage: 1,
  session: 0, // bumped on sign-in and sign-out: answers for an older session are dropped
  tickets: {}, // latest request number per loader: older answers are dropped
};

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

const $ = (id) => document.getElementById(id);

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.className) node.className = options.className;
  if (options.testid) node.dataset.testid = options.testid;
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

function button(label, options = {}) {
  const node = el('button', { text: label, className: options.className, testid: options.testid });
  node.type = 'button';
  if (options.onClick) node.addEventListener('click', options.onClick);
  return node;
}

function showError(node, message) {
  node.textContent = message;
  node.hidden = false;
}

function clearError(node) {
  node.textContent = '';
  node.hidden = true;
}

function setStatus(node, text) {
  if (node) node.textContent = text || '';
}

function setBusy(node, isBusy) {
  if (!node) return;
  if (node.tagName === 'BUTTON' || node.tagName === 'SELECT' || node.tagName === 'INPUT') {
    node.disabled = isBusy;
  }
  if (isBusy) node.setAttribute('aria-busy', 'true');
  else node.removeAttribute('aria-busy');
}

/** Runs `work` with `control` disabled and aria-busy, and "Loading…" in `statusNode`. */
async function withBusy(control, statusNode, work) {
  setBusy(control, true);
  setStatus(statusNode, LOADING);
  try {
    return await work();
  } finally {
    setBusy(control, false);
    if (statusNode && statusNode.textContent === LOADING) setStatus(statusNode, '');
  }
}

/** A ticket for one loader: true from `isCurrent()` until a newer call or a sign-out. */
function ticket(name) {
  const number = (state.tickets[name] || 0) + 1;
  state.tickets[name] = number;
  const session = state.session;
  return { isCurrent: () => state.session === session && state.tickets[name] === number };
}

function emptyNode(node) {
  node.replaceChildren();
}

function parseTimestamp(text) {
  if (!text) return null;
  // The server sends microseconds; keep milliseconds so every browser parses it.
  const trimmed = String(text).replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? null : date;
}

function timeNode(text, fallback = '—') {
  const date = parseTimestamp(text);
  if (!date) return el('span', { text: text || fallback });
  const label = date.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
  return el('time', { text: label, attrs: { datetime: text, title: text } });
}

function formatBytes(size) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = Number(size) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} ${value === 1 ? 'byte' : 'bytes'}`;
  return `${value.toFixed(1)} ${units[unit]}`;
}

function roleName(role) {
  return ROLE_NAMES[role] || `role ${role}`;
}

function userLabel(user) {
  const name = user.name || user.username;
  return name ? `${name} <${user.email}>` : user.email;
}

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (body && typeof body.message === 'string' && body.message) return body.message;
  } catch (_) {
    // Not JSON: fall through to the status text.
  }
  return `The server answered ${response.status} ${response.statusText}`.trim();
}

/**
 * Calls the API with the signed-in key. `options`: body (sent as JSON), dataset (TR-Dataset),
 * org (TR-Organization), blob (answer as a Blob), key (another key, when signing in).
 * Throws ApiError with the server's message; a 401 for the signed-in key signs out.
 */
async function api(method, path, options = {}) {
  const key = options.key || state.key;
  const headers = { Authorization: key };
  if (options.dataset) headers['TR-Dataset'] = options.dataset;
  if (options.org) headers['TR-Organization'] = options.org;
  let body;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  trackRequest(1);
  try {
    let response;
    try {
      response = await fetch(path, {
        method, headers, body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      });
    } catch (_) {
      throw new ApiError(0, 'Could not reach the server. Check that it is running and try again.');
    }
    if (!response.ok) {
      const message = await errorMessage(response);
      if (response.status === 401 && !options.key) keyRefused(message);
      throw new ApiError(response.status, message);
    }
    if (response.status === 204) return null;
    return await (options.blob ? response.blob() : response.json());
  } finally {
    trackRequest(-1);
  }
}

/** How many requests are in flight, as <body data-pending="n"> (tests wait for "0"). */
let pendingRequests = 0;

function trackRequest(change) {
  pendingRequests += change;
  document.body.dataset.pending = String(pendingRequests);
}

function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  return `Something went wrong: ${error && error.message}`;
}

// ---------------------------------------------------------------------------------------------
// Dialogs: the key shown once, and our own confirmation

function showSecret(intro, secret) {
  const dialog = $('secret-dialog');
  $('secret-intro').textContent = intro;
  $('secret-value').textContent = secret;
  setStatus($('secret-status'), '');
  dialog.showModal();
}

function forgetSecret() {
  // The key must not stay anywhere in the page once the dialog is closed.
  $('secret-value').textContent = '';
  $('secret-intro').textContent = '';
  setStatus($('secret-status'), '');
  const selection = window.getSelection();
  if (selection) selection.removeAllRanges();
}

function selectSecret() {
  const range = document.createRange();
  range.selectNodeContents($('secret-value'));
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

async function copySecret() {
  const secret = $('secret-value').textContent;
  const status = $('secret-status');
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(secret);
    setStatus(status, 'Copied to the clipboard.');
  } catch (_) {
    selectSecret();
    setStatus(status, 'The key is selected: press Ctrl+C (⌘C on a Mac) to copy it.');
  }
}

/** Resolves true when the user confirms. */
function confirmAction(message, okLabel) {
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

// ---------------------------------------------------------------------------------------------
// Signing in and out

function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch (_) {
    return null;
  }
}

function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch (_) {
    // Storage disabled: the key stays in memory for this page only.
  }
}

function showView(signedIn) {
  $('signin-view').hidden = signedIn;
  $('app-view').hidden = !signedIn;
  $('whoami').hidden = !signedIn;
}

async function signIn(key, restoring) {
  const status = $('signin-status');
  const error = $('signin-error');
  clearError(error);
  const me = await withBusy($('signin-submit'), status, () =>
    api('GET', '/api/auth/me', { key }),
  ).catch((err) => {
    let message = messageOf(err);
    if (err.status === 401) {
      storeKey(null);
      message = restoring
        ? `Your saved key is no longer accepted (${err.message}). Sign in again.`
        : `That key was refused: ${err.message}. Check it, or ask an admin for a new one.`;
    }
    showError(error, message);
    return null;
  });
  if (!me) return;
  state.session += 1;
  state.key = key;
  storeKey(key);
  $('signin-key').value = '';
  clearAppView();
  showView(true);
  renderMe(me);
  loadKeys();
  selectOrganization(state.orgId);
}

/** Forget the key and everything shown for it. */
function signOut(message) {
  state.session += 1;
  state.key = null;
  state.me = null;
  state.orgId = null;
  state.role = null;
  state.datasetId = null;
  state.members = [];
  state.dataUserId = null;
  state.chunkPage = 1;
  storeKey(null);
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  forgetSecret();
  clearAppView();
  showView(false);
  const error = $('signin-error');
  if (message) showError(error, message);
  else clearError(error);
  $('signin-key').focus();
}

/** Empty every list, form, message and name shown for a signed-in user. */
function clearAppView() {
  for (const id of ['keys-body', 'members-body', 'chunks-list', 'files-body', 'org-select',
    'dataset-select', 'data-user', 'member-role']) {
    emptyNode($(id));
  }
  for (const form of document.querySelectorAll('#app-view form')) form.reset();
  for (const node of document.querySelectorAll('#app-view .error')) clearError(node);
  for (const node of document.querySelectorAll('#app-view .status')) setStatus(node, '');
  for (const node of document.querySelectorAll('#app-view [aria-invalid]')) {
    node.removeAttribute('aria-invalid');
  }
  $('whoami-email').textContent = '';
  $('profile-email').textContent = '';
}

function keyRefused(message) {
  if (!state.key) return;
  signOut(`Your key was refused (${message}): it may have been revoked or have expired. Sign in again.`);
}

// ---------------------------------------------------------------------------------------------
// Profile

function renderMe(me) {
  state.me = me;
  $('whoami-email').textContent = me.email;
  $('profile-email').textContent = me.email;
  $('profile-name').value = me.name || '';
  $('profile-username').value = me.username || '';
  $('profile-website').value = me.website || '';
  $('profile-visible-email').checked = Boolean(me.visible_email);
  renderOrganizations();
}

const PROFILE_FIELDS = ['name', 'username', 'website', 'visible-email'];

function clearProfileErrors() {
  clearError($('profile-error'));
  for (const field of PROFILE_FIELDS) {
    clearError($(`profile-${field}-error`));
    $(`profile-${field}`).removeAttribute('aria-invalid');
  }
}

/** Which field a server message is about, or null for the form as a whole. */
function profileFieldOf(error) {
  const message = error.message.toLowerCase();
  if (error.status === 409 || message.startsWith('username')) return 'username';
  if (message.includes('visible_email')) return 'visible-email';
  if (message.startsWith('website')) return 'website';
  if (message.startsWith('name')) return 'name';
  return null;
}

async function saveProfile(event) {
  event.preventDefault();
  clearProfileErrors();
  const status = $('profile-status');
  const body = {
    name: $('profile-name').value.trim(),
    username: $('profile-username').value.trim(),
    website: $('profile-website').value.trim(),
    visible_email: $('profile-visible-email').checked,
  };
  try {
    const me = await withBusy($('profile-save'), status, () => api('PUT', '/api/user', { body }));
    renderMe(me);
    setStatus(status, 'Saved.');
  } catch (error) {
    const field = profileFieldOf(error);
    if (field) {
      showError($(`profile-${field}-error`), error.message);
      const input = $(`profile-${field}`);
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `profile-${field}-error`);
      input.focus();
    } else {
      showError($('profile-error'), messageOf(error));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// API keys

async function loadKeys() {
  const current = ticket('keys');
  const status = $('keys-list-status');
  clearError($('keys-list-error'));
  setBusy($('keys-table'), true);
  setStatus(status, LOADING);
  try {
    const keys = await api('GET', '/api/user/get_api_key');
    if (current.isCurrent()) renderKeys(keys);
  } catch (error) {
    if (current.isCurrent()) showError($('keys-list-error'), messageOf(error));
  } finally {
    if (current.isCurrent()) {
      setBusy($('keys-table'), false);
      setStatus(status, '');
    }
  }
}

function renderKeys(keys) {
  const body = $('keys-body');
  emptyNode(body);
  for (const key of keys) {
    const revoke = button('Revoke', {
      className: 'danger small',
      testid: 'key-revoke',
      onClick: () => revokeKey(key, revoke),
    });
    revoke.setAttribute('aria-label', `Revoke key ${key.name}`);
    const row = el('tr', { testid: 'key-row' }, [
      el('td', { text: key.name, className: 'key-name' }),
      el('td', { text: KEY_ROLE_NAMES[key.role] || `role ${key.role}` }),
      el('td', {}, [timeNode(key.created_at)]),
      el('td', {}, [key.expires_at ? timeNode(key.expires_at) : el('span', { text: 'never' })]),
      el('td', { className: 'row-actions' }, [revoke]),
    ]);
    row.dataset.keyId = key.id;
    body.append(row);
  }
  $('keys-empty').hidden = keys.length > 0;
  $('keys-table').parentElement.hidden = keys.length === 0;
}

async function createKey(event) {
  event.preventDefault();
  const error = $('key-error');
  const status = $('key-status');
  clearError(error);
  setStatus(status, '');
  const name = $('key-name').value.trim();
  if (!name) {
    showError(error, 'Give the key a name, so you can tell it apart later.');
    $('key-name').focus();
    return;
  }
  const body = { name, role: Number($('key-role').value) };
  const expires = $('key-expires').value;
  if (expires) {
    const date = new Date(expires);
    if (Number.isNaN(date.getTime())) {
      showError(error, 'The expiry date is not a valid date and time.');
      return;
    }
    body.expires_at = date.toISOString();
  }
  try {
    const created = await withBusy($('key-create'), status, () =>
      api('POST', '/api/user/set_api_key', { body }),
    );
    $('key-form').reset();
    showSecret(`Your new key “${name}” (${KEY_ROLE_NAMES[body.role]}):`, created.api_key);
    loadKeys();
  } catch (err) {
    showError(error, messageOf(err));
  }
}

async function revokeKey(key, control) {
  const confirmed = await confirmAction(
    `Revoke the key “${key.name}”? Anything using it is refused from now on. If it is the key ` +
      'you signed in with, you will be signed out.',
    'Revoke key',
  );
  if (!confirmed) return;
  const error = $('keys-list-error');
  clearError(error);
  try {
    const remaining = await withBusy(control, $('keys-list-status'), () =>
      api('DELETE', '/api/user/delete_api_key', { body: { api_key_id: key.id } }),
    );
    renderKeys(remaining);
    setStatus($('keys-list-status'), `Revoked “${key.name}”.`);
  } catch (err) {
    showError(error, messageOf(err));
    return;
  }
  // If that was the key in use, the server now refuses it and this signs out with a message.
  api('GET', '/api/auth/me').catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Organization and dataset

function membershipRole(user, orgId) {
  const membership = (user.user_orgs || []).find((m) => m.organization_id === orgId);
  return membership ? membership.role : null;
}

function renderOrganizations() {
  const select = $('org-select');
  const orgs = state.me ? state.me.orgs || [] : [];
  emptyNode(select);
  for (const org of orgs) {
    const role = membershipRole(state.me, org.id);
    const option = el('option', { text: `${org.name} (${roleName(role)})` });
    option.value = org.id;
    select.append(option);
  }
  select.disabled = orgs.length === 0;
  if (orgs.some((org) => org.id === state.orgId)) select.value = state.orgId;
}

/** Switch to an organization (or keep the current one) and load what depends on it. */
async function selectOrganization(orgId) {
  const orgs = state.me.orgs || [];
  const org = orgs.find((o) => o.id === orgId) || orgs[0];
  const error = $('context-error');
  clearError(error);
  if (!org) {
    state.orgId = null;
    state.role = null;
    $('org-role').textContent = '–';
    showError(error, 'You are not a member of any organization yet. Ask an admin to add you.');
    renderMembersAccess();
    renderDataUsers();
    return;
  }
  state.orgId = org.id;
  state.role = membershipRole(state.me, org.id);
  $('org-select').value = org.id;
  $('org-role').textContent = roleName(state.role);
  renderMembersAccess();
  const session = state.session;
  await Promise.all([loadDatasets(), loadMembers()]);
  if (session !== state.session || state.orgId !== org.id) return;
  renderDataUsers();
  await loadUserData();
}

async function loadDatasets() {
  const current = ticket('datasets');
  const select = $('dataset-select');
  const error = $('context-error');
  setBusy(select, true);
  setStatus($('context-status'), LOADING);
  try {
    const datasets = await api('GET', `/api/dataset/organization/${state.orgId}`, { org: state.orgId });
    if (!current.isCurrent()) return;
    emptyNode(select);
    for (const { dataset, dataset_usage: usage } of datasets) {
      const count = usage ? usage.chunk_count : 0;
      const noun = count === 1 ? 'chunk' : 'chunks';
      const option = el('option', { text: `${dataset.name} (${count} ${noun})` });
      option.value = dataset.id;
      select.append(option);
    }
    if (!datasets.some((d) => d.dataset.id === state.datasetId)) {
      state.datasetId = datasets.length ? datasets[0].dataset.id : null;
    }
    if (state.datasetId) select.value = state.datasetId;
    if (!datasets.length) showError(error, 'This organization has no dataset yet.');
  } catch (err) {
    if (current.isCurrent()) showError(error, messageOf(err));
  } finally {
    if (current.isCurrent()) {
      setBusy(select, false);
      select.disabled = select.options.length === 0;
      setStatus($('context-status'), '');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Members

function isAdmin() {
  return state.role !== null && state.role >= 1;
}

function renderMembersAccess() {
  $('members-note').hidden = isAdmin() || state.orgId === null;
  $('members-admin').hidden = !isAdmin();
  const select = $('member-role');
  emptyNode(select);
  for (let role = 0; role <= (state.role || 0); role += 1) {
    const option = el('option', { text: roleName(role) });
    option.value = String(role);
    select.append(option);
  }
  if (!isAdmin()) {
    state.members = [];
    emptyNode($('members-body'));
  }
}

async function loadMembers() {
  if (!isAdmin()) return;
  const current = ticket('members');
  const status = $('members-list-status');
  clearError($('members-list-error'));
  setBusy($('members-table'), true);
  setStatus(status, LOADING);
  try {
    const members = await api('GET', `/api/organization/users/${state.orgId}`);
    if (!current.isCurrent()) return;
    state.members = members;
    renderMembers();
  } catch (err) {
    if (current.isCurrent()) showError($('members-list-error'), messageOf(err));
  } finally {
    if (current.isCurrent()) {
      setBusy($('members-table'), false);
      setStatus(status, '');
    }
  }
}

function renderMembers() {
  const body = $('members-body');
  emptyNode(body);
  for (const member of state.members) body.append(memberRow(member));
}

function memberRow(member) {
  const role = membershipRole(member, state.orgId);
  const above = role > state.role; // a member above the caller cannot be changed or removed
  const selectId = `member-role-${member.id}`;
  const select = el('select', { testid: 'member-role', attrs: { id: selectId } });
  const roles = above ? [role] : ROLE_NAMES.map((_, r) => r).filter((r) => r <= state.role);
  for (const r of roles) {
    const option = el('option', { text: roleName(r) });
    option.value = String(r);
    select.append(option);
  }
  select.value = String(role);
  select.disabled = above;
  const label = el('label', {
    text: `Role of ${member.email}`, className: 'visually-hidden', attrs: { for: selectId },
  });
  const rowError = el('p', { className: 'error field-error', testid: 'member-row-error' });
  rowError.hidden = true;
  const save = button('Change role', { className: 'secondary small', testid: 'member-role-save' });
  save.disabled = true;
  select.addEventListener('change', () => {
    save.disabled = select.value === String(role);
  });
  save.addEventListener('click', () => changeRole(member, Number(select.value), save, rowError));
  const view = button('View data', {
    className: 'secondary small',
    testid: 'member-view-data',
    onClick: () => showUserData(member.id),
  });
  const remove = button('Remove', {
    className: 'danger small',
    testid: 'member-remove',
    onClick: () => removeMember(member, remove, rowError),
  });
  remove.disabled = above;
  save.setAttribute('aria-label', `Change the role of ${member.email}`);
  view.setAttribute('aria-label', `View the data of ${member.email}`);
  remove.setAttribute('aria-label', `Remove ${member.email}`);
  const isMe = state.me && member.id === state.me.id;
  const row = el('tr', { testid: 'member-row' }, [
    el('td', { className: 'wrap' }, [
      el('span', { text: member.email }),
      isMe ? el('span', { text: 'you', className: 'badge' }) : null,
    ]),
    el('td', { text: member.name || '—' }),
    el('td', { text: member.username || '—' }),
    el('td', { className: 'role-cell' }, [label, select, save, rowError]),
    el('td', { className: 'row-actions' }, [view, remove]),
  ]);
  row.dataset.userId = member.id;
  row.dataset.email = member.email;
  return row;
}

async function changeRole(member, role, control, rowError) {
  clearError(rowError);
  try {
    await withBusy(control, $('members-list-status'), () =>
      api('PUT', '/api/user', { org: state.orgId, body: { user_id: member.id, role } }),
    );
    if (state.me && member.id === state.me.id) await reloadMe();
    else await loadMembers();
    setStatus($('members-list-status'), `${member.email} is now ${roleName(role)}.`);
  } catch (err) {
    showError(rowError, messageOf(err));
  }
}

async function addMember(event) {
  event.preventDefault();
  const error = $('member-error');
  const status = $('member-status');
  clearError(error);
  setStatus(status, '');
  const email = $('member-email').value.trim();
  if (!email) {
    showError(error, 'Enter the email address of the user to add.');
    $('member-email').focus();
    return;
  }
  const body = { email, role: Number($('member-role').value) };
  const name = $('member-name').value.trim();
  if (name) body.name = name;
  try {
    const added = await withBusy($('member-add'), status, () =>
      api('POST', `/api/organization/${state.orgId}/users`, { body }),
    );
    $('member-form').reset();
    if (added.api_key) {
      const intro = `${added.user.email} was created. Their first API key (read and write):`;
      showSecret(intro, added.api_key);
      setStatus(status, `Added ${added.user.email}.`);
    } else {
      setStatus(status, `Added ${added.user.email}, who already had an account and keys.`);
    }
    await loadMembers();
    renderDataUsers();
  } catch (err) {
    showError(error, messageOf(err));
  }
}

async function removeMember(member, control, rowError) {
  const org = (state.me.orgs || []).find((o) => o.id === state.orgId);
  const confirmed = await confirmAction(
    `Remove ${member.email} from ${org ? org.name : 'this organization'}? Their keys, other ` +
      'memberships and data are kept.',
    'Remove member',
  );
  if (!confirmed) return;
  clearError(rowError);
  try {
    await withBusy(control, $('members-list-status'), () =>
      api('DELETE', `/api/organization/${state.orgId}/users/${member.id}`),
    );
    if (state.me && member.id === state.me.id) {
      await reloadMe();
    } else {
      if (state.dataUserId === member.id) state.dataUserId = null;
      await loadMembers();
      renderDataUsers();
      loadUserData();
    }
    setStatus($('members-list-status'), `Removed ${member.email}.`);
  } catch (err) {
    showError(rowError, messageOf(err));
  }
}

/** After a change to the caller's own memberships: fetch them again and redraw. */
async function reloadMe() {
  try {
    const me = await api('GET', '/api/auth/me');
    renderMe(me);
    await selectOrganization(state.orgId);
  } catch (err) {
    showError($('app-error'), messageOf(err));
  }
}

// ---------------------------------------------------------------------------------------------
// A user's data: chunks and files

/** The users whose data may be shown: the members for an admin, else the caller alone. */
function renderDataUsers() {
  const select = $('data-user');
  emptyNode(select);
  if (!state.me || state.orgId === null) {
    select.disabled = true;
    return;
  }
  const users = isAdmin() && state.members.length ? state.members : [state.me];
  for (const user of users) {
    const label = user.id === state.me.id ? `${userLabel(user)} (you)` : userLabel(user);
    const option = el('option', { text: label });
    option.value = user.id;
    select.append(option);
  }
  if (!users.some((u) => u.id === state.dataUserId)) state.dataUserId = state.me.id;
  select.value = state.dataUserId;
  select.disabled = users.length < 2;
}

function showUserData(userId) {
  state.dataUserId = userId;
  $('data-user').value = userId;
  state.chunkPage = 1;
  loadUserData();
  $('userdata').scrollIntoView({ block: 'start' });
  $('data-user').focus({ preventScroll: true });
}

function loadUserData() {
  const mine = state.me && state.dataUserId === state.me.id;
  $('upload-form').hidden = !mine;
  $('upload-other').hidden = mine || !state.dataUserId;
  if (!state.datasetId || !state.dataUserId) {
    emptyNode($('chunks-list'));
    emptyNode($('files-body'));
    return Promise.resolve();
  }
  return Promise.all([loadChunks(state.chunkPage), loadFiles()]);
}

function renderPager(total, page) {
  const pages = Math.max(1, Math.ceil(total / CHUNKS_PER_PAGE));
  $('chunks-total').textContent = String(total);
  $('chunks-page').textContent = `Page ${page} of ${pages}`;
  $('chunks-prev').disabled = page <= 1;
  $('chunks-next').disabled = page >= pages;
  return pages;
}

async function loadChunks(page) {
  const current = ticket('chunks');
  const error = $('chunks-error');
  const status = $('chunks-status');
  clearError(error);
  $('chunks-prev').disabled = true;
  $('chunks-next').disabled = true;
  setBusy($('chunks-list'), true);
  setStatus(status, LOADING);
  try {
    const data = await api('GET', `/api/user/${state.dataUserId}/${page}`, { dataset: state.datasetId });
    if (!current.isCurrent()) return;
    const pages = Math.max(1, Math.ceil(data.total_chunks_created / CHUNKS_PER_PAGE));
    if (page > pages) {
      // Chunks were removed meanwhile: show the last page there is.
      await loadChunks(pages);
      return;
    }
    state.chunkPage = page;
    renderChunks(data, page);
  } catch (err) {
    if (current.isCurrent()) {
      showError(error, messageOf(err));
      renderPager(0, 1);
    }
  } finally {
    if (current.isCurrent()) {
      setBusy($('chunks-list'), false);
      setStatus(status, '');
    }
  }
}

function renderChunks(data, page) {
  const list = $('chunks-list');
  emptyNode(list);
  renderPager(data.total_chunks_created, page);
  list.start = (page - 1) * CHUNKS_PER_PAGE + 1;
  for (const chunk of data.chunks) {
    const meta = el('p', { className: 'chunk-meta' }, [
      chunk.tracking_id ? el('span', { text: `tracking id: ${chunk.tracking_id}` }) : null,
      chunk.file_name ? el('span', { text: `file: ${chunk.file_name}` }) : null,
      el('span', {}, [document.createTextNode('updated '), timeNode(chunk.updated_at)]),
    ]);
    const item = el('li', { testid: 'chunk-item', className: 'chunk' }, [
      el('p', {
        text: chunk.content || '(no text)', className: 'chunk-content', testid: 'chunk-content',
      }),
      meta,
    ]);
    item.dataset.chunkId = chunk.id;
    list.append(item);
  }
  $('chunks-empty').hidden = data.total_chunks_created > 0;
  list.hidden = data.chunks.length === 0;
}

async function loadFiles() {
  const current = ticket('files');
  const error = $('files-error');
  const status = $('files-status');
  clearError(error);
  setBusy($('files-table'), true);
  setStatus(status, LOADING);
  try {
    const files = await api('GET', `/api/user/files/${state.dataUserId}`, { dataset: state.datasetId });
    if (current.isCurrent()) renderFiles(files);
  } catch (err) {
    if (current.isCurrent()) showError(error, messageOf(err));
  } finally {
    if (current.isCurrent()) {
      setBusy($('files-table'), false);
      setStatus(status, '');
    }
  }
}

function renderFiles(files) {
  const body = $('files-body');
  emptyNode(body);
  for (const file of files) {
    const download = button('Download', {
      className: 'secondary small',
      testid: 'file-download',
      onClick: () => downloadFile(file, download),
    });
    download.setAttribute('aria-label', `Download ${file.file_name}`);
    const remove = button('Delete', {
      className: 'danger small',
      testid: 'file-delete',
      onClick: () => deleteFile(file, remove),
    });
    remove.setAttribute('aria-label', `Delete ${file.file_name}`);
    const row = el('tr', { testid: 'file-row' }, [
      el('td', { text: file.file_name, className: 'wrap', testid: 'file-name' }),
      el('td', {
        text: formatBytes(file.size), attrs: { title: `${file.size} bytes` }, testid: 'file-size',
      }),
      el('td', {}, [timeNode(file.created_at)]),
      el('td', { className: 'row-actions' }, [download, remove]),
    ]);
    row.dataset.fileId = file.id;
    body.append(row);
  }
  const mine = state.me && state.dataUserId === state.me.id;
  $('files-empty').textContent = mine
    ? 'No files yet — upload one above.'
    : 'No files yet. Files are stored as the user who uploaded them.';
  $('files-empty').hidden = files.length > 0;
  $('files-table').parentElement.hidden = files.length === 0;
}

async function downloadFile(file, control) {
  const error = $('files-error');
  clearError(error);
  try {
    const blob = await withBusy(control, $('files-status'), () =>
      api('GET', `/api/file/${file.id}/download`, { dataset: state.datasetId, blob: true }),
    );
    const url = URL.createObjectURL(blob);
    const link = el('a', { attrs: { href: url, download: file.file_name } });
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    showError(error, messageOf(err));
  }
}

async function deleteFile(file, control) {
  const confirmed = await confirmAction(
    `Delete the file “${file.file_name}”? Its chunks are kept, no longer linked to a file.`,
    'Delete file',
  );
  if (!confirmed) return;
  const error = $('files-error');
  clearError(error);
  try {
    await withBusy(control, $('files-status'), () =>
      api('DELETE', `/api/file/${file.id}?delete_chunks=false`, { dataset: state.datasetId }),
    );
    await loadUserData();
    setStatus($('files-status'), `Deleted “${file.file_name}”.`);
  } catch (err) {
    showError(error, messageOf(err));
  }
}

/** base64url without padding, encoded a slice at a time (no call-stack limit on big files). */
function base64url(buffer) {
  const bytes = new Uint8Array(buffer);
  const slice = 3 * 8192; // a multiple of 3: the slices' base64 joins without padding between
  const parts = [];
  for (let start = 0; start < bytes.length; start += slice) {
    parts.push(btoa(String.fromCharCode.apply(null, bytes.subarray(start, start + slice))));
  }
  return parts.join('').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new ApiError(0, `Could not read ${file.name}.`));
    reader.readAsArrayBuffer(file);
  });
}

/** POST /api/file with XMLHttpRequest, for the upload progress. */
function sendUpload(body, progress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/file');
    xhr.setRequestHeader('Authorization', state.key);
    xhr.setRequestHeader('TR-Dataset', state.datasetId);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) progress.value = event.loaded / event.total;
    };
    xhr.onload = () => {
      let parsed = null;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch (_) {
        parsed = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && parsed) {
        resolve(parsed);
        return;
      }
      const message = parsed && parsed.message ? parsed.message : `The server answered ${xhr.status}`;
      if (xhr.status === 401) keyRefused(message);
      reject(new ApiError(xhr.status, message));
    };
    xhr.onerror = () => reject(new ApiError(0, 'The upload did not reach the server. Try again.'));
    xhr.onloadend = () => trackRequest(-1);
    trackRequest(1);
    xhr.send(body);
  });
}

async function uploadFile(event) {
  event.preventDefault();
  const error = $('upload-error');
  const status = $('upload-status');
  const progress = $('upload-progress');
  clearError(error);
  setStatus(status, '');
  const file = $('file-input').files[0];
  if (!file) {
    showError(error, 'Choose a file first.');
    $('file-input').focus();
    return;
  }
  const session = state.session;
  const control = $('file-upload');
  setBusy(control, true);
  setBusy($('file-input'), true);
  progress.value = 0;
  progress.hidden = false;
  try {
    setStatus(status, `Reading ${file.name}…`);
    const content = base64url(await readFile(file));
    setStatus(status, `Uploading ${file.name}…`);
    const body = JSON.stringify({
      base64_file: content,
      file_name: file.name,
      file_mime_type: file.type || 'application/octet-stream',
    });
    const result = await sendUpload(body, progress);
    if (session !== state.session) return;
    $('upload-form').reset();
    const stored = result.file_metadata;
    setStatus(status, `Uploaded ${stored.file_name} (${formatBytes(stored.size)}).`);
    loadUserData();
    loadDatasets();
  } catch (err) {
    if (session !== state.session) return;
    setStatus(status, '');
    const hint = err.status === 413
      ? ' The largest upload is set when the server starts (--max-upload-mb, 32 MiB by default).'
      : '';
    showError(error, messageOf(err) + hint);
  } finally {
    setBusy(control, false);
    setBusy($('file-input'), false);
    progress.hidden = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function bindEvents() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('signin-key').value.trim();
    if (!key) {
      showError($('signin-error'), 'Paste your API key first.');
      return;
    }
    if (!/^[\x21-\x7e]+$/.test(key)) {
      showError($('signin-error'), 'That is not an API key: a key has no spaces or special characters.');
      return;
    }
    signIn(key, false);
  });
  $('signout').addEventListener('click', () => signOut(null));
  $('profile-form').addEventListener('submit', saveProfile);
  $('key-form').addEventListener('submit', createKey);
  $('member-form').addEventListener('submit', addMember);
  $('upload-form').addEventListener('submit', uploadFile);
  $('show-mine').addEventListener('click', () => showUserData(state.me.id));

  $('org-select').addEventListener('change', (event) => {
    state.chunkPage = 1;
    selectOrganization(event.target.value);
  });
  $('dataset-select').addEventListener('change', (event) => {
    state.datasetId = event.target.value;
    state.chunkPage = 1;
    loadUserData();
  });
  $('data-user').addEventListener('change', (event) => {
    state.dataUserId = event.target.value;
    state.chunkPage = 1;
    loadUserData();
  });
  $('chunks-prev').addEventListener('click', () => loadChunks(Math.max(1, state.chunkPage - 1)));
  $('chunks-next').addEventListener('click', () => loadChunks(state.chunkPage + 1));

  $('secret-copy').addEventListener('click', copySecret);
  $('secret-close').addEventListener('click', () => $('secret-dialog').close());
  $('secret-dialog').addEventListener('close', forgetSecret);
  $('confirm-ok').addEventListener('click', () => $('confirm-dialog').close('ok'));
  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close('cancel'));
}

function start() {
  trackRequest(0);
  bindEvents();
  const key = storedKey();
  if (key) signIn(key, true);
  else $('signin-key').focus();
}

start();
