// The dashboard's only way to the daemon: GET/POST/DELETE on the same origin's /api/v1/…,
// with the token from sessionStorage (never from the URL) as "Authorization: Bearer".
// A 401 becomes an AuthError that the app turns into the token screen (main.js).

const kTokenKey = 'bannin.token';

export class AuthError extends Error {
  constructor(hadToken, message) {
    super(message);
    this.hadToken = hadToken;  // true: a token was sent and refused (a wrong token)
  }
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export function token() {
  try {
    return sessionStorage.getItem(kTokenKey) || '';
  } catch {
    return '';
  }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(kTokenKey, value);
    else sessionStorage.removeItem(kTokenKey);
  } catch {
    /* storage disabled: the token lives for this page only */
  }
}

export async function api(path, {method = 'GET', body, signal} = {}) {
  const headers = {Accept: 'application/json'};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(path, {method, headers, body: payload, signal, cache: 'no-store', credentials: 'omit'});
  let data = null;
  const text = await r.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (r.status === 401) {
    const e = new AuthError(Boolean(t), data?.error?.message || 'unauthorized');
    // main.js shows the token screen, whichever page or button asked.
    window.dispatchEvent(new CustomEvent('bannin:auth', {detail: {hadToken: e.hadToken}}));
    throw e;
  }
  if (!r.ok) throw new ApiError(r.status, data?.error?.code, data?.error?.message);
  return data;
}

/// The same as api(), but a 404 (a probe that is off) gives null instead of an error.
export async function apiOptional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
