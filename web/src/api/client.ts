import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** The one API client: same origin, the session cookie; the CSRF token rides on every change. */
export const api = createClient<paths>({ baseUrl: '/', credentials: 'same-origin' });

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Where a 401 (the session ended: idle, expired, revoked) sends the user. */
export function handleUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const session: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/auth/login')) onUnauthorized();
    return response;
  },
};
api.use(session);

/** The common error shape (api/errors.ts): a message, and the fields at fault. */
export interface ApiError {
  statusCode: number;
  message: string;
  details?: { issues?: Array<{ field: string; message: string }>; [key: string]: unknown };
}

/** Field errors by the form's own field name: `body.newPassword` → `newPassword`. */
export function fieldErrors(error: ApiError | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error?.details?.issues ?? []) {
    const name = issue.field.replace(/^(body|query|params)\./, '');
    out[name] ??= issue.message;
  }
  return out;
}
