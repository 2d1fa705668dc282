// What the grid and the viewer show, whatever list it came from (the library, an album, a share link, a photo request).
import type { Schemas } from '../api';

export interface MediaItem {
  id: string;
  kind: 'image' | 'video' | 'other';
  /** As displayed (after orientation); null until processed. The grid lays rows out from these before images load. */
  width: number | null;
  height: number | null;
  thumbnailUrl: string | null;
  previewUrl: string | null;
  /** Null where the viewer may not download it. */
  originalUrl: string | null;
  /** The file name where it may be shown, else null (then the grid's alt text is generic). */
  name: string | null;
  /** When it was taken, where it may be shown. */
  takenAt: string | null;
  /** A video's length in seconds (null for photos, and until the worker has read it). */
  durationSeconds: number | null;
  /** The H.264/MP4 a `<video>` plays (the API's `urls.playback`); null for photos, and until the worker made it. */
  playbackUrl: string | null;
  /**
   * A video without `playbackUrl` that will get one: the worker is still making its playable copy, so the viewer says
   * "Preparing…". False where it never will here (a link without downloads, a video that failed): the poster only.
   */
  playbackPending: boolean;
  /** The worker could not read it (a damaged or mislabelled file): it has no picture and will get none. */
  unreadable: boolean;
}

/** A run of items under one heading (a day of the timeline); the guest pages have one run without a title. */
export interface MediaSection {
  key: string;
  title?: string;
  items: MediaItem[];
}

export function fromAsset(a: Schemas['AssetResponse']): MediaItem {
  return {
    id: a.id, kind: a.mediaType, width: a.width, height: a.height, thumbnailUrl: a.urls.thumbnail, previewUrl: a.urls.preview,
    originalUrl: a.urls.original, name: a.originalFileName, takenAt: a.takenAt, durationSeconds: a.durationSeconds,
    playbackUrl: a.urls.playback, playbackPending: a.mediaType === 'video' && !a.urls.playback && a.status !== 'failed', unreadable: a.status === 'failed',
  };
}

/** `allowDownload`: the link's; a link without downloads never plays videos (its guests see the poster). */
export function fromPublicAsset(a: Schemas['PublicAssetResponse'], allowDownload: boolean): MediaItem {
  return {
    id: a.id, kind: a.mediaType, width: a.width, height: a.height, thumbnailUrl: a.urls.thumbnail, previewUrl: a.urls.preview,
    originalUrl: a.urls.original, name: a.originalFileName, takenAt: a.takenAt, durationSeconds: a.durationSeconds,
    playbackUrl: a.urls.playback, playbackPending: a.mediaType === 'video' && !a.urls.playback && allowDownload && a.status !== 'failed',
    unreadable: a.status === 'failed',
  };
}

/** A photo of a photo request's shared album: a picture only, never a name, date or download. */
export function fromRequestPhoto(p: Schemas['PublicAlbumPhoto']): MediaItem {
  return {
    id: p.id, kind: 'image', width: p.width, height: p.height, thumbnailUrl: p.thumbnailUrl, previewUrl: p.previewUrl,
    originalUrl: null, name: null, takenAt: null, durationSeconds: null, playbackUrl: null, playbackPending: false, unreadable: false,
  };
}

/** What a person calls it: its file name, else "Photo 3" / "Video 3" (1-based position). */
export function labelOf(item: MediaItem, position: number): string {
  if (item.name) return item.name;
  return `${item.kind === 'video' ? 'Video' : item.kind === 'image' ? 'Photo' : 'File'} ${position}`;
}
