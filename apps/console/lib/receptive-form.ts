// The receptive form's values and how they map to kas's `receptive.validate` / `receptive.save` input. The rules
// live in kas alone (apps/kas/src/services/receptive-validation.ts): the form asks kas as the user types and
// shows kas's field messages.
export interface ReceptiveFormValues {
  url: string;
  authType: 'jwt' | 'mtls';
  clientCert: string;
  clientKey: string;
  caCert: string;
  tlsServerName: string;
}

interface ServerCheckDraft {
  caCert?: string;
  serverName?: string;
}

export type ReceptiveDraft =
  | { url: string; auth: { type: 'jwt' } & ServerCheckDraft }
  | { url: string; auth: { type: 'mtls'; clientCert: string; clientKey?: string } & ServerCheckDraft };

/**
 * What kas receives; empty optional fields are left out (an empty key keeps the key kas holds). The CA and the TLS
 * server name are how kas checks agentk's certificate, in both modes.
 */
export function toReceptiveDraft(v: ReceptiveFormValues): ReceptiveDraft {
  const url = v.url.trim();
  const optional = (value: string) => (value.trim() ? value : undefined);
  const serverCheck: ServerCheckDraft = {
    ...(optional(v.caCert) ? { caCert: v.caCert } : {}),
    ...(optional(v.tlsServerName) ? { serverName: v.tlsServerName.trim() } : {}),
  };
  if (v.authType === 'jwt') return { url, auth: { type: 'jwt', ...serverCheck } };
  return {
    url,
    auth: {
      type: 'mtls',
      clientCert: v.clientCert,
      ...(optional(v.clientKey) ? { clientKey: v.clientKey } : {}),
      ...serverCheck,
    },
  };
}

const FORM_FIELD: Record<string, keyof ReceptiveFormValues> = {
  url: 'url',
  'auth.clientCert': 'clientCert',
  'auth.clientKey': 'clientKey',
  'auth.caCert': 'caCert',
  'auth.serverName': 'tlsServerName',
};

/** kas's problems (`auth.clientKey` → message) keyed by the form's field names. */
export function formErrors(
  problems: Record<string, string>,
): Partial<Record<keyof ReceptiveFormValues, string>> {
  const out: Partial<Record<keyof ReceptiveFormValues, string>> = {};
  for (const [field, message] of Object.entries(problems)) {
    const name = FORM_FIELD[field] ?? FORM_FIELD[field.split('.').slice(0, 2).join('.')];
    if (name && !out[name]) out[name] = message;
  }
  return out;
}
