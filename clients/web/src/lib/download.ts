// Saving files: a zip of the library (a short-lived link the browser's download manager streams to disk), and what a
// guest downloads through a link that hides metadata (a copy the worker makes first: asked for until it is ready).
import { api, ok, toApiError } from './api';

/** Starts the download of a zip of the given assets or album (`createArchiveLink`); throws the API's refusal. */
export async function downloadZip(body: { assetIds: string[] } | { albumId: string }): Promise<void> {
  const link = await ok(api.POST('/api/v1/downloads/archive-links', { body }));
  save(link.url);
}

type Call<T> = Promise<{ data?: T; error?: unknown; response: Response }>;

/** How long to keep asking for a file still being made before giving up. */
const PATIENCE_MS = 3 * 60_000;

/**
 * The answer of `call` once the API stops answering 409 `asset.not_ready` (the worker is making copies without
 * metadata): asked again after each `Retry-After`, for at most three minutes. `waiting` says when the first 409 came.
 */
async function whenReady<T>(call: () => Call<T>, waiting: () => void): Promise<{ data: T; response: Response }> {
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const { data, error, response } = await call();
    if (response.ok && data !== undefined) return { data, response };
    if (response.status !== 409 || Date.now() > until) throw toApiError(response, error);
    waiting();
    const seconds = Number(response.headers.get('Retry-After'));
    await new Promise((r) => setTimeout(r, (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 30) : 2) * 1000));
  }
}

/**
 * Downloads one file the API may answer 409 for until it has made it (a guest's photo without metadata), then saves
 * it under the name the API gives. `call` makes the request with `parseAs: 'blob'`.
 */
export async function downloadWhenReady(call: () => Call<Blob>, waiting: () => void = () => {}): Promise<void> {
  const { data, response } = await whenReady(call, waiting);
  const url = URL.createObjectURL(data);
  save(url, fileName(response) ?? 'download');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * "Download all" of a share link (`createPublicShareArchiveLink`): once every copy the zip needs exists, a one-off
 * address the browser's download manager streams to disk — on public, password and private links alike, with no
 * token in it.
 */
export async function downloadLinkArchive(key: string, header: Record<string, string>, waiting: () => void = () => {}): Promise<void> {
  const { data } = await whenReady(() => api.POST('/api/v1/s/{key}/archive-links', { params: { path: { key }, header } }), waiting);
  save(data.url);
}

/** The file name of a `Content-Disposition: attachment` answer (`filename*` first). */
function fileName(response: Response): string | null {
  const header = response.headers.get('Content-Disposition') ?? '';
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header)?.[1];
  if (extended) {
    try {
      return decodeURIComponent(extended.trim());
    } catch {
      // fall back to the plain name
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim() ?? null;
}

/** Has the browser download a URL of this server (or a blob) as a link would: `<a href download>`. */
function save(url: string, name = ''): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}
