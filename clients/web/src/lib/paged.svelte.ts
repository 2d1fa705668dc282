// Lists behind the API's keyset cursors (`cursor` in, `nextCursor` out): read page by page on the page ("Show more",
// with ui/MoreButton.svelte), or every page at once for a picker or a bulk action.
import { messageOf } from './api';

export type Page<T> = { items: T[]; nextCursor: string | null };
type Fetch<T> = (cursor: string | undefined) => Promise<Page<T>>;

/** Every item of a listing, reading page after page. */
export async function allPages<T>(fetch: Fetch<T>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** A list shown page by page: the first page, then "Show more". */
export class Paged<T> {
  items = $state<T[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Whether the first page has answered. */
  loaded = $state(false);
  #next = $state<string | null>(null);
  #fetch: Fetch<T>;
  #generation = 0;
  #refreshing = false;

  constructor(fetch: Fetch<T>) {
    this.#fetch = fetch;
  }

  get more(): boolean {
    return this.#next !== null;
  }

  /** Reads the first page again (after a change), replacing the list. */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.#refreshing = false;
    await this.#read(undefined, generation, true);
  }

  /**
   * Reads again as many items as are shown (the first page, then the next while fewer came back and there are more),
   * replacing the list at the end: a quiet look for news (no "Loading…") that keeps the pages "Show more" opened.
   */
  async refresh(): Promise<void> {
    if (this.loading) return;
    const generation = ++this.#generation;
    const shown = Math.max(this.items.length, 1);
    this.#refreshing = true;
    try {
      const items: T[] = [];
      let next: string | null = null;
      do {
        const page = await this.#fetch(next ?? undefined);
        if (generation !== this.#generation) return;
        items.push(...page.items);
        next = page.nextCursor;
      } while (next && items.length < shown);
      this.items = items;
      this.#next = next;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      if (generation === this.#generation) this.error = messageOf(e);
    } finally {
      if (generation === this.#generation) this.#refreshing = false;
    }
  }

  async loadMore(): Promise<void> {
    if (!this.#next || this.loading || this.#refreshing) return;
    await this.#read(this.#next, this.#generation, false);
  }

  async #read(cursor: string | undefined, generation: number, replace: boolean) {
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetch(cursor);
      if (generation !== this.#generation) return;
      this.items = replace ? page.items : [...this.items, ...page.items];
      this.#next = page.nextCursor;
      this.loaded = true;
    } catch (e) {
      if (generation === this.#generation) this.error = messageOf(e);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}
