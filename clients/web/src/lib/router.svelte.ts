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

/** The parameters of `pattern` (e.g. `/albums/:id`) in `path`, or null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = decodeURIComponent(have[i]!);
    if (w.startsWith(':')) params[w.slice(1)] = h;
    else if (w !== h) return null;
  }
  return params;
}

/** Routes clicks on same-origin <a href> to the router (not downloads, new tabs or other sites). */
export function interceptLinks(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== window.location.origin) return;
  if (a.pathname.startsWith('/api/') || a.pathname.startsWith('/docs')) return;
  e.preventDefault();
  navigate(a.pathname + a.search + a.hash);
}
