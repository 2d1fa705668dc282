// Words for the Shared Space's access levels, folder roles, operations and reach, as the admin pages show them.
import type { Schemas } from '../../lib/api';

export type Operation = Schemas['FolderOperation'];
export type AppliesTo = Schemas['FolderAppliesTo'];
export type Role = NonNullable<Schemas['FolderRole']>;
export type Level = Schemas['SharedSpaceAccessLevel'];

export const operations: { value: Operation; label: string }[] = [
  { value: 'view', label: 'View' },
  { value: 'download', label: 'Download' },
  { value: 'upload', label: 'Upload' },
  { value: 'edit', label: 'Edit details' },
  { value: 'rename', label: 'Rename' },
  { value: 'cover', label: 'Change cover' },
  { value: 'create_folder', label: 'Create folders' },
  { value: 'photo_request', label: 'Photo requests' },
  { value: 'add_to_album', label: 'Add to albums' },
  { value: 'delete', label: 'Delete' },
  { value: 'copy', label: 'Copy' },
  { value: 'move', label: 'Move' },
];

export const roles: { value: Role; label: string; hint: string }[] = [
  { value: 'viewer', label: 'Viewer', hint: 'sees the folder and its files' },
  { value: 'downloader', label: 'Downloader', hint: 'also downloads, copies and adds to albums' },
  { value: 'uploader', label: 'Uploader', hint: 'also uploads, creates folders and photo requests' },
  { value: 'manager', label: 'Manager', hint: 'everything: also edits, renames, moves and deletes' },
];

export const reach: { value: AppliesTo; label: string }[] = [
  { value: 'this_folder', label: 'This folder' },
  { value: 'files', label: 'Files in it' },
  { value: 'subfolders', label: 'Subfolders' },
  { value: 'descendants', label: 'All levels below' },
];

export const levels: { value: Level; label: string }[] = [
  { value: 'full', label: 'Full Access' },
  { value: 'custom', label: 'Custom (folder permissions)' },
  { value: 'none', label: 'No access' },
];

const label = <T extends string>(list: { value: T; label: string }[], v: T) => list.find((x) => x.value === v)?.label ?? v;
export const operationLabel = (v: Operation) => label(operations, v);
export const roleLabel = (v: Role) => label(roles, v);
export const reachLabel = (v: AppliesTo) => label(reach, v);
export const levelLabel = (v: Level) => label(levels, v);

/** What an entry grants or takes away, in words: its role, or its operations. */
export function grantWords(entry: { role: Schemas['FolderRole']; operations: Operation[] }): string {
  return entry.role ? roleLabel(entry.role) : entry.operations.map(operationLabel).join(', ');
}

/** What an entry reaches, in words; all four is "This folder, files and everything below". */
export function reachWords(appliesTo: AppliesTo[]): string {
  return appliesTo.length === 4 ? 'This folder, its files and everything below' : appliesTo.map(reachLabel).join(', ');
}
