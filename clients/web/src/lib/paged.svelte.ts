// A list read page by page with the API's keyset cursors: the first page, then "Show more".
import { messageOf } from '../api';

export class Paged<T> {
  items = $state<T[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Whether the first page has answered. */
  loaded = $state(false);
  #next = $state<string | null>(null);
  #fetch: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>;
  #generation = 0;

  constructor(fetch: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>) {
    this.#fetch = fetch;
  }

  get more(): boolean {
    return this.#next !== null;
  }

  /** Reads the first page again (after a change), replacing the list. */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    await this.#read(undefined, generation, true);
  }

  async loadMore(): Promise<void> {
    if (!this.#next || this.loading) return;
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
