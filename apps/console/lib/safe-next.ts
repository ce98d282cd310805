/**
 * Where to go after login: `next` only when it resolves to a page of this console's own origin. Browsers read
 * `/\evil.example` (sent as `/%5Cevil.example`), `//evil.example` and `/\t/evil.example` as other hosts, so the
 * check resolves the URL as the browser would instead of looking at its first characters.
 */
export function safeNext(next: string | null, origin: string): string {
  if (!next) return '/';
  let target: URL;
  try {
    target = new URL(next, origin);
  } catch {
    return '/';
  }
  if (target.origin !== new URL(origin).origin) return '/';
  return `${target.pathname}${target.search}${target.hash}`;
}
