// A list of assets read page by page with the API's keyset cursor (the timeline, a folder, an album, the trash),
// grouped into the grid's sections, and kept in step with what the pages do (edits, uploads, moves, trash).
import { messageOf, type Schemas } from '../api';
import { fromAsset, type MediaItem, type MediaSection } from '../media/types';
import { takenDay, takenDayTitle } from '../format';
import type { Page as PageOf } from '../paged.svelte';

export type Asset = Schemas['AssetResponse'];
export type Page = PageOf<Asset>;

export class AssetList {
  items = $state<Asset[]>([]);
  loading = $state(false);
  /** Why the last page could not be read, for a person. */
  error = $state<string | null>(null);
  /** Every page has been read. */
  done = $state(false);
  /** The first page has been read (so an empty list is really empty). */
  loaded = $state(false);
  #cursor: string | null = null;
  #fetch: (cursor: string | undefined) => Promise<Page>;
  #order: 'newest' | 'oldest';
  #generation = 0;

  constructor(fetch: (cursor: string | undefined) => Promise<Page>, order: 'newest' | 'oldest' = 'newest') {
    this.#fetch = fetch;
    this.#order = order;
  }

  /** Reads the next page (and more while pages come back empty, which filtered lists may do). */
  async more(): Promise<void> {
    if (this.loading || this.done) return;
    const generation = this.#generation;
    this.loading = true;
    this.error = null;
    try {
      for (;;) {
        const page = await this.#fetch(this.#cursor ?? undefined);
        if (generation !== this.#generation) return;
        const known = new Set(this.items.map((a) => a.id));
        this.items.push(...page.items.filter((a) => !known.has(a.id)));
        this.#cursor = page.nextCursor;
        this.done = page.nextCursor === null;
        this.loaded = true;
        if (page.items.length || this.done) break;
      }
    } catch (e) {
      if (generation === this.#generation) this.error = messageOf(e);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Forgets what was read and reads the first page again. */
  reload(): Promise<void> {
    this.#generation++;
    this.items = [];
    this.#cursor = null;
    Object.assign(this, { done: false, loaded: false, loading: false, error: null });
    return this.more();
  }

  /** Puts a new or changed asset in its place by the time taken (not past what is loaded, unless all is). */
  put(asset: Asset): void {
    const rest = this.items.filter((a) => a.id !== asset.id);
    const t = Date.parse(asset.takenAt);
    const before = (a: Asset) => (this.#order === 'newest' ? Date.parse(a.takenAt) < t : Date.parse(a.takenAt) > t);
    const at = rest.findIndex(before);
    if (at === -1 && !this.done) {
      this.items = rest;
      return;
    }
    rest.splice(at === -1 ? rest.length : at, 0, asset);
    this.items = rest;
  }

  remove(ids: Iterable<string>): void {
    const gone = new Set(ids);
    this.items = this.items.filter((a) => !gone.has(a.id));
  }

  get(id: string): Asset | undefined {
    return this.items.find((a) => a.id === id);
  }
}

/** The grid's sections: one per day taken (the timeline), or one untitled run. */
export function sections(items: Asset[], byDay: boolean): MediaSection[] {
  if (!byDay) return items.length ? [{ key: 'all', items: items.map(fromAsset) }] : [];
  const out: MediaSection[] = [];
  for (const a of items) {
    const key = takenDay(a.takenAt);
    let last = out[out.length - 1];
    if (!last || last.key !== key) out.push((last = { key, title: takenDayTitle(key), items: [] }));
    last.items.push(fromAsset(a));
  }
  return out;
}

export function media(items: Asset[]): MediaItem[] {
  return items.map(fromAsset);
}
