// kas's console API URL as the user typed it: http(s)://host[:port][/prefix], the address `pnpm start` prints or the
// console's own address (the console serves /api/v1 too). Anything else is refused naming where it came from.
import { z } from 'zod';
import { usageError } from './errors';

const kasUrlText = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(2048, 'is longer than 2048 characters')
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not a URL` });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an http:// or https:// URL` });
      return z.NEVER;
    }
    if (url.username || url.password || url.search || url.hash) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(text)} must have no user, query or fragment`,
      });
      return z.NEVER;
    }
    url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    return url;
  });

export function parseKasUrl(text: string, source: string): URL {
  const parsed = kasUrlText.safeParse(text);
  if (parsed.success) return parsed.data;
  throw usageError(
    `the kas URL from ${source} ${parsed.error.issues[0]!.message}: give kas's console API address, e.g. http://127.0.0.1:8153 or https://kas.example.com`,
  );
}

/** The URL as printed and stored: no trailing slash. */
export const kasUrlString = (url: URL) => url.href.replace(/\/+$/, '');
