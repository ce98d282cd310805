import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_ANSWER_CHARS, Prompter } from './prompt';

function piped(text: string) {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let prompts = '';
  stderr.on('data', (c: Buffer) => (prompts += c.toString()));
  stdin.end(text);
  return { prompter: new Prompter({ stdin, stderr }), prompts: () => prompts };
}

describe('answers from a pipe', () => {
  it('reads one answer a line, in order, with defaults for empty lines and no prompts written', async () => {
    const { prompter, prompts } = piped('http://kas:8153\r\n\nsecret with spaces \n');
    expect(await prompter.ask('kas URL', 'kas URL')).toBe('http://kas:8153');
    expect(await prompter.ask('Username', 'username', 'admin')).toBe('admin');
    expect(await prompter.secret('Password', 'password')).toBe('secret with spaces ');
    expect(prompts()).toBe('');
  });

  it('says which answer stdin ended before, and refuses overlong lines', async () => {
    const short = piped('http://kas\n');
    await short.prompter.ask('kas URL', 'kas URL');
    await expect(short.prompter.ask('Username', 'username')).rejects.toThrow(
      'stdin ended before the username was given',
    );
    const long = piped(`${'x'.repeat(MAX_ANSWER_CHARS + 1)}\n`);
    await expect(long.prompter.ask('kas URL', 'kas URL')).rejects.toThrow(`longer than ${MAX_ANSWER_CHARS}`);
  });
});
