// Resumable uploads (tus 1.0.0, README "Resumable uploads") with tus-js-client: the one place the web app sends files.
// A dropped connection is retried by the client itself, and a Retry of the queue resumes the same upload from the
// offset the server has (HEAD), not from zero; a cancel aborts and terminates (DELETE) the upload on the server.
import type { DetailedError } from 'tus-js-client';
import { bearer, endIfSignedOut, toApiError } from '../api';

/** The contract's three tus creation routes (tag `Uploads`). */
export type TusRoute = '/api/v1/uploads' | '/api/v1/s/{key}/uploads' | '/api/v1/r/{key}/tus';

export interface TusOptions {
  path?: { key: string };
  /** `Upload-Metadata` besides `filename` and `filetype`; null and undefined values are left out. */
  metadata?: Record<string, string | null | undefined>;
  /** Extra headers, read again for every request (a link's `X-Share-Token`). */
  headers?: () => Record<string, string>;
  /**
   * Remember unfinished uploads in localStorage, so that the same file picked again after a reload resumes. Only for
   * the signed-in library: a guest's device may be shared, and a link's uploads are short-lived.
   */
  remember?: boolean;
  onprogress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** The last answer of a finished upload (the last PATCH, or a HEAD once complete): its result is in headers. */
export interface TusResult {
  header(name: string): string | null;
}

// Upload URLs of files sent in this page, unfinished: a Retry of the same file resumes there. Not kept past the page.
const started = new WeakMap<File, string>();

/** Tries again by itself on a dropped connection, a busy server or a locked upload (tus-js-client's own rules). */
const RETRY_DELAYS = [0, 1000, 3000];

/** Sends `file` to `route` with tus; resolves with the final answer, rejects with an ApiError, a TypeError or an AbortError. */
export async function tusUpload(route: TusRoute, file: File, options: TusOptions = {}): Promise<TusResult> {
  // Loaded when a first file is sent: a guest who only looks at a link never downloads the tus client.
  const { Upload } = await import('tus-js-client');
  const endpoint = new URL(route.replace('{key}', encodeURIComponent(options.path?.key ?? '')), location.origin).href;
  const metadata: Record<string, string> = { filename: file.name };
  if (file.type) metadata.filetype = file.type;
  for (const [k, v] of Object.entries(options.metadata ?? {})) if (v !== null && v !== undefined) metadata[k] = v;
  const cancelled = () => new DOMException('The upload was cancelled.', 'AbortError');

  return new Promise<TusResult>((resolve, reject) => {
    if (options.signal?.aborted) return reject(cancelled());
    const upload = new Upload(file, {
      endpoint,
      uploadUrl: started.get(file) ?? null,
      metadata,
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: !!options.remember,
      // The file and where it goes (folder…): the same file picked for another folder is another upload.
      fingerprint: async () => ['photoapi-tus', file.name, file.type, file.size, file.lastModified, endpoint, JSON.stringify(metadata)].join('|'),
      removeFingerprintOnSuccess: true,
      // Every request, retries and the DELETE of a cancel included: the token may have been refreshed meanwhile.
      async onBeforeRequest(req) {
        const token = await bearer();
        if (token) req.setHeader('Authorization', `Bearer ${token}`);
        for (const [k, v] of Object.entries(options.headers?.() ?? {})) req.setHeader(k, v);
      },
      onUploadUrlAvailable() {
        if (upload.url) started.set(file, upload.url);
      },
      onProgress: (sent, total) => options.onprogress?.(sent, total),
      onSuccess({ lastResponse }) {
        started.delete(file);
        resolve({ header: (name) => lastResponse.getHeader(name) ?? null });
      },
      onError(e) {
        reject(toError(e));
      },
    });
    options.signal?.addEventListener(
      'abort',
      () => {
        started.delete(file);
        // Terminated on the server too (its unfinished bytes count against a limit); a failed DELETE expires there.
        upload.abort(true).catch(() => undefined);
        reject(cancelled());
      },
      { once: true },
    );
    void (async () => {
      if (options.remember && !started.has(file)) {
        const previous = await upload.findPreviousUploads().catch(() => []);
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
      }
      if (!options.signal?.aborted) upload.start();
    })();
  });
}

/** What the server answered, as the API's other calls report it; no answer at all is a TypeError (network). */
function toError(e: Error): Error {
  const res = (e as Partial<DetailedError> | null)?.originalResponse ?? null;
  if (!res) return new TypeError('network error');
  const status = res.getStatus();
  let parsed: unknown = null;
  try {
    parsed = res.getBody() ? JSON.parse(res.getBody()) : null;
  } catch {
    /* not JSON: reported by status below */
  }
  endIfSignedOut(status, parsed);
  return toApiError(new Response(null, { status: status >= 200 && status <= 599 ? status : 500 }), parsed);
}
