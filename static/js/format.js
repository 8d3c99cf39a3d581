// How values read in the page: times, sizes, scores, roles and users.

import { el } from './dom.js';

const ROLE_NAMES = ['user', 'admin', 'owner'];
const KEY_ROLE_NAMES = ['read-only', 'read and write'];

/** The roles of an organization, lowest first: 0 user, 1 admin, 2 owner. */
export const ROLES = [0, 1, 2];

export function roleName(role) {
  return ROLE_NAMES[role] || `role ${role}`;
}

export function keyRoleName(role) {
  return KEY_ROLE_NAMES[role] || `role ${role}`;
}

/** A user's role in an organization (from their `user_orgs`), or null if not a member. */
export function membershipRole(user, orgId) {
  const membership = (user.user_orgs || []).find((m) => m.organization_id === orgId);
  return membership ? membership.role : null;
}

export function userLabel(user) {
  const name = user.name || user.username;
  return name ? `${name} <${user.email}>` : user.email;
}

export function parseTimestamp(text) {
  if (!text) return null;
  // The server sends microseconds; keep milliseconds so every browser parses it.
  const trimmed = String(text).replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A <time> in the reader's locale, with the server's timestamp as its title. */
export function timeNode(text, fallback = '—') {
  const date = parseTimestamp(text);
  if (!date) return el('span', { text: text || fallback });
  const label = date.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
  return el('time', { text: label, attrs: { datetime: text, title: text } });
}

export function formatBytes(size) {
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

/** A search score: three decimals, or three significant digits when it is smaller than that
 *  (full-text scores of a small dataset can be a few millionths). */
export function formatScore(score) {
  const value = Number(score);
  if (!Number.isFinite(value)) return String(score);
  return value === 0 || Math.abs(value) >= 0.001 ? value.toFixed(3) : value.toExponential(2);
}
