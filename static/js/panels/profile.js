// The caller's profile: PUT /api/user with name, username, website and visible_email.

import { $, setStatus, withBusy } from '../dom.js';
import { FormErrors } from '../form-errors.js';

export function setUpProfile({ api, session }) {
  const form = $('profile-form');
  const inputs = {
    name: $('profile-name'),
    username: $('profile-username'),
    website: $('profile-website'),
    visible_email: $('profile-visible-email'),
  };
  const save = $('profile-save');
  const status = $('profile-status');
  // Every field of the request body is one of the form's inputs.
  const errors = new FormErrors($('profile-error'), inputs);

  session.subscribe((state, changed) => {
    if (changed.has('me')) render(state.me);
  });

  function render(me) {
    if (!me) {
      form.reset();
      errors.clear();
      setStatus(status, '');
    }
    $('profile-email').textContent = me ? me.email : '';
    inputs.name.value = (me && me.name) || '';
    inputs.username.value = (me && me.username) || '';
    inputs.website.value = (me && me.website) || '';
    inputs.visible_email.checked = Boolean(me && me.visible_email);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.clear();
    setStatus(status, '');
    const body = {
      name: inputs.name.value.trim(),
      username: inputs.username.value.trim(),
      website: inputs.website.value.trim(),
      visible_email: inputs.visible_email.checked,
    };
    const token = session.token();
    try {
      const me = await withBusy(save, status, () => api.send('PUT', '/api/user', { body }));
      if (!session.isCurrent(token)) return;
      session.setMe(me);
      setStatus(status, 'Saved.');
    } catch (error) {
      if (session.isCurrent(token)) errors.show(error);
    }
  });
}
