// The signed-in user's tokens (from `login`/`refreshToken`), kept in localStorage so a reload or a new tab stays
// signed in. The access token is refreshed shortly before it expires; one refresh at a time.
import createClient from 'openapi-fetch';
import type { components, paths } from '../../../typescript/photoapi';

type Tokens = components['schemas']['TokenResponse'];
type User = components['schemas']['UserResponse'];
interface Stored { accessToken: string; refreshToken: string; expiresAt: number }

const KEY = 'photoapi.session';
// A client without the auth middleware: refreshing must not wait for itself.
const bare = createClient<paths>({ baseUrl: '' });

function load(): Stored | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

class Session {
  #stored = $state<Stored | null>(load());
  /** The signed-in user, once `getMe` has answered. */
  user = $state<User | null>(null);
  #refreshing: Promise<string | null> | null = null;

  get signedIn(): boolean {
    return this.#stored !== null;
  }

  set(tokens: Tokens): void {
    this.#stored = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: Date.now() + tokens.expiresIn * 1000,
    };
    localStorage.setItem(KEY, JSON.stringify(this.#stored));
  }

  clear(): void {
    this.#stored = null;
    this.user = null;
    localStorage.removeItem(KEY);
  }

  /** A valid access token (refreshed first when it is about to expire), or null when signed out. */
  async accessToken(): Promise<string | null> {
    const s = this.#stored;
    if (!s) return null;
    if (s.expiresAt - Date.now() > 30_000) return s.accessToken;
    this.#refreshing ??= this.#refresh(s.refreshToken).finally(() => (this.#refreshing = null));
    return this.#refreshing;
  }

  async #refresh(refreshToken: string): Promise<string | null> {
    const { data } = await bare.POST('/api/v1/auth/refresh', { body: { refreshToken } });
    if (!data) {
      this.clear();
      return null;
    }
    this.set(data);
    return data.accessToken;
  }
}

export const session = new Session();

// Another tab signed in or out: follow it.
window.addEventListener('storage', (e) => {
  if (e.key === KEY && !e.newValue) session.clear();
});
