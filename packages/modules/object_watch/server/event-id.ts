// Viewer event ids: `<upstream epoch>.<seq>` says "you have the upstream's state up to seq" and lets a reconnecting
// viewer resume. Ids that must not be resumed from (a snapshot's chunks before the last, a status before the
// viewer has any state) carry a `~` suffix, so a viewer cut off mid-snapshot gets a fresh one.
import { randomBytes } from 'node:crypto';

export function newEpoch(): string {
  return randomBytes(6).toString('hex');
}

export function resumableId(epoch: string, seq: number): string {
  return `${epoch}.${seq}`;
}

export function partialId(epoch: string, seq: number, part: string): string {
  return `${epoch}.${seq}~${part}`;
}

/** The position a resumable id names, or null (malformed, partial, or too long to be ours). */
export function parseEventId(id: string | undefined): { epoch: string; seq: number } | null {
  if (id === undefined || id.length > 64) return null;
  const match = /^([0-9a-f]{1,32})\.(\d{1,15})$/.exec(id);
  if (!match) return null;
  return { epoch: match[1]!, seq: Number(match[2]) };
}
