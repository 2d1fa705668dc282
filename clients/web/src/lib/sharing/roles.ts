// Sharing in words: roles and what each may do, and whether a photo request is open.
import type { Schemas } from '../api';

export type Role = Schemas['InviteeRequest']['role'];
export type Privacy = NonNullable<Schemas['CreateShareRequest']['privacy']>;

export const roleNames: Record<string, string> = {
  viewer: 'Viewer',
  downloader: 'Downloader',
  provider: 'Contributor',
  uploader: 'Uploader',
  manager: 'Manager',
  partner: 'Partner',
  owner: 'Owner',
};

export const roleHints: Record<string, string> = {
  viewer: 'can see',
  downloader: 'can see and download',
  provider: 'can also add photos',
  uploader: 'can also upload and make folders',
  manager: 'can do everything',
};

/** The roles a share takes: albums and selections (a conditional album without providers), or folders. */
export function rolesFor(kind: 'album' | 'selection' | 'folder', conditional = false): Role[] {
  if (kind === 'folder') return ['viewer', 'downloader', 'uploader', 'manager'];
  return conditional ? ['viewer', 'downloader'] : ['viewer', 'downloader', 'provider'];
}

/** Whether a photo request takes photos now, in a word. */
export function requestStatus(r: { enabled: boolean; expiresAt: string | null }): 'Open' | 'Closed' | 'Expired' {
  if (!r.enabled) return 'Closed';
  if (r.expiresAt && new Date(r.expiresAt) <= new Date()) return 'Expired';
  return 'Open';
}
