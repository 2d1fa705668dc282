// The state of one form that sends something to the API: busy while it runs (a second submit is ignored), then
// either a success message or the failure — the server's messages per field, and a sentence for the whole form.
import { messageOf } from '../../lib/api';
import { fieldErrors } from './forms';

export interface FailureWords {
  /** The messages per field of a failure (default: the server's `errors`). */
  fields?: (e: unknown) => Record<string, string[]>;
  /** A sentence for the failure, or null for the default (a pointer to the fields, else `messageOf`). */
  message?: (e: unknown) => string | null;
}

export class Form {
  busy = $state(false);
  error = $state<string | null>(null);
  done = $state<string | null>(null);
  errors = $state<Record<string, string[]>>({});

  constructor(private readonly words: FailureWords = {}) {}

  /** Forgets the last outcome (a dialog opened again starts clean). */
  clear(): void {
    this.error = this.done = null;
    this.errors = {};
  }

  /** Runs `action` unless one runs already; what it returns is the success message. True when it succeeded. */
  async run(action: () => Promise<string | void>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.clear();
    try {
      this.done = (await action()) ?? null;
      return true;
    } catch (e) {
      this.errors = (this.words.fields ?? fieldErrors)(e);
      this.error = this.words.message?.(e) ?? (Object.keys(this.errors).length ? 'Some fields need your attention.' : messageOf(e));
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** An onsubmit handler that runs `action` instead of the browser's submission. */
  submit(action: () => Promise<string | void>): (e: SubmitEvent) => void {
    return (e) => {
      e.preventDefault();
      void this.run(action);
    };
  }
}
