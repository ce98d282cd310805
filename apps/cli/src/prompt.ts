// Questions `mooring login` asks. On a terminal the prompt goes to stderr and the password is not echoed; from a pipe
// (scripts, `--password-stdin`) each answer is one line of stdin. Answers are bounded: a line longer than
// MAX_ANSWER_CHARS is refused.
import type { Readable, Writable } from 'node:stream';
import { usageError } from './errors';

export const MAX_ANSWER_CHARS = 4096;

export interface PromptIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stderr: Writable;
}

/** Reads stdin line by line, keeping what came after a line for the next question. */
export class LineReader {
  private buffered = '';
  private ended = false;
  private waiting: (() => void) | undefined;

  constructor(private readonly input: Readable) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.buffered += chunk;
      if (this.buffered.length > MAX_ANSWER_CHARS * 4) input.pause();
      this.waiting?.();
    });
    input.on('end', () => {
      this.ended = true;
      this.waiting?.();
    });
    input.pause();
  }

  async line(what: string): Promise<string> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0 || (this.ended && this.buffered.length > 0)) {
        const end = newline >= 0 ? newline : this.buffered.length;
        const line = this.buffered.slice(0, end).replace(/\r$/, '');
        this.buffered = this.buffered.slice(end + 1);
        if (line.length > MAX_ANSWER_CHARS)
          throw usageError(`the ${what} is longer than ${MAX_ANSWER_CHARS} characters`);
        return line;
      }
      if (this.buffered.length > MAX_ANSWER_CHARS)
        throw usageError(`the ${what} is longer than ${MAX_ANSWER_CHARS} characters`);
      if (this.ended) throw usageError(`stdin ended before the ${what} was given`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        this.input.resume();
      });
      this.waiting = undefined;
    }
  }

  close(): void {
    this.input.pause();
    this.input.removeAllListeners('data');
    this.input.removeAllListeners('end');
  }
}

/** A password typed on a terminal: raw mode, nothing echoed, Backspace works, Ctrl-C aborts. */
function readHidden(io: PromptIo, question: string): Promise<string> {
  const { stdin } = io;
  io.stderr.write(question);
  stdin.setRawMode!(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let answer = '';
    const done = (err?: Error) => {
      stdin.setRawMode!(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(usageError('login aborted (Ctrl-C)'));
        if (ch === '\u0004') return done();
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (ch >= ' ') answer += ch;
        if (answer.length > MAX_ANSWER_CHARS)
          return done(usageError(`the password is longer than ${MAX_ANSWER_CHARS} characters`));
      }
    };
    stdin.on('data', onData);
  });
}

export class Prompter {
  private reader: LineReader | undefined;
  constructor(private readonly io: PromptIo) {}

  get interactive(): boolean {
    return this.io.stdin.isTTY === true;
  }

  private lines(): LineReader {
    return (this.reader ??= new LineReader(this.io.stdin));
  }

  /** One answer; on a terminal `question` is shown first (with the default in brackets). */
  async ask(question: string, what: string, fallback?: string): Promise<string> {
    if (this.interactive && question)
      this.io.stderr.write(fallback ? `${question} [${fallback}]: ` : `${question}: `);
    const answer = (await this.lines().line(what)).trim();
    return answer === '' && fallback !== undefined ? fallback : answer;
  }

  async secret(question: string, what: string): Promise<string> {
    if (this.interactive && this.io.stdin.setRawMode) {
      this.reader?.close();
      this.reader = undefined;
      return readHidden(this.io, `${question}: `);
    }
    return this.lines().line(what);
  }

  close(): void {
    this.reader?.close();
  }
}
