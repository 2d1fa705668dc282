// Folder helpers shared by the folders page and the move/copy dialog: reading every folder of a listing, knowing
// whether the Shared Space is there, and saying the API's folder problems in words.
import { api, ApiError, messageOf, ok, type Schemas } from '../api';
import { allPages } from '../paged.svelte';
import { session } from '../session.svelte';

export type Folder = Schemas['FolderResponse'];
export type Space = 'personal' | 'shared';

export const spaceName: Record<Space, string> = { personal: 'Personal Space', shared: 'Shared Space' };

/** Every subfolder of `parentId`, or the top level of `space`, by name. */
export async function listAll(where: { parentId: string } | { space: Space }): Promise<Folder[]> {
  return allPages((cursor) => ok(api.GET('/api/v1/folders', { params: { query: { ...where, limit: 1000, cursor } } })));
}

/**
 * Whether the Shared Space is open to the signed-in user — their access (`sharedSpaceAccess` of `getMe`) is not
 * `none`, which it also is while an admin has the Shared Space disabled; `null` until `getMe` has answered.
 */
export function sharedSpaceOpen(): boolean | null {
  const access = session.user?.sharedSpaceAccess;
  return access ? access !== 'none' : null;
}

export const SHARED_SPACE_CLOSED = 'The Shared Space is not open to you here. An administrator can give you access.';

/** A sentence for a failed folder or file operation; `what` names what was being done ("move the folder"). */
export function problem(e: unknown, what: string): string {
  if (!(e instanceof ApiError)) return messageOf(e);
  switch (e.code) {
    case 'folder.name_taken':
      return 'A folder with that name is already there. Choose another name.';
    case 'folder.cycle':
      return 'A folder cannot go into itself or into one of its own folders.';
    case 'folder.cross_space':
      return `Cannot ${what} there: folders stay in their own space, and a Personal Space holds only its owner’s files.`;
    case 'space.unavailable':
      return SHARED_SPACE_CLOSED;
    case 'share.role_insufficient':
      return `Cannot ${what}: something inside is not yours to change. Nothing was changed.`;
    case 'resource.not_found':
      return `Cannot ${what}: it is gone, or you may not do this there. Nothing was changed.`;
    default:
      return messageOf(e);
  }
}
