// What a route's dynamic segment and query hold, read once: Next hands both over as strings (or arrays, or nothing).

/** `[agentId]` as a positive integer, or null for anything else (the page says what the link should be). */
export function agentIdParam(raw: string): number | null {
  const id = Number(raw);
  return Number.isInteger(id) && id > 0 ? id : null;
}

/** A query parameter given once and not empty, else undefined. */
export function oneParam(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
