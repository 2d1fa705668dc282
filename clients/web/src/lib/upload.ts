// Uploads with progress. fetch() cannot report upload progress, so multipart uploads go through XMLHttpRequest —
// still typed by the generated `paths`: the route must be a multipart POST of the contract, the fields are its form's,
// and the answer is its success body.
import type { paths } from './api';
import { bearer, endIfSignedOut, toApiError } from './api';

type MultipartPost = {
  [P in keyof paths]: paths[P] extends { post: { requestBody: { content: { 'multipart/form-data': unknown } } } } ? P : never;
}[keyof paths];

type Op<P extends MultipartPost> = paths[P] extends { post: infer O } ? O : never;
type Form<P extends MultipartPost> = Op<P> extends { requestBody: { content: { 'multipart/form-data': infer F } } } ? F : never;
type PathParams<P extends MultipartPost> = Op<P> extends { parameters: { path: infer A } } ? A : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Success<P extends MultipartPost> = Op<P> extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]>
  : never;

export interface UploadOptions<P extends MultipartPost> {
  path?: PathParams<P>;
  /** Extra headers, e.g. a link's `X-Share-Token`. */
  headers?: Record<string, string>;
  /** Bytes sent so far and the total, as the browser reports them. */
  onprogress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** POSTs `fields` as multipart/form-data to `route`; resolves with the success body, rejects with an ApiError. */
export async function uploadForm<P extends MultipartPost>(
  route: P,
  fields: { [K in keyof Form<P>]?: Blob | string | number | boolean | null },
  options: UploadOptions<P> = {},
): Promise<Success<P>> {
  const url = (route as string).replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String((options.path as Record<string, unknown> | undefined)?.[name] ?? '')),
  );
  const body = new FormData();
  for (const [name, value] of Object.entries(fields) as [string, unknown][]) {
    if (value === undefined || value === null) continue;
    if (value instanceof File) body.append(name, value, value.name);
    else if (value instanceof Blob) body.append(name, value);
    else body.append(name, String(value));
  }
  const token = await bearer();
  // Cancelled while the token was being fetched: the abort listener below would come too late.
  if (options.signal?.aborted) throw new DOMException('The upload was cancelled.', 'AbortError');
  return new Promise<Success<P>>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = 'text';
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => options.onprogress?.(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        /* not JSON: reported by status below */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as Success<P>);
      endIfSignedOut(xhr.status, parsed);
      reject(toApiError(new Response(null, { status: xhr.status, statusText: xhr.statusText }), parsed));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
