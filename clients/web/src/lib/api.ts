// The one way the app talks to the API: openapi-fetch over the types generated from openapi.yaml
// (clients/typescript/photoapi.d.ts). No request or response type is written by hand.
import createClient, { type Middleware } from 'openapi-fetch';
import { untrack } from 'svelte';
import type { components, paths } from '../../../typescript/photoapi';
import { session } from './session.svelte';

export type Schemas = components['schemas'];
export type Problem = Schemas['ApiProblem'];
export type { paths };

/** An answer that is not 2xx, carrying the API's problem+json (or a stand-in when the body was not one). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
  }
  /** The per-field messages of a `validation.failed` problem, joined. */
  get fieldMessages(): string[] {
    const errors = (this.problem as { errors?: Record<string, string[]> }).errors ?? {};
    return Object.values(errors).flat();
  }
}

/**
 * A session that ended elsewhere (logout, password change, account disabled): forget it. Only that answer — not a
 * wrong link password or a wrong current password, which are 401s of their own codes. For every way of calling the
 * API (this client's middleware, the tus uploads' answers).
 */
export function endIfSignedOut(status: number, problem: unknown): void {
  if (status !== 401 || !session.signedIn) return;
  if (problem && typeof problem === 'object' && (problem as Problem).code === 'auth.unauthenticated') session.clear();
}

/**
 * The bearer token for a request, read without making the caller depend on it: openapi-fetch calls the middleware
 * synchronously, inside any `$effect` that calls the API, and the effect must not re-run when the token is refreshed.
 */
export function bearer(): Promise<string | null> {
  return untrack(() => session.accessToken());
}

const auth: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath === '/api/v1/auth/refresh' || schemaPath === '/api/v1/auth/login') return request;
    const token = await bearer();
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ response }) {
    if (response.status === 401 && session.signedIn) endIfSignedOut(401, await response.clone().json().catch(() => null));
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** The same client without the auth middleware, for the session itself: refreshing must not wait for itself. */
export const bareApi = createClient<paths>({ baseUrl: '' });

/**
 * The data of an openapi-fetch result, or throws its problem as an ApiError. Use as
 * `const album = await ok(api.GET('/api/v1/albums/{id}', { params: { path: { id } } }))`.
 */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  throw toApiError(response, error);
}

export function toApiError(response: Response, body: unknown): ApiError {
  const problem =
    body && typeof body === 'object' && 'code' in body
      ? (body as Problem)
      : ({ type: 'about:blank', title: response.statusText, status: response.status, code: `http.${response.status}` } as Problem);
  return new ApiError(response.status, problem);
}

/** A message for a person, from anything a call may throw. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.fieldMessages;
    if (e.code === 'auth.throttled') return 'Too many attempts. Please wait a moment and try again.';
    return fields.length ? fields.join(' ') : e.message;
  }
  if (e instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return e instanceof Error ? e.message : String(e);
}
