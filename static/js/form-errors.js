// How a form shows a failed request. The server names the request body's field an error is about
// (`{"message", "field"}`, for a 400 or 409); the form maps those names to its inputs and marks
// the one named: aria-invalid, the message in the input's error element, focus. An error without
// a field, or with one the form does not send, goes to the form's general error. The wording of
// a message is never read.

import { messageOf } from './api-client.js';
import { clearError, showError } from './dom.js';

export class FormErrors {
  /**
   * `general`: the form's error element. `fields`: request body field name → the input, whose
   * error element is `#<input id>-error`, or → { input, error } for elements not in the page yet.
   * Several names may map to one input.
   */
  constructor(general, fields = {}) {
    this.general = general;
    this.fields = new Map();
    for (const [name, target] of Object.entries(fields)) {
      const input = target.input || target;
      const error = target.error || document.getElementById(`${input.id}-error`);
      if (!error || !error.id) throw new Error(`${name}: #${input.id} has no error element`);
      this.fields.set(name, { input, error });
    }
  }

  clear() {
    clearError(this.general);
    for (const { input, error } of this.fields.values()) {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      clearError(error);
    }
  }

  /** Shows `error` (an ApiError, or any other Error) by its field, else as the form's. */
  show(error) {
    const target = error && error.field ? this.fields.get(error.field) : undefined;
    if (target) mark(target, error.message);
    else showError(this.general, messageOf(error));
  }

  /** The page's own check of a field failed, before any request. */
  showField(name, message) {
    mark(this.fields.get(name), message);
  }

  showGeneral(message) {
    showError(this.general, message);
  }
}

function mark({ input, error }, message) {
  showError(error, message);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', error.id);
  input.focus();
}
