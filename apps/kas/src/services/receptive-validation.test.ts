import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { describe, expect, it } from 'vitest';
import {
  normalizeReceptiveUrl,
  receptiveDraftProblems,
  receptiveUrlProblem,
  redactReceptiveUrl,
} from './receptive-validation';

describe('receptiveUrlProblem', () => {
  it.each([
    'grpcs://agent.example.com:8082',
    'grpc://10.0.0.5:8082',
    'grpcs://[::1]:8082',
    'grpcs://agent.example.com:8082/',
    'GRPCS://Agent.Example.com:65535',
  ])('accepts %s', (url) => {
    expect(receptiveUrlProblem(url)).toBeNull();
  });

  it.each([
    ['', 'enter the address'],
    ['https://agent.example.com:8082', 'grpc:// or grpcs://'],
    ['agent.example.com:8082', 'grpc:// or grpcs://'],
    ['grpcs://agent.example.com', 'needs a port'],
    ['grpcs://agent.example.com:0', 'between 1 and 65535'],
    ['grpcs://agent.example.com:70000', 'not a valid URL'],
    ['grpcs://user:pw@agent.example.com:8082', 'must not contain credentials'],
    ['grpcs://token@agent.example.com:8082', 'must not contain credentials'],
    ['grpcs://agent.example.com:8082?insecure=1', 'must not have a query'],
    ['grpcs://agent.example.com:8082?', 'must not have a query'],
    ['grpcs://agent.example.com:8082#x', 'must not have a fragment'],
    ['grpcs://agent.example.com:8082/api', 'must not have a path'],
    ['grpcs://bad_host!:8082', 'invalid host name'],
    ['grpcs://-agent.example.com:8082', 'invalid host name'],
    [`grpcs://${'a'.repeat(64)}.example.com:8082`, 'invalid host name'],
    ['grpcs://a b:8082', 'not a valid URL'],
    [`grpcs://${'a'.repeat(2100)}:1`, 'at most 2048'],
  ])('refuses %j: %s', (url, text) => {
    expect(receptiveUrlProblem(url)).toContain(text);
  });
});

describe('normalizeReceptiveUrl / redactReceptiveUrl', () => {
  it('keeps scheme, host and port only, the host in lower case', () => {
    expect(normalizeReceptiveUrl(' grpcs://Agent.Example.com:8082/ ')).toBe('grpcs://agent.example.com:8082');
  });
  it('hides credentials a stored URL may hold and leaves others alone', () => {
    expect(redactReceptiveUrl('grpcs://u:secret@agent:8082')).toBe('grpcs://***@agent:8082');
    expect(redactReceptiveUrl('grpcs://agent:8082')).toBe('grpcs://agent:8082');
  });
});

describe('receptiveDraftProblems', () => {
  const a = generateSelfSignedTls(['a.example.com']);
  const b = generateSelfSignedTls(['b.example.com']);
  const url = 'grpcs://agent.example.com:8082';

  it('is empty for a JWT endpoint and for a matching mTLS pair', () => {
    expect(receptiveDraftProblems({ url, auth: { type: 'jwt' } })).toEqual({});
    expect(
      receptiveDraftProblems({
        url,
        auth: {
          type: 'mtls',
          clientCert: a.certPem,
          clientKey: a.keyPem,
          caCert: a.caPem,
          serverName: 'agent.example.com',
        },
      }),
    ).toEqual({});
  });

  it('reports every field at once, named as the API names it', () => {
    const problems = receptiveDraftProblems({
      url: 'grpcs://u:p@agent:0',
      auth: {
        type: 'mtls',
        clientCert: 'not a certificate',
        clientKey: 'nope',
        caCert: 'x',
        serverName: 'bad name!',
      },
    });
    expect(Object.keys(problems).sort()).toEqual([
      'auth.caCert',
      'auth.clientCert',
      'auth.clientKey',
      'auth.serverName',
      'url',
    ]);
    expect(problems.url).toMatch(/^url must not contain credentials/);
  });

  it('refuses a key that does not belong to the certificate', () => {
    expect(
      receptiveDraftProblems({ url, auth: { type: 'mtls', clientCert: a.certPem, clientKey: b.keyPem } })[
        'auth.clientKey'
      ],
    ).toContain('does not belong to auth.clientCert');
  });

  it('checks a new certificate against the key kas already holds when none is sent', () => {
    const draft = { url, auth: { type: 'mtls' as const, clientCert: b.certPem } };
    expect(receptiveDraftProblems(draft, b.keyPem)).toEqual({});
    expect(receptiveDraftProblems(draft, a.keyPem)['auth.clientKey']).toContain(
      'does not match the key kas holds',
    );
    expect(receptiveDraftProblems(draft)['auth.clientKey']).toContain('is required');
  });
});
