// What the sign-in, registration, account and admin forms know of accounts: conflicts, throttling, password rules.
import { ApiError, type Schemas } from '../../lib/api';
import { fieldErrors, type FieldMessages } from '../../lib/form.svelte';

export type RegistrationOptions = Schemas['RegistrationOptionsResponse'];

const conflicts: Record<string, [string, string]> = {
  'user.username_taken': ['username', 'This username is taken. Choose another one.'],
  'user.email_taken': ['email', 'Another account uses this email address.'],
};

/** Like `fieldErrors`, with the account conflicts (username or email taken) put on their field. */
export function accountFieldErrors(e: unknown): FieldMessages {
  const conflict = e instanceof ApiError ? conflicts[e.code] : undefined;
  return conflict ? { [conflict[0]]: [conflict[1]] } : fieldErrors(e);
}

/** The seconds of a 429's `Retry-After`, as words: "in about 2 minutes". */
export function waitWords(retryAfter: string | null): string {
  const s = Number(retryAfter);
  if (!Number.isFinite(s) || s <= 0) return 'in a moment';
  if (s < 60) return `in ${Math.ceil(s)} second${Math.ceil(s) === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `in about ${m} minute${m === 1 ? '' : 's'}`;
}

export interface RuleCheck { text: string; met: boolean | null }

/**
 * The server's password rules, each with whether `password` meets it. The rules this app knows by their `rule`
 * (min_length, upper, lower, digit) are checked as the person types; any other is shown with `met: null` and left to
 * the server.
 */
export function checkPassword(options: RegistrationOptions, password: string): RuleCheck[] {
  const length = [...password].length;
  const tests: Record<string, () => boolean> = {
    min_length: () => length >= options.passwordMinLength && length <= options.passwordMaxLength,
    upper: () => /\p{Lu}/u.test(password),
    lower: () => /\p{Ll}/u.test(password),
    digit: () => /\p{Nd}/u.test(password),
  };
  return options.passwordRules.map(({ rule, message }) => ({ text: message, met: tests[rule]?.() ?? null }));
}
