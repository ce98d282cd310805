// Keeps a JSON watch resumable: passes the stream on in whole events (one JSON object per line, as the API server
// writes them) and remembers the last resourceVersion seen, so that when the tunnel carrying the watch ends (a kas
// connection reaching its max age, an agentk pod going away) kas can re-open the same watch from that version
// through a fresh tunnel and the client sees one unbroken stream.

const NEWLINE = 0x0a;

export class WatchResumeTracker {
  private partial: Buffer = Buffer.alloc(0);
  private lastVersion: string | undefined;
  private usable = true;

  constructor(initialResourceVersion: string | undefined) {
    // "0" (or none) means "any version": resuming from it would replay the whole collection.
    if (initialResourceVersion && initialResourceVersion !== '0') this.lastVersion = initialResourceVersion;
  }

  /** The complete events in `data` (bytes ending at a newline); a trailing partial event waits for the rest. */
  take(data: Uint8Array): Buffer {
    const joined = this.partial.length ? Buffer.concat([this.partial, data]) : Buffer.from(data);
    const end = joined.lastIndexOf(NEWLINE);
    if (end < 0) {
      this.partial = joined;
      return Buffer.alloc(0);
    }
    const complete = joined.subarray(0, end + 1);
    this.partial = Buffer.from(joined.subarray(end + 1));
    if (this.usable) this.note(complete);
    return complete;
  }

  /** Bytes held back at a clean end of the stream. */
  rest(): Buffer {
    const rest = this.partial;
    this.partial = Buffer.alloc(0);
    return rest;
  }

  /** Where to resume from, or undefined when resuming could lose or repeat events. */
  get resumeFrom(): string | undefined {
    return this.usable ? this.lastVersion : undefined;
  }

  /** Drops a partial event of a broken stream (the resumed stream sends it again, whole). */
  discardPartial(): void {
    this.partial = Buffer.alloc(0);
  }

  private note(lines: Buffer): void {
    for (const line of lines.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      let event: WatchEventShape;
      try {
        event = JSON.parse(line) as WatchEventShape;
      } catch {
        this.usable = false;
        return;
      }
      // After an ERROR (410 Gone, …) the API server ends the watch; the client decides what to do next.
      if (event.type === 'ERROR') {
        this.usable = false;
        return;
      }
      const version =
        event.object?.metadata?.resourceVersion ?? event.object?.rows?.[0]?.object?.metadata?.resourceVersion;
      if (version) this.lastVersion = version;
    }
  }
}

interface WatchEventShape {
  type?: string;
  object?: {
    metadata?: { resourceVersion?: string };
    // Table watches (kubectl get -w): the row carries the object's metadata.
    rows?: Array<{ object?: { metadata?: { resourceVersion?: string } } }>;
  };
}

/** Whether a request is a JSON-resumable watch: GET with watch=true|1. */
export function isWatchRequest(method: string | undefined, url: URL): boolean {
  const watch = url.searchParams.get('watch');
  return (method ?? 'GET') === 'GET' && (watch === 'true' || watch === '1');
}
