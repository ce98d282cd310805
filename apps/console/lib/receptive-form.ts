export interface ReceptiveFormValues {
  url: string;
  authType: 'jwt' | 'mtls';
  clientCert: string;
  clientKey: string;
  caCert: string;
  tlsServerName: string;
}

const pemBlock = (label: string) => new RegExp(`-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----`);
const hostname =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Field-level checks before the form goes to kas (kas checks again and has the last word). */
export function validateReceptiveForm(v: ReceptiveFormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  const url = v.url.trim();
  if (!url) errors.url = 'Enter the address kas should dial, e.g. grpcs://agent.example.com:8082.';
  else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      errors.url = `“${url}” is not a URL; use grpc://host:port or grpcs://host:port.`;
    }
    if (parsed) {
      if (parsed.protocol !== 'grpc:' && parsed.protocol !== 'grpcs:')
        errors.url = `The scheme must be grpc:// or grpcs://, not ${parsed.protocol}//.`;
      else if (!parsed.hostname)
        errors.url = 'The URL needs a host name, e.g. grpcs://agent.example.com:8082.';
      else if (!parsed.port) errors.url = 'The URL needs a port, e.g. :8082 (agentk’s receptive API).';
      else if (parsed.pathname && parsed.pathname !== '/')
        errors.url = 'The URL must not have a path; kas dials host:port.';
    }
  }
  if (v.authType === 'mtls') {
    if (!pemBlock('CERTIFICATE').test(v.clientCert))
      errors.clientCert = 'Paste the client certificate in PEM form (-----BEGIN CERTIFICATE----- …).';
    if (
      !/-----BEGIN (RSA |EC |)PRIVATE KEY-----[\s\S]+-----END (RSA |EC |)PRIVATE KEY-----/.test(v.clientKey)
    )
      errors.clientKey = 'Paste the client private key in PEM form (-----BEGIN PRIVATE KEY----- …).';
    if (!pemBlock('CERTIFICATE').test(v.caCert))
      errors.caCert = 'Paste the CA certificate that signed agentk’s server certificate, in PEM form.';
    if (!hostname.test(v.tlsServerName.trim()))
      errors.tlsServerName = 'Enter the host name in agentk’s server certificate, e.g. agent.example.com.';
  }
  return errors;
}
