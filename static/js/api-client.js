// The one way the page talks to the server: the key, TR-Dataset / TR-Organization, JSON bodies,
// the count of requests in flight, and every non-2xx answer as an ApiError.
//
// The key is sent in a header only: never in a URL, and no cookies (credentials: 'omit').

/**
 * A failed request: the HTTP status (0 when the server was not reached), the server's message,
 * and, for an error about one field of the request body, that field's name as the server gave it
 * (`{"message", "field"}`). A form finds its input by `field`, never by the message's wording.
 */
export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }
}

/** What the page says about a failure: the server's message, or that this page went wrong. */
export function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  return `Something went wrong: ${error && error.message}`;
}

/** The ApiError of a non-2xx answer, from its `{"message", "field"}` body when it has one. */
function errorOfAnswer(status, statusText, text) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch (_) {
    // Not JSON (a proxy's page, say): the status says what happened.
  }
  const hasMessage = body && typeof body.message === 'string' && body.message !== '';
  const message = hasMessage ? body.message : `The server answered ${status} ${statusText}`.trim();
  const field = body && typeof body.field === 'string' && body.field !== '' ? body.field : null;
  return new ApiError(status, message, field);
}

export class ApiClient {
  /**
   * `key()`: the signed-in key, or null. `onKeyRefused(key, message)`: the server answered 401
   * for that key (revoked or expired). `onPending(count)`: the number of requests in flight.
   */
  constructor({ key, onKeyRefused, onPending }) {
    this.key = key;
    this.onKeyRefused = onKeyRefused;
    this.onPending = onPending;
    this.pending = 0;
    this.onPending(0);
  }

  /**
   * `options`: body (sent as JSON), dataset (TR-Dataset), org (TR-Organization), blob (answer as
   * a Blob), key (a key to try instead of the signed-in one, as when signing in: its 401 signs
   * nobody out). Resolves to the parsed answer (null for a 204); rejects with an ApiError.
   */
  async send(method, path, options = {}) {
    this.track(1);
    try {
      const response = await this.fetchOk(method, path, options);
      if (response.status === 204) return null;
      return await (options.blob ? response.blob() : response.json());
    } finally {
      this.track(-1);
    }
  }

  /**
   * `send` for an answer that streams as text (a chat answer): `options.onText(textSoFar)` each
   * time more arrives. Resolves to the whole text; rejects as send does.
   */
  async stream(method, path, options = {}) {
    this.track(1);
    try {
      const response = await this.fetchOk(method, path, options);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        options.onText(text);
      }
      text += decoder.decode();
      options.onText(text);
      return text;
    } finally {
      this.track(-1);
    }
  }

  /** The response to a request, once its status says it succeeded; else an ApiError. */
  async fetchOk(method, path, options) {
    const key = options.key || this.key();
    const headers = headersFor(key, options);
    let body;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body,
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (_) {
      throw new ApiError(0, 'Could not reach the server. Check that it is running and try again.');
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw this.refused(errorOfAnswer(response.status, response.statusText, text), key, options);
    }
    return response;
  }

  /**
   * POST `json` (a JSON text) with XMLHttpRequest, for its upload progress: `onProgress(fraction)`.
   * `options`: dataset, org, as for send. Answers and fails as send does.
   */
  upload(path, json, options = {}) {
    const key = this.key();
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      const headers = { ...headersFor(key, options), 'Content-Type': 'application/json' };
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.responseType = 'text';
      xhr.upload.onprogress = (event) => {
        if (options.onProgress && event.lengthComputable && event.total > 0) {
          options.onProgress(event.loaded / event.total);
        }
      };
      xhr.onload = () => {
        if (xhr.status < 200 || xhr.status > 299) {
          const error = errorOfAnswer(xhr.status, xhr.statusText, xhr.responseText);
          reject(this.refused(error, key, options));
          return;
        }
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch (_) {
          reject(new ApiError(xhr.status, 'The server answered with something other than JSON.'));
        }
      };
      xhr.onerror = () => {
        reject(new ApiError(0, 'The upload did not reach the server. Try again.'));
      };
      xhr.onloadend = () => this.track(-1);
      this.track(1);
      xhr.send(json);
    });
  }

  /** `error`, after telling onKeyRefused when it is a 401 for the signed-in key. */
  refused(error, key, options) {
    if (error.status === 401 && !options.key && key) this.onKeyRefused(key, error.message);
    return error;
  }

  track(change) {
    this.pending += change;
    this.onPending(this.pending);
  }
}

function headersFor(key, options) {
  const headers = {};
  if (key) headers.Authorization = key;
  if (options.dataset) headers['TR-Dataset'] = options.dataset;
  if (options.org) headers['TR-Organization'] = options.org;
  return headers;
}
