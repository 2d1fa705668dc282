// The state of one thing a page sends to the API — a form, or an action such as trash, restore or rotate a key: busy
// while it runs (a second run is ignored), then either a success message or the failure — the server's messages per
// field (for a form that shows its fields), and a sentence for the whole.
import { ApiError, messageOf } from './api';

/** Messages by field name. */
export type FieldMessages = Record<string, string[]>;

/**
 * The server's messages per field of a `validation.failed` answer, by the request's top-level field in camelCase
 * (`errors["Invitees[0].Role"]`, `errors["target.assetIds"]` → `invitees`, `target`); none for any other failure.
 */
export function fieldErrors(e: unknown): FieldMessages {
  if (!(e instanceof ApiError)) return {};
  const errors = (e.problem as { errors?: Record<string, string[]> }).errors ?? {};
  const out: FieldMessages = {};
  for (const [key, messages] of Object.entries(errors)) {
    const top = key.split(/[.[]/)[0]!;
    (out[top.charAt(0).toLowerCase() + top.slice(1)] ??= []).push(...messages);
  }
  return out;
}

export interface FormOptions {
  /**
   * The messages per field of a failure (default: `fieldErrors`); `null` for an action without fields, whose failure
   * is one sentence (`messageOf`: the server's field messages joined).
   */
  fields?: ((e: unknown) => FieldMessages) | null;
  /** The fields the form shows: messages about any other go into the sentence. Default: all. */
  shown?: readonly string[];
  /** A sentence for the failure, or null for the default. */
  message?: (e: unknown) => string | null;
}

export class Form {
  busy = $state(false);
  /** The failure as a sentence (for an Alert). */
  error = $state<string | null>(null);
  /** The success message. */
  done = $state<string | null>(null);
  errors = $state<FieldMessages>({});

  constructor(private readonly options: FormOptions = {}) {}

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
      this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Shows a failure as thrown by a call. */
  fail(e: unknown): void {
    const { fields = fieldErrors, shown, message } = this.options;
    const errors: FieldMessages = {};
    const rest: string[] = [];
    for (const [name, messages] of Object.entries(fields?.(e) ?? {})) {
      if (!shown || shown.includes(name)) errors[name] = messages;
      else rest.push(...messages);
    }
    this.errors = errors;
    this.error = message?.(e) ?? (rest.length ? rest.join(' ') : Object.keys(errors).length ? 'Some fields need your attention.' : messageOf(e));
  }

  /** Shows messages per field found before sending (the form's own checks). */
  invalid(errors: FieldMessages): void {
    this.clear();
    this.errors = errors;
  }

  /** An onsubmit handler that runs `action` instead of the browser's submission. */
  submit(action: () => Promise<string | void>): (e: SubmitEvent) => void {
    return (e) => {
      e.preventDefault();
      void this.run(action);
    };
  }
}
