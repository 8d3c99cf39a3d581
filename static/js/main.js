// trieve-lite admin page: native ES modules, no build step. This entry module makes the session
// and the API client, sets up each panel, and signs in again with this tab's key if it has one.

import { ApiClient } from './api-client.js';
import { setUpDialogs } from './dialogs.js';
import { setUpChat } from './panels/chat.js';
import { setUpContext } from './panels/context.js';
import { setUpKeys } from './panels/keys.js';
import { setUpMembers } from './panels/members.js';
import { setUpProfile } from './panels/profile.js';
import { setUpSearch } from './panels/search.js';
import { setUpSignIn } from './panels/signin.js';
import { setUpUserData } from './panels/user-data.js';
import { Session } from './session.js';

const session = new Session();
const api = new ApiClient({
  key: () => session.current.key,
  onKeyRefused: (key, message) => signIn.keyRefused(key, message),
  // The browser test waits for <body data-pending="0">: nothing in flight.
  onPending: (count) => {
    document.body.dataset.pending = String(count);
  },
});

setUpDialogs();
const signIn = setUpSignIn({ api, session });
setUpProfile({ api, session });
setUpKeys({ api, session });
const context = setUpContext({ api, session });
setUpSearch({ api, session });
setUpChat({ api, session });
const userData = setUpUserData({ api, session, onUploaded: () => context.reloadDatasets() });
setUpMembers({
  api,
  session,
  onMembers: (members) => userData.setMembers(members),
  onViewData: (userId) => userData.showUser(userId),
});
signIn.start();
