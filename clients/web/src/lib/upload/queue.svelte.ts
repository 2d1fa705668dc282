// Files on their way to the API, each with its progress and a status that follows the server's:
// waiting → uploading → processing → done, or failed (with the reason in words) and retried on demand.
// What "sending" means is the page's (library, share link, photo request): see UploadTarget.
import { bytes } from '../format';
import { ApiError, messageOf } from '../api';

export type UploadState = 'waiting' | 'uploading' | 'processing' | 'done' | 'failed';

export interface UploadItem {
  readonly key: number;
  readonly file: File;
  state: UploadState;
  sent: number;
  total: number;
  /** For a person: why it failed (or was refused before sending), or a word on how it ended ("Already in your library"). */
  message: string | null;
  /** Refused before sending (too large, a kind not taken): retrying cannot help. */
  refused: boolean;
}

/** What the server did, or will do, with a file once it has it; done may say how in words. */
export type Outcome = { state: 'done'; message?: string } | { state: 'processing' } | { state: 'failed'; message: string };

export interface UploadTarget {
  /** Files over this many bytes are refused before a byte is sent. */
  maxBytes?: number;
  /** A reason to refuse a file before sending it (wrong type…), or null. */
  refuse?: (file: File) => string | null;
  /**
   * Sends one file; resolves when the server has it, with a way to follow its processing (polled until it ends), or
   * with how it ended already (`done`, with its words if any).
   */
  send: (
    file: File,
    onprogress: (sent: number, total: number) => void,
    signal: AbortSignal,
  ) => Promise<{ follow: () => Promise<Outcome> } | Outcome>;
}

const CANCELLED = 'Cancelled.';
/** How long a stored file's processing is followed before it counts as done, still being prepared. */
const FOLLOW_FOR = 10 * 60_000;
/** Stored files followed at once without holding a sending place; more wait in their place, as a slow worker paces them. */
const FOLLOWERS = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Worth trying again by itself: the connection dropped, the server was busy or briefly away. */
function transient(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof ApiError && (e.status === 429 || e.status === 502 || e.status === 503 || e.status === 504));
}

export class UploadQueue {
  items = $state<UploadItem[]>([]);
  #target: UploadTarget;
  #concurrency: number;
  #running = 0;
  #following = 0;
  #next = 0;
  #aborts = new Map<number, AbortController>();
  // Files the server has, whose processing could not be followed (the connection dropped): Retry asks again how it
  // went, and does not send the file a second time.
  #follows = new Map<number, () => Promise<Outcome>>();

  constructor(target: UploadTarget, concurrency = 2) {
    this.#target = target;
    this.#concurrency = concurrency;
  }

  get busy(): boolean {
    return this.items.some((i) => i.state === 'waiting' || i.state === 'uploading' || i.state === 'processing');
  }

  /** How many files are in each state. */
  get counts(): Record<UploadState, number> {
    const c: Record<UploadState, number> = { waiting: 0, uploading: 0, processing: 0, done: 0, failed: 0 };
    for (const i of this.items) c[i.state]++;
    return c;
  }

  add(files: Iterable<File>): void {
    for (const file of files) {
      const refusal = this.#refusal(file);
      this.items.push({
        key: this.#next++, file, state: refusal ? 'failed' : 'waiting', sent: 0, total: file.size, message: refusal, refused: !!refusal,
      });
    }
    this.#pump();
  }

  retry(item: UploadItem): void {
    const live = this.#live(item);
    if (!live || live.state !== 'failed' || live.refused) return;
    Object.assign(live, { state: 'waiting', sent: 0, message: null });
    this.#pump();
  }

  /** Retries every failed file that was sent (not those refused before sending). */
  retryAll(): void {
    for (const i of this.items) if (i.state === 'failed' && !i.refused) Object.assign(i, { state: 'waiting', sent: 0, message: null });
    this.#pump();
  }

  /** Stops a file being sent, or one still waiting its turn. */
  cancel(item: UploadItem): void {
    const live = this.#live(item);
    if (live?.state === 'waiting') Object.assign(live, { state: 'failed', message: CANCELLED });
    else this.#aborts.get(item.key)?.abort();
  }

  /** Takes done and refused files off the list. */
  clearFinished(): void {
    this.items = this.items.filter((i) => i.state !== 'done' && !i.refused);
  }

  #live(item: UploadItem): UploadItem | undefined {
    return this.items.find((i) => i.key === item.key);
  }

  #refusal(file: File): string | null {
    const max = this.#target.maxBytes;
    if (max !== undefined && file.size > max) return `Too large to send: this file is ${bytes(file.size)}, the limit is ${bytes(max)} per file.`;
    return this.#target.refuse?.(file) ?? null;
  }

  // A file holds one of the `concurrency` places while it is sent, not while its processing is followed (up to
  // FOLLOWERS files at once): the next file goes as soon as the server has this one, however slow the worker is.
  #pump(): void {
    while (this.#running < this.#concurrency) {
      const item = this.items.find((i) => i.state === 'waiting');
      if (!item) return;
      this.#running++;
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        this.#running--;
        this.#pump();
      };
      void this.#run(item, release).finally(release);
    }
  }

  async #run(item: UploadItem, release: () => void): Promise<void> {
    let follow = this.#follows.get(item.key);
    try {
      if (!follow) {
        const abort = new AbortController();
        this.#aborts.set(item.key, abort);
        item.state = 'uploading';
        const sent = await this.#target.send(item.file, (sent, total) => {
          item.sent = sent;
          item.total = total || item.file.size;
        }, abort.signal);
        this.#aborts.delete(item.key);
        if (!('follow' in sent)) return void this.#end(item, sent);
        follow = sent.follow;
      }
      item.sent = item.total;
      item.state = 'processing';
      this.#follows.set(item.key, follow);
      const apart = this.#following < FOLLOWERS;
      if (apart) {
        this.#following++;
        release();
      }
      try {
        const outcome = await this.#follow(follow);
        this.#follows.delete(item.key);
        this.#end(item, outcome);
      } finally {
        if (apart) this.#following--;
      }
    } catch (e) {
      const cancelled = e instanceof DOMException && e.name === 'AbortError';
      Object.assign(item, { state: 'failed', message: cancelled ? CANCELLED : messageOf(e) });
    } finally {
      this.#aborts.delete(item.key);
    }
  }

  #end(item: UploadItem, outcome: Outcome): void {
    item.sent = item.total;
    if (outcome.state === 'failed') Object.assign(item, { state: 'failed', message: outcome.message });
    else Object.assign(item, { state: 'done', message: outcome.state === 'done' ? (outcome.message ?? null) : null });
  }

  /**
   * Polls until processing ends, backing off; a dropped connection is retried a few times before giving up. The file is
   * stored already: after FOLLOW_FOR without an answer it counts as done, still being prepared, so a stopped worker
   * does not keep the page busy for ever.
   */
  async #follow(follow: () => Promise<Outcome>): Promise<Outcome> {
    let misses = 0;
    const until = Date.now() + FOLLOW_FOR;
    for (let delay = 400; ; delay = Math.min(delay * 1.5, 3000)) {
      if (Date.now() > until) return { state: 'done', message: 'Received; it is still being prepared.' };
      try {
        const outcome = await follow();
        if (outcome.state !== 'processing') return outcome;
        misses = 0;
      } catch (e) {
        if (!transient(e) || ++misses > 4) throw e;
      }
      await sleep(delay);
    }
  }
}
