import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configDir,
  forgetToken,
  loadConnection,
  readStoredConfig,
  writeLogin,
  writePrivateFile,
} from './config-store';
import type { CliError } from './errors';
import { exitCodes } from './errors';
import { parseKasUrl } from './kas-url';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-cli-config-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('where the CLI keeps its login', () => {
  it('honours XDG_CONFIG_HOME (absolute only), else ~/.config', () => {
    expect(configDir({ HOME: '/home/u' })).toBe('/home/u/.config/mooring');
    expect(configDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/x' })).toBe('/x/mooring');
    expect(configDir({ HOME: '/home/u', XDG_CONFIG_HOME: 'relative' })).toBe('/home/u/.config/mooring');
  });

  it('writes the token and config 0600 in a 0700 directory, also over files that were world-readable', () => {
    const home = tmp();
    const env = { HOME: home };
    const dir = path.join(home, '.config', 'mooring');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'token'), 'old', { mode: 0o644 });
    writeLogin(env, { kasUrl: 'http://127.0.0.1:8153', username: 'alice', tokenId: 4 }, 'mpat-secret');
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'token'))).toBe(0o600);
    expect(mode(path.join(dir, 'config.json'))).toBe(0o600);
    expect(readStoredConfig(env)).toEqual({ kasUrl: 'http://127.0.0.1:8153', username: 'alice', tokenId: 4 });
    const fresh = path.join(tmp(), 'new', 'dir', 'file');
    writePrivateFile(fresh, 'x');
    expect(mode(path.dirname(fresh))).toBe(0o700);
    expect(mode(fresh)).toBe(0o600);
  });

  it('lets MOORING_KAS_URL and MOORING_TOKEN_FILE override the login, and says to log in without one', () => {
    const home = tmp();
    writeLogin({ HOME: home }, { kasUrl: 'http://stored:8153', tokenId: 4 }, 'mpat-stored');
    expect(loadConnection({ HOME: home }, {})).toMatchObject({ token: 'mpat-stored', tokenId: 4 });
    const file = path.join(home, 'ci-token');
    fs.writeFileSync(file, 'mpat-ci\n');
    const ci = loadConnection(
      { HOME: home, MOORING_KAS_URL: 'https://kas.example.com/', MOORING_TOKEN_FILE: file },
      {},
    );
    expect(ci.kasUrl.href).toBe('https://kas.example.com/');
    expect(ci).toMatchObject({ token: 'mpat-ci', tokenId: undefined });
    expect(loadConnection({ HOME: home }, { kasUrl: 'http://flag:1' }).kasUrl.host).toBe('flag:1');

    forgetToken({ HOME: home });
    expect(readStoredConfig({ HOME: home })).toEqual({ kasUrl: 'http://stored:8153' });
    const err = (() => {
      try {
        loadConnection({ HOME: home }, {});
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(err?.exitCode).toBe(exitCodes.unauthenticated);
    expect(err?.message).toContain('run mooring login');
    expect(() => loadConnection({ HOME: tmp() }, {})).toThrow('not logged in: run mooring login');
  });

  it('refuses a config it did not write, naming the fix', () => {
    const home = tmp();
    writePrivateFile(path.join(home, '.config', 'mooring', 'config.json'), '{"kasUrl": 3}');
    expect(() => readStoredConfig({ HOME: home })).toThrow(/kasUrl.*run mooring login again/);
  });

  it('takes kas URLs as people paste them and refuses the rest', () => {
    expect(parseKasUrl('http://127.0.0.1:8153/', 'x').href).toBe('http://127.0.0.1:8153/');
    expect(parseKasUrl(' https://console.example.com/api/v1 ', 'x').href).toBe(
      'https://console.example.com/',
    );
    expect(() => parseKasUrl('kas.example.com', '--kas-url')).toThrow(
      /the kas URL from --kas-url "kas.example.com" is not a URL: give kas's console API address/,
    );
    expect(() => parseKasUrl('grpcs://kas:8150', 'x')).toThrow('is not an http:// or https:// URL');
    expect(() => parseKasUrl('https://u:p@kas', 'x')).toThrow('must have no user, query or fragment');
  });
});
