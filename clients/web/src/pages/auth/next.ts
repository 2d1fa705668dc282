// Where to go after signing in: the `next` query parameter, but only a path of this site. Anything else — another
// origin, a protocol-relative `//host`, a backslash trick (`/\host`, which browsers read as `//host`), control
// characters — falls back to the library, so a crafted sign-in link cannot send someone elsewhere.

export function safeNext(next: string | null | undefined, fallback = '/'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  try {
    const url = new URL(next, window.location.origin);
    if (url.origin !== window.location.origin) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

/** A link to another auth page (sign in ↔ create an account) that keeps where to go afterwards, when it is safe. */
export function keepNext(path: string, next: string | null | undefined): string {
  const to = safeNext(next, '');
  return to && to !== '/' ? `${path}?next=${encodeURIComponent(to)}` : path;
}
