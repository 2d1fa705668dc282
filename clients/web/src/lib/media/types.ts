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
    originalUrl: a.urls.original, name: a.originalFileName, takenAt: a.takenAt,
  };
}

export function fromPublicAsset(a: Schemas['PublicAssetResponse']): MediaItem {
  return {
    id: a.id, kind: a.mediaType, width: a.width, height: a.height, thumbnailUrl: a.urls.thumbnail, previewUrl: a.urls.preview,
    originalUrl: a.urls.original, name: a.originalFileName, takenAt: a.takenAt,
  };
}

/** A photo of a photo request's shared album: a picture only, never a name, date or download. */
export function fromRequestPhoto(p: Schemas['PublicAlbumPhoto']): MediaItem {
  return {
    id: p.id, kind: 'image', width: p.width, height: p.height, thumbnailUrl: p.thumbnailUrl, previewUrl: p.previewUrl,
    originalUrl: null, name: null, takenAt: null,
  };
}

/** What a person calls it: its file name, else "Photo 3" / "Video 3" (1-based position). */
export function labelOf(item: MediaItem, position: number): string {
  if (item.name) return item.name;
  return `${item.kind === 'video' ? 'Video' : item.kind === 'image' ? 'Photo' : 'File'} ${position}`;
}
