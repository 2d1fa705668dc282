// A list of assets read page by page with the API's keyset cursor (the timeline, a folder, an album, the trash),
// grouped into the grid's sections, and kept in step with what the pages do (edits, uploads, moves, trash).
import { messageOf, type Schemas } from '../api';
import { fromAsset, type MediaItem, type MediaSection } from '../media/types';
import { takenDay, dayTitle } from '../format';
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
  /** Assets edited to a time past what is loaded, kept at the end until their place is read. */
  #held = new Set<string>();

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
        this.#settle();
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
    this.#held.clear();
    Object.assign(this, { done: false, loaded: false, loading: false, error: null });
    return this.more();
  }

  /**
   * Puts a new or changed asset in its place by the time taken. A new one past what is loaded is left for its page to
   * bring; one already listed (an edit in the open viewer) stays, at the end of what is loaded, until the pages read
   * reach its place — so the viewer stays on it.
   */
  put(asset: Asset): void {
    const listed = this.items.some((a) => a.id === asset.id);
    const rest = this.items.filter((a) => a.id !== asset.id);
    const at = this.#place(rest, asset);
    if (at === -1 && !listed) {
      this.items = rest;
      return;
    }
    if (at === -1) this.#held.add(asset.id);
    else this.#held.delete(asset.id);
    rest.splice(at === -1 ? rest.length : at, 0, asset);
    this.items = rest;
  }

  /** Where an asset goes among `items` by its time taken; -1 when that is past what is loaded (and more remains). */
  #place(items: Asset[], asset: Asset): number {
    const t = Date.parse(asset.takenAt);
    const before = (a: Asset) => (this.#order === 'newest' ? Date.parse(a.takenAt) < t : Date.parse(a.takenAt) > t);
    const at = items.findIndex(before);
    return at === -1 && this.done ? items.length : at;
  }

  /** After a page came: the held assets whose place is now loaded go there. */
  #settle(): void {
    for (const id of this.#held) {
      const asset = this.get(id);
      if (!asset) {
        this.#held.delete(id);
        continue;
      }
      const rest = this.items.filter((a) => a.id !== id);
      const at = this.#place(rest, asset);
      if (at === -1) continue;
      this.#held.delete(id);
      rest.splice(at, 0, asset);
      this.items = rest;
    }
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
    if (!last || last.key !== key) out.push((last = { key, title: dayTitle(key), items: [] }));
    last.items.push(fromAsset(a));
  }
  return out;
}

export function media(items: Asset[]): MediaItem[] {
  return items.map(fromAsset);
}
