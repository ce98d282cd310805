import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createClusterPki } from './pki';

const dir = mkdtempSync(join(tmpdir(), 'kube-dev-pki-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('issues serving certs for 127.0.0.1 and localhost that verify against the cluster CA', async () => {
  const pki = await createClusterPki(join(dir, 'pki'), 'unit');
  for (const cert of [pki.apiserverCert, pki.componentCert, pki.kubeletClientCert]) {
    expect(execFileSync('openssl', ['verify', '-CAfile', pki.caCert, cert], { encoding: 'utf8' })).toContain(
      'OK',
    );
  }
  const text = execFileSync('openssl', ['x509', '-in', pki.apiserverCert, '-noout', '-text'], {
    encoding: 'utf8',
  });
  expect(text).toContain('IP Address:127.0.0.1');
  expect(text).toContain('DNS:localhost');
  expect(pki.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
});
