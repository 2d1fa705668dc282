// What the grid and the viewer show, whatever list it came from (the library, an album, a share link).
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

/** A run of items under one heading (a day of the timeline); the guest page has one run without a title. */
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
