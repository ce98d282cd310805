import { describe, expect, it } from 'vitest';

import { formErrors, toReceptiveDraft, type ReceptiveFormValues } from './receptive-form';

const base: ReceptiveFormValues = {
  url: ' grpcs://agent.example.com:8082 ',
  authType: 'jwt',
  clientCert: 'CERT',
  clientKey: '',
  caCert: '',
  tlsServerName: '',
};

describe('toReceptiveDraft', () => {
  it('sends the URL for a JWT endpoint, and the CA and server name kas checks agentk with when given', () => {
    expect(toReceptiveDraft(base)).toEqual({ url: 'grpcs://agent.example.com:8082', auth: { type: 'jwt' } });
    expect(toReceptiveDraft({ ...base, caCert: 'CA', tlsServerName: ' a.b ' }).auth).toEqual({
      type: 'jwt',
      caCert: 'CA',
      serverName: 'a.b',
    });
  });

  it('leaves empty optional mTLS fields out, so an empty key keeps the one kas holds', () => {
    expect(toReceptiveDraft({ ...base, authType: 'mtls' })).toEqual({
      url: 'grpcs://agent.example.com:8082',
      auth: { type: 'mtls', clientCert: 'CERT' },
    });
    expect(
      toReceptiveDraft({ ...base, authType: 'mtls', clientKey: 'KEY', caCert: 'CA', tlsServerName: ' a.b ' })
        .auth,
    ).toEqual({ type: 'mtls', clientCert: 'CERT', clientKey: 'KEY', caCert: 'CA', serverName: 'a.b' });
  });
});

describe('formErrors', () => {
  it('maps kas’s field names onto the form’s and ignores fields the form does not have', () => {
    expect(
      formErrors({
        url: 'url needs a port',
        'auth.serverName': 'bad name',
        'auth.clientKey': 'no key',
        'auth.type': 'never shown',
      }),
    ).toEqual({ url: 'url needs a port', tlsServerName: 'bad name', clientKey: 'no key' });
  });

  it('maps zod’s nested paths (auth.clientCert.0) to the field', () => {
    expect(formErrors({ 'auth.clientCert.0': 'too long' })).toEqual({ clientCert: 'too long' });
  });
});
