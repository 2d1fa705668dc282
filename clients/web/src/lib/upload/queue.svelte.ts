// Files on their way to the API, each with its progress and a status that follows the server's:
// waiting → uploading → processing → done, or failed (with the reason in words) and retried on demand.
// What "sending" means is the page's (library, share link, photo request): see UploadTarget.
import { messageOf } from '../api';

export type UploadState = 'waiting' | 'uploading' | 'processing' | 'done' | 'failed';

export interface UploadItem {
  readonly key: number;
  readonly file: File;
  state: UploadState;
  sent: number;
  total: number;
  /** Why it failed (or was refused before sending), for a person. */
  message: string | null;
}

/** What the server will do with a file once it has it. */
export type Outcome = { state: 'done' } | { state: 'processing' } | { state: 'failed'; message: string };

export interface UploadTarget {
  /** Files over this many bytes are refused before a byte is sent. */
  maxBytes?: number;
  /** A reason to refuse a file before sending it (wrong type…), or null. */
  refuse?: (file: File) => string | null;
  /** Sends one file; resolves when the server has it, with a way to follow its processing (polled until it ends). */
  send: (file: File, onprogress: (sent: number, total: number) => void, signal: AbortSignal) => Promise<{ follow?: () => Promise<Outcome> }>;
}

export class UploadQueue {
  items = $state<UploadItem[]>([]);
  #target: UploadTarget;
  #concurrency: number;
  #running = 0;
  #next = 0;
  #aborts = new Map<number, AbortController>();

  constructor(target: UploadTarget, concurrency = 2) {
    this.#target = target;
    this.#concurrency = concurrency;
  }

  get busy(): boolean {
    return this.items.some((i) => i.state === 'waiting' || i.state === 'uploading' || i.state === 'processing');
  }

  add(files: Iterable<File>): void {
    for (const file of files) {
      const refusal = this.#refusal(file);
      this.items.push({ key: this.#next++, file, state: refusal ? 'failed' : 'waiting', sent: 0, total: file.size, message: refusal });
    }
    this.#pump();
  }

  retry(item: UploadItem): void {
    const live = this.items.find((i) => i.key === item.key);
    if (!live || live.state !== 'failed' || this.#refusal(live.file)) return;
    Object.assign(live, { state: 'waiting', sent: 0, message: null });
    this.#pump();
  }

  cancel(item: UploadItem): void {
    this.#aborts.get(item.key)?.abort();
  }

  #refusal(file: File): string | null {
    const max = this.#target.maxBytes;
    if (max !== undefined && file.size > max) return `Too large: at most ${Math.floor(max / 1_000_000)} MB per file.`;
    return this.#target.refuse?.(file) ?? null;
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const item = this.items.find((i) => i.state === 'waiting');
      if (!item) return;
      this.#running++;
      void this.#run(item).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  async #run(item: UploadItem): Promise<void> {
    const abort = new AbortController();
    this.#aborts.set(item.key, abort);
    item.state = 'uploading';
    try {
      const { follow } = await this.#target.send(item.file, (sent, total) => {
        item.sent = sent;
        item.total = total || item.file.size;
      }, abort.signal);
      item.sent = item.total;
      if (!follow) {
        item.state = 'done';
        return;
      }
      item.state = 'processing';
      for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
        const outcome = await follow();
        if (outcome.state === 'done') return void (item.state = 'done');
        if (outcome.state === 'failed') return void Object.assign(item, { state: 'failed', message: outcome.message });
        await new Promise((r) => setTimeout(r, delay));
      }
    } catch (e) {
      Object.assign(item, { state: 'failed', message: e instanceof DOMException && e.name === 'AbortError' ? 'Cancelled.' : messageOf(e) });
    } finally {
      this.#aborts.delete(item.key);
    }
  }
}
