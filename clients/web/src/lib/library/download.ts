// Saving files from the library: one original (a signed URL the browser downloads itself) or many as a zip.
import { api, toApiError } from '../api';

/**
 * Downloads a zip of the given assets or album (`downloadArchive`). The API streams the zip, but a POST's answer
 * cannot be handed to the browser's download manager, so it is received whole and then saved: fine for an evening's
 * photos, heavy for a whole library (a GET link to the archive would stream straight to disk).
 */
export async function downloadZip(body: { assetIds: string[] } | { albumId: string }): Promise<void> {
  const { data, error, response } = await api.POST('/api/v1/downloads/archive', { body, parseAs: 'blob' });
  if (!response.ok || !data) throw toApiError(response, error);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? 'photos.zip';
  saveBlob(data, name);
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
