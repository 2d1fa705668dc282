// Saving files: a zip of the library (a short-lived link the browser's download manager streams to disk), and what a
// guest downloads through a link that hides metadata (a copy the worker makes first: asked for until it is ready).
import { api, ok, toApiError } from './api';

/** Starts the download of a zip of the given assets or album (`createArchiveLink`); throws the API's refusal. */
export async function downloadZip(body: { assetIds: string[] } | { albumId: string }): Promise<void> {
  const link = await ok(api.POST('/api/v1/downloads/archive-links', { body }));
  save(link.url);
}

type BlobCall = Promise<{ data?: Blob; error?: unknown; response: Response }>;

/** How long to keep asking for a file still being made before giving up. */
const PATIENCE_MS = 3 * 60_000;

/**
 * Downloads a file the API answers 409 `asset.not_ready` (with `Retry-After`) for until it has made it — a guest's
 * copy without metadata, or the zip of them — asking again as told, then saves it under the name the API gives.
 * `call` makes the request (with `parseAs: 'blob'`); `waiting` says when the first 409 came.
 */
export async function downloadWhenReady(call: () => BlobCall, waiting: () => void = () => {}): Promise<void> {
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const { data, error, response } = await call();
    if (response.ok && data) {
      const url = URL.createObjectURL(data);
      save(url, fileName(response) ?? 'download');
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return;
    }
    if (response.status !== 409 || Date.now() > until) throw toApiError(response, error);
    waiting();
    const seconds = Number(response.headers.get('Retry-After'));
    await new Promise((r) => setTimeout(r, (Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 30) : 2) * 1000));
  }
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
