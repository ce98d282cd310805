// A followed log arrives in chunks that cut lines anywhere (and UTF-8 characters too): the splitter holds the
// unfinished tail until its newline arrives. A line longer than `maxLineChars` is cut there, so one endless line
// (a binary blob, a minified bundle) cannot grow the page without bound.

export const MAX_LINE_CHARS = 16_384;
const CUT_NOTE = ' … [line cut at 16,384 characters]';

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';
  /** The current line passed the limit: the rest of it, up to its newline, is dropped. */
  private cut = false;

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  /** The lines a chunk completes (without their '\n' or '\r\n'). */
  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      const piece = text.slice(start, newline < 0 ? text.length : newline);
      this.append(piece);
      if (newline < 0) break;
      lines.push(this.take());
      start = newline + 1;
    }
    return lines;
  }

  /** The stream ended: an unfinished last line is still a line. */
  flush(): string[] {
    this.append(this.decoder.decode());
    return this.partial || this.cut ? [this.take()] : [];
  }

  private append(piece: string): void {
    if (this.cut || !piece) return;
    const room = this.maxLineChars - this.partial.length;
    if (piece.length > room) {
      this.partial += piece.slice(0, room);
      this.cut = true;
    } else {
      this.partial += piece;
    }
  }

  private take(): string {
    let line = this.partial.endsWith('\r') ? this.partial.slice(0, -1) : this.partial;
    if (this.cut) line += CUT_NOTE;
    this.partial = '';
    this.cut = false;
    return line;
  }
}
