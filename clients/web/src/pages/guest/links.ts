// What the two guest pages (share link, photo request) have in common: telling apart the ways a link can fail, the
// unlock token of a password-protected link, and what kind of file a guest picked.
import { ApiError, messageOf, type Schemas } from '../../lib/api';

/** Why a guest page cannot show its link, in the words the page uses. */
export type Problem =
  | { kind: 'invalid' } // unknown, turned off, expired (share links) or deleted: the API answers these alike
  | { kind: 'ended'; code: string } // a photo request that was closed or has expired (410)
  | { kind: 'throttled' }
  | { kind: 'error'; message: string };

export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) {
    if (e.status === 404) return { kind: 'invalid' };
    if (e.status === 410) return { kind: 'ended', code: e.code };
    if (e.status === 429) return { kind: 'throttled' };
  }
  return { kind: 'error', message: messageOf(e) };
}

// The unlock token of a link, per key, for this tab: a reload does not ask for the password again until it expires.
const slot = (key: string) => `photoapi.share-token.${key}`;

export function savedToken(key: string): string | null {
  try {
    const raw = sessionStorage.getItem(slot(key));
    if (!raw) return null;
    const saved = JSON.parse(raw) as Schemas['UnlockPublicShareResponse'];
    if (Date.parse(saved.expiresAt) - Date.now() > 5_000) return saved.shareToken;
  } catch {
    /* unreadable: forget it */
  }
  forgetToken(key);
  return null;
}

export function saveToken(key: string, unlocked: Schemas['UnlockPublicShareResponse']): void {
  try {
    sessionStorage.setItem(slot(key), JSON.stringify(unlocked));
  } catch {
    /* storage full or off: the page still works until reloaded */
  }
}

export function forgetToken(key: string): void {
  try {
    sessionStorage.removeItem(slot(key));
  } catch {
    /* nothing to forget */
  }
}

const IMAGE = /\.(jpe?g|png|gif|webp|heic|heif|avif|tiff?|bmp|dng|cr2|cr3|nef|arw|orf|rw2|raf)$/i;
const VIDEO = /\.(mp4|m4v|mov|avi|mkv|webm|3gp|mts|m2ts|wmv)$/i;

/** What a picked file is, from its type or (HEIC from some browsers has none) its name. */
export function kindOf(file: File): 'image' | 'video' | 'other' {
  if (file.type.startsWith('image/') || IMAGE.test(file.name)) return 'image';
  if (file.type.startsWith('video/') || VIDEO.test(file.name)) return 'video';
  return 'other';
}

/** Moves focus to a page's heading when it appears, so a screen reader says where the guest is. */
export function focusOnMount(node: HTMLElement): void {
  node.focus({ preventScroll: true });
}
