// What the sharing forms have in common: the API's per-field errors, roles in words, and expiry times in the browser's
// own date-time input.
import { ApiError, messageOf, type Schemas } from '../api';

export type Role = Schemas['InviteeRequest']['role'];
export type Privacy = NonNullable<Schemas['CreateShareRequest']['privacy']>;

/** Errors of a failed save: per field (by the request's top-level field name) and the rest as one sentence. */
export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

export const noErrors: FormErrors = { fields: {}, general: null };

/** Sorts an error thrown by a save into the fields it names (`errors["invitees"]`, `errors["target.assetIds"]` → `target`). */
export function formErrors(e: unknown, known: readonly string[]): FormErrors {
  if (!(e instanceof ApiError)) return { fields: {}, general: messageOf(e) };
  const errors = (e.problem as { errors?: Record<string, string[]> }).errors ?? {};
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const [key, messages] of Object.entries(errors)) {
    const top = key.split(/[.[]/)[0]!;
    const name = top.charAt(0).toLowerCase() + top.slice(1);
    if (known.includes(name)) fields[name] = [fields[name], ...messages].filter(Boolean).join(' ');
    else rest.push(...messages);
  }
  const general = Object.keys(fields).length === 0 || rest.length ? (rest.length ? rest.join(' ') : e.message) : null;
  return { fields, general };
}

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

/** An ISO instant as the value of `<input type="datetime-local">` (local time, to the minute). */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of a datetime-local input as an ISO instant, or null when empty. */
export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

/** "in 3 days", "2 hours ago": for expiries and last visits. */
export function relative(iso: string): string {
  const diff = new Date(iso).getTime() - Date.now();
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000_000], ['month', 2_592_000_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of units) if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(0, 'minute');
}

/** "1 view", "3 views". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** Whether a photo request takes photos now, in a word. */
export function requestStatus(r: { enabled: boolean; expiresAt: string | null }): 'Open' | 'Closed' | 'Expired' {
  if (!r.enabled) return 'Closed';
  if (r.expiresAt && new Date(r.expiresAt) <= new Date()) return 'Expired';
  return 'Open';
}
