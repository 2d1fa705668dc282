// The signed-in user's tokens (from `login`/`refreshToken`), kept in localStorage so a reload or a new tab stays
// signed in. The access token is refreshed shortly before it expires.
//
// The API rotates refresh tokens and ends the whole session when a spent one comes back, so all tabs share one pair:
// a tab follows the pair other tabs store (the `storage` event), reads localStorage again before refreshing, and
// refreshes under a lock shared by the tabs (`navigator.locks`), checking once more after taking it — so only one
// tab spends a refresh token, and the others take the new pair from it.
//
// The tokens are plain fields, not `$state`: an effect that calls the API reads them (openapi-fetch runs the auth
// middleware synchronously), and must not re-run each time they are refreshed. Only signed in or out is reactive.
import { bareApi, toApiError, type Schemas } from './api';

type Tokens = Schemas['TokenResponse'];
type User = Schemas['UserResponse'];
interface Stored { accessToken: string; refreshToken: string; expiresAt: number }

const KEY = 'photoapi.session';
const LOCK = 'photoapi.refresh';
/** Refresh this long before the access token expires. */
const EARLY = 30_000;

function parse(raw: string | null): Stored | null {
  try {
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

function load(): Stored | null {
  try {
    return parse(localStorage.getItem(KEY));
  } catch {
    return null;
  }
}

const usable = (s: Stored) => s.expiresAt - Date.now() > EARLY;

/** What the lock gave when another tab held it. */
const TAKEN = Symbol('taken');

/**
 * The stored pair once it is no longer the one whose refresh token is `spent` — another tab's new pair arriving, or
 * its sign-out — waiting up to a second for it; then the stored pair as it is (the other tab's refresh failed).
 */
async function newerThan(spent: string): Promise<Stored | null> {
  for (let i = 0; i < 10; i++) {
    const s = load();
    if (!s || s.refreshToken !== spent) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return load();
}

class Session {
  #stored: Stored | null = load();
  #signedIn = $state(this.#stored !== null);
  /** The signed-in user, once `getMe` has answered. */
  user = $state<User | null>(null);
  #refreshing: Promise<string | null> | null = null;

  get signedIn(): boolean {
    return this.#signedIn;
  }

  set(tokens: Tokens): void {
    this.#adopt({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: Date.now() + tokens.expiresIn * 1000 });
    localStorage.setItem(KEY, JSON.stringify(this.#stored));
  }

  clear(): void {
    this.#adopt(null);
    localStorage.removeItem(KEY);
  }

  /** Takes the pair another tab stored (signed in, refreshed), or signs out with it. Nothing is written back. */
  follow(raw: string | null): void {
    this.#adopt(parse(raw));
  }

  #adopt(s: Stored | null): void {
    this.#stored = s;
    this.#signedIn = s !== null;
    if (!s) this.user = null;
  }

  /**
   * A valid access token (refreshed first when it is about to expire), or null when signed out. A refresh the API
   * refuses (401) ends the session; any other failure (offline, 5xx, 429) keeps the tokens and rejects, so only the
   * request that needed it fails.
   */
  async accessToken(): Promise<string | null> {
    const s = this.#stored;
    if (!s) return null;
    if (usable(s)) return s.accessToken;
    this.#refreshing ??= this.#refreshShared().finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #refreshShared(): Promise<string | null> {
    // Without the Web Locks API (an address that is not a secure context), reading localStorage again still helps.
    if (typeof navigator.locks?.request !== 'function') return this.#refresh(false);
    // A free lock: no other tab is refreshing. A taken one: another tab is, and the pair it stores reaches this tab's
    // copy of localStorage a moment after its lock is released (each tab reads a copy kept in step asynchronously).
    const now = await navigator.locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? this.#refresh(false) : TAKEN));
    if (now !== TAKEN) return now;
    return navigator.locks.request(LOCK, () => this.#refresh(true));
  }

  /** `waited`: another tab held the lock first, so its new pair may still be on its way to this tab's storage. */
  async #refresh(waited: boolean): Promise<string | null> {
    // Another tab may have refreshed (or signed out) while this one waited: its pair is the one to use.
    let latest = load();
    if (waited && latest && !usable(latest)) latest = await newerThan(latest.refreshToken);
    if (!latest) {
      this.#adopt(null);
      return null;
    }
    if (latest.refreshToken !== this.#stored?.refreshToken) this.#adopt(latest);
    if (usable(latest)) return latest.accessToken;
    const { data, error, response } = await bareApi.POST('/api/v1/auth/refresh', { body: { refreshToken: latest.refreshToken } });
    if (data) {
      this.set(data);
      return data.accessToken;
    }
    if (response.status === 401) {
      this.clear();
      return null;
    }
    throw toApiError(response, error);
  }
}

export const session = new Session();

// Another tab signed in, refreshed the tokens or signed out: follow it.
window.addEventListener('storage', (e) => {
  if (e.key === KEY) session.follow(e.newValue);
  else if (e.key === null) session.follow(null); // localStorage.clear()
});
