import { describe, expect, it } from 'vitest';
import { parsePreface, prefaceLine, PrefaceError } from './preface';

const JWT = 'aGVhZA.Ym9keQ.c2ln';

describe('the receptive preface', () => {
  it('carries a JWT or "-" and an optional probe word, and reads back what was written', () => {
    expect(parsePreface(prefaceLine(JWT).trimEnd())).toEqual({ jwt: JWT, probe: false });
    expect(parsePreface(prefaceLine(null).trimEnd())).toEqual({ jwt: null, probe: false });
    expect(parsePreface(prefaceLine(JWT, { probe: true }).trimEnd())).toEqual({ jwt: JWT, probe: true });
    expect(prefaceLine(null, { probe: true })).toBe('MOORING-RECEPTIVE/1 - probe\n');
  });

  it('refuses another protocol, a credential that is not a JWT, and extra words', () => {
    expect(() => parsePreface('GET / HTTP/1.1')).toThrow(PrefaceError);
    expect(() => parsePreface('MOORING-RECEPTIVE/1')).toThrow(/not a Mooring receptive handshake/);
    expect(() => parsePreface('MOORING-RECEPTIVE/1 not-a-jwt')).toThrow(/not a JWT/);
    expect(() => parsePreface(`MOORING-RECEPTIVE/1 ${JWT} replace`)).toThrow(/other than "probe"/);
    expect(() => parsePreface(`MOORING-RECEPTIVE/1 ${JWT} probe x`)).toThrow(/other than "probe"/);
  });
});
