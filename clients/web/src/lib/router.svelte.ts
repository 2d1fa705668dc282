// A small history router: the address bar is the state. Links are plain <a href="/…">; a click on one is routed here
// without reloading the page (see `App.svelte`), and `navigate` does the same from code.

class Location {
  path = $state(window.location.pathname);
  search = $state(window.location.search);

  /** The query string's parameters, read-only. */
  get query(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  sync(): void {
    this.path = window.location.pathname;
    this.search = window.location.search;
  }
}

export const location = new Location();

window.addEventListener('popstate', () => location.sync());

/** Goes to `to` (a path with an optional query) in the app. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  location.sync();
  window.scrollTo(0, 0);
}

/** Changes one query parameter in place (no new history entry): tabs, filters. */
export function setQuery(name: string, value: string | null): void {
  const q = location.query;
  if (value === null) q.delete(name);
  else q.set(name, value);
  const s = q.toString();
  navigate(location.path + (s ? `?${s}` : ''), { replace: true });
}

/** A path segment as written, or null when its escapes are malformed (`%E0%A4%A`): then no route matches. */
function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The parameters of `pattern` (e.g. `/albums/:id`) in `path`, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = decode(have[i]!);
    if (h === null) return null;
    if (w.startsWith(':')) params[w.slice(1)] = h;
    else if (w !== h) return null;
  }
  return params;
}

/**
 * The API's own addresses, which the server never answers with the app — the same test as the API's WebApp
 * (`PathString.StartsWithSegments`: whole segments, any case): a link to one is the browser's to follow.
 */
const SERVER = ['/api', '/health', '/docs', '/openapi.yaml'];
function server(path: string): boolean {
  const p = path.toLowerCase();
  return SERVER.some((s) => p === s || p.startsWith(`${s}/`));
}

/**
 * Routes clicks on same-origin <a href> to the router (not downloads, new tabs, other sites, the API's own addresses,
 * or a link to a place on this same page such as "Skip to content", which the browser scrolls to and focuses).
 */
export function interceptLinks(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
  if (server(a.pathname)) return;
  if (a.hash && a.pathname === window.location.pathname && a.search === window.location.search) return;
  e.preventDefault();
  navigate(a.pathname + a.search + a.hash);
}
