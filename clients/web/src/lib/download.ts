// Saving files: a zip of the library, as a short-lived link the browser's download manager streams to disk.
import { api, ok } from './api';

/** Starts the download of a zip of the given assets or album (`createArchiveLink`); throws the API's refusal. */
export async function downloadZip(body: { assetIds: string[] } | { albumId: string }): Promise<void> {
  const link = await ok(api.POST('/api/v1/downloads/archive-links', { body }));
  save(link.url);
}

/** Has the browser download a URL of this server as a link would: `<a href download>`. */
function save(url: string, name = ''): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}
