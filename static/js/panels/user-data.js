// "A user's data": whose chunks and files are shown, in the chosen dataset. An admin may pick any
// member (the list comes from the members panel); anyone else sees their own.

import { $, option } from '../dom.js';
import { userLabel } from '../format.js';
import { setUpChunks } from './chunks.js';
import { setUpFiles } from './files.js';

export function setUpUserData({ api, session, onUploaded }) {
  const select = $('data-user');
  const chunks = setUpChunks({ api });
  const files = setUpFiles({
    api,
    session,
    onChanged: ({ uploaded }) => {
      if (uploaded) onUploaded();
      return show();
    },
  });
  let members = []; // the organization's members, for an admin; else none
  let userId = null; // whose data is shown

  session.subscribe((state, changed) => {
    if (changed.has('orgId')) members = []; // until the members panel has the new list
    const userChanged = renderUsers();
    if (userChanged || changed.has('datasetId')) show();
  });

  select.addEventListener('change', () => {
    userId = select.value;
    show();
  });
  $('show-mine').addEventListener('click', () => showUser(session.current.me.id));

  /** The users to choose from; returns whether the chosen one changed. */
  function renderUsers() {
    const { me, orgId } = session.current;
    const before = userId;
    if (!me || orgId === null) {
      select.replaceChildren();
      select.disabled = true;
      userId = null;
      return userId !== before;
    }
    const users = session.isAdmin() && members.length ? members : [me];
    select.replaceChildren(
      ...users.map((user) => {
        const label = user.id === me.id ? `${userLabel(user)} (you)` : userLabel(user);
        return option(user.id, label);
      }),
    );
    if (!users.some((user) => user.id === userId)) userId = me.id;
    select.value = userId;
    select.disabled = users.length < 2;
    return userId !== before;
  }

  function show() {
    const { me, datasetId } = session.current;
    if (!datasetId || !userId) {
      chunks.clear();
      files.clear();
      return Promise.resolve();
    }
    return Promise.all([
      chunks.show(datasetId, userId),
      files.show(datasetId, userId, userId === me.id),
    ]);
  }

  function showUser(id) {
    userId = id;
    select.value = id;
    show();
    $('userdata').scrollIntoView({ block: 'start' });
    select.focus({ preventScroll: true });
  }

  return {
    /** The members panel's new list (empty for a plain member). */
    setMembers(list) {
      members = list;
      if (renderUsers()) show();
    },
    showUser,
  };
}
