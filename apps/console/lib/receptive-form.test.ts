import { describe, expect, it } from 'vitest';

import { validateReceptiveForm, type ReceptiveFormValues } from './receptive-form';

const base: ReceptiveFormValues = {
  url: 'grpcs://agent.example.com:8082',
  authType: 'jwt',
  clientCert: '',
  clientKey: '',
  caCert: '',
  tlsServerName: '',
};

describe('validateReceptiveForm', () => {
  it('accepts grpc and grpcs URLs with a port', () => {
    expect(validateReceptiveForm(base)).toEqual({});
    expect(validateReceptiveForm({ ...base, url: 'grpc://10.0.0.5:8082' })).toEqual({});
  });

  it('names what is wrong with a URL', () => {
    expect(validateReceptiveForm({ ...base, url: 'https://agent:8082' }).url).toContain(
      'grpc:// or grpcs://',
    );
    expect(validateReceptiveForm({ ...base, url: 'grpcs://agent.example.com' }).url).toContain(
      'needs a port',
    );
    expect(validateReceptiveForm({ ...base, url: 'not a url' }).url).toContain('is not a URL');
    expect(validateReceptiveForm({ ...base, url: '' }).url).toContain('Enter the address');
  });

  it('requires PEM material and a server name for mTLS, one message per field', () => {
    const errors = validateReceptiveForm({
      ...base,
      authType: 'mtls',
      clientCert: 'hello',
      tlsServerName: 'bad name!',
    });
    expect(Object.keys(errors).sort()).toEqual(['caCert', 'clientCert', 'clientKey', 'tlsServerName']);
  });
});
