// Where the library's uploads go: a resumable upload (tus, `POST /uploads`) into a folder or the top of the Personal
// Space, followed by polling `getAsset` until the worker has made the photo ready — then the page shows it.
import { api, ok } from '../api';
import { tusUpload } from '../upload/tus';
import type { UploadTarget } from '../upload/queue.svelte';
import type { Asset } from './assets.svelte';
import { wallClock } from '../format';

/**
 * `folder` is read as each file is sent: the folder the page shows then (null: the top of the Personal Space).
 * `onready`: a new photo is ready to be shown. A file the library has already is not stored again; its row says so.
 */
export function libraryTarget(folder: () => string | null, onready: (asset: Asset) => void): UploadTarget {
  return {
    refuse: (file) => (file.size === 0 ? 'This file is empty.' : null),
    async send(file, onprogress, signal) {
      // The file's own date (EXIF) wins over `takenAt`; this is only the guess for files without one (screenshots, some
      // videos). The folder is checked at creation, before a byte is stored.
      const folderId = folder();
      const answer = await tusUpload('/api/v1/uploads', file, {
        metadata: { folderId, takenAt: wallClock(file.lastModified) },
        remember: true,
        onprogress,
        signal,
      });
      const id = answer.header('Asset-Id');
      if (!id) throw new Error('The server did not say which photo it stored.');
      if (answer.header('Asset-Duplicate') === 'true') return { state: 'done', message: 'Already in your library' };
      const read = () => ok(api.GET('/api/v1/assets/{id}', { params: { path: { id } } }));
      return {
        follow: async () => {
          const asset = await read();
          if (asset.status === 'ready') {
            onready(asset);
            return { state: 'done' };
          }
          if (asset.status === 'failed') {
            // The original is kept; it shows in the library without a preview.
            onready(asset);
            return { state: 'failed', message: `Uploaded, but it could not be processed: ${asset.failureReason ?? 'unknown reason'}.` };
          }
          return { state: 'processing' };
        },
      };
    },
  };
}
