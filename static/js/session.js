// Who is signed in and where they work: the key, the caller (a SlimUser with their
// organizations), the chosen organization with the caller's role in it, and the chosen dataset.
// Panels subscribe to it; everything else a panel shows is the panel's own.
//
// The key lives in memory and in sessionStorage (this tab only), never in a URL.

import { membershipRole } from './format.js';

const STORAGE_KEY = 'trieve-lite.api-key';

const SIGNED_OUT = Object.freeze({ key: null, me: null, orgId: null, role: null, datasetId: null });

/** The key this tab signed in with before a reload, or null. */
export function storedKey() {
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

export class Session {
  constructor() {
    this.state = SIGNED_OUT;
    // Bumped on each sign-in and sign-out: an answer that arrives for an older session is dropped.
    this.generation = 0;
    this.listeners = [];
    this.queue = [];
  }

  /** { key, me, orgId, role, datasetId }, frozen; role is 0 user, 1 admin, 2 owner, or null. */
  get current() {
    return this.state;
  }

  /**
   * Calls `listener(state, changed)` after each change; `changed` is the Set of the names that
   * changed. A change made by a listener is told to every listener after the current one.
   */
  subscribe(listener) {
    this.listeners.push(listener);
  }

  /** A token for this session: `isCurrent(token)` until the next sign-in or sign-out. */
  token() {
    return this.generation;
  }

  isCurrent(token) {
    return token === this.generation;
  }

  isAdmin() {
    return this.state.role !== null && this.state.role >= 1;
  }

  signIn(key, me) {
    this.generation += 1;
    storeKey(key);
    this.update({ ...SIGNED_OUT, key, me, ...this.placeIn(me, null) });
  }

  signOut() {
    this.generation += 1;
    storeKey(null);
    this.update(SIGNED_OUT);
  }

  /** The caller again (after a change to their profile or memberships): the organization is
   *  kept if they are still a member of it. */
  setMe(me) {
    this.update({ me, ...this.placeIn(me, this.state.orgId) });
  }

  chooseOrganization(orgId) {
    this.update(this.placeIn(this.state.me, orgId));
  }

  chooseDataset(datasetId) {
    this.update({ datasetId });
  }

  /** The organization `wanted` if `me` is a member of it, else their first one; the dataset is
   *  kept only within the same organization. */
  placeIn(me, wanted) {
    const orgs = (me && me.orgs) || [];
    const org = orgs.find((o) => o.id === wanted) || orgs[0];
    const orgId = org ? org.id : null;
    const datasetId = orgId !== null && orgId === this.state.orgId ? this.state.datasetId : null;
    return { orgId, role: org ? membershipRole(me, orgId) : null, datasetId };
  }

  update(changes) {
    const previous = this.state;
    this.state = Object.freeze({ ...previous, ...changes });
    const names = Object.keys(changes).filter((name) => this.state[name] !== previous[name]);
    const changed = new Set(names);
    if (changed.size === 0) return;
    this.queue.push(changed);
    if (this.queue.length > 1) return; // a listener's change: told once this round is done
    while (this.queue.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(this.state, this.queue[0]);
        } catch (error) {
          console.error(error); // one panel's bug must not keep the others from hearing of changes
        }
      }
      this.queue.shift();
    }
  }
}
