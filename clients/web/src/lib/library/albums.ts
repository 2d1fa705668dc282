// Album helpers shared by the album pages and the library's "Add to album".
import { api, ok, type Schemas } from '../api';
import { allPages } from '../paged.svelte';

export type Album = Schemas['AlbumResponse'];

/** Every album of a scope, oldest first. */
export async function listAlbums(scope: 'owned' | 'shared' | 'all'): Promise<Album[]> {
  return allPages((cursor) => ok(api.GET('/api/v1/albums', { params: { query: { scope, limit: 1000, cursor } } })));
}

/** Albums the caller can put their own photos in: manual ones they own or provide to. */
export function takesEntries(a: Album): boolean {
  return a.kind !== 'conditional' && (a.role === 'owner' || a.role === 'provider');
}

/** "3 photos were added to Summer. 1 was in it already." */
export function addedText(name: string, r: Schemas['AddAlbumAssetsResponse']): string {
  const n = r.added.length;
  const already = r.alreadyInAlbum.length;
  const first = `${n} ${n === 1 ? 'photo was' : 'photos were'} added to ${name}.`;
  return already ? `${first} ${already} ${already === 1 ? 'was' : 'were'} in it already.` : first;
}

export const roleName: Record<Album['role'], string> = {
  owner: 'Owner', provider: 'Contributor', downloader: 'Can download', viewer: 'Can view',
};
