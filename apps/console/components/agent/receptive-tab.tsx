'use client';
import { Button, CopyButton, ErrorBanner, Field, Notice } from '@mooring/ui';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';

import { errorMessage, fieldErrors } from '../../lib/errors';
import { Allowed, type PolicyAction } from '../allowed';
import { formErrors, toReceptiveDraft, type ReceptiveFormValues } from '../../lib/receptive-form';
import { useTRPC } from '../../lib/trpc';
import { ReceptiveDialOutState, ReceptiveTestResult } from './receptive-status';

function PemArea({
  label,
  name,
  value,
  onChange,
  error,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={4}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        placeholder="-----BEGIN …-----"
        className="block w-full rounded border-0 bg-white px-2 py-1.5 font-mono text-xs ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-sky-600 aria-[invalid=true]:ring-red-500 dark:bg-zinc-900 dark:ring-zinc-700"
      />
      <input
        type="file"
        aria-label={`Upload ${label}`}
        accept=".pem,.crt,.key,.cer"
        className="text-xs"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (file) onChange(await file.text());
        }}
      />
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function ReceptiveTab({
  agentId,
  actions,
  podsConnected,
}: {
  agentId: number;
  actions: readonly PolicyAction[];
  /** Pods of this agent connected now, either way (live). */
  podsConnected: number;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoint = useQuery(trpc.receptive.get.queryOptions({ agentId }));
  const [values, setValues] = useState<ReceptiveFormValues>({
    url: '',
    authType: 'jwt',
    clientCert: '',
    clientKey: '',
    caCert: '',
    tlsServerName: '',
  });
  const [loaded, setLoaded] = useState(false);
  // kas's problems with what is typed now (kas is the authority; the form has no rules of its own).
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const validate = useMutation(trpc.receptive.validate.mutationOptions());
  const test = useMutation(trpc.receptive.test.mutationOptions());
  const save = useMutation(
    trpc.receptive.save.mutationOptions({
      onSuccess: (saved) => {
        queryClient.setQueryData(trpc.receptive.get.queryKey({ agentId }), saved);
      },
    }),
  );
  if (!loaded && endpoint.data !== undefined) {
    setLoaded(true);
    if (endpoint.data) {
      setValues((v) => ({
        ...v,
        url: endpoint.data!.url,
        authType: endpoint.data!.auth,
        tlsServerName: endpoint.data!.serverCheck.serverName ?? '',
        clientCert: endpoint.data!.mtls?.clientCert ?? '',
        caCert: endpoint.data!.serverCheck.caCert ?? '',
      }));
    }
  }

  // Ask kas as the user types (debounced); only the newest answer counts.
  const asked = useRef(0);
  const { mutateAsync: check } = validate;
  useEffect(() => {
    if (!touched) return;
    const n = ++asked.current;
    const timer = setTimeout(() => {
      check({ agentId, ...toReceptiveDraft(values) })
        .then((answer) => {
          if (n === asked.current) setProblems(answer.problems);
        })
        .catch(() => undefined); // shown by validate.error below
    }, 300);
    return () => clearTimeout(timer);
  }, [touched, values, agentId, check]);

  // Field messages from the newest check and from a refused save (zod's, for sizes the operation bounds).
  const checkFields = formErrors(fieldErrors(validate.error));
  const remote = formErrors(fieldErrors(save.error));
  const testFields = formErrors(fieldErrors(test.error));
  const errors = { ...formErrors(problems), ...checkFields, ...testFields, ...remote };
  const set = (patch: Partial<ReceptiveFormValues>) => {
    setValues((v) => ({ ...v, ...patch }));
    setTouched(true);
    save.reset(); // a refusal is about the values before this edit
    test.reset(); // so is a test's answer
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    asked.current++; // an answer still on its way is about older values
    const draft = toReceptiveDraft(values);
    const answer = await check({ agentId, ...draft }).catch(() => null);
    if (answer) setProblems(answer.problems);
    if (answer && Object.keys(answer.problems).length) return;
    save.mutate({ agentId, ...draft });
  }

  if (endpoint.error)
    return (
      <ErrorBanner title="Could not load the receptive endpoint" message={errorMessage(endpoint.error)} />
    );
  const saved = save.data ?? endpoint.data ?? null;

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <form onSubmit={submit} noValidate className="space-y-4" aria-label="Receptive endpoint">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          In receptive mode kas dials agentk instead of waiting for it — for clusters that accept inbound
          connections but cannot reach kas. kas checks each field as you type; Test connection dials once with
          these values before you save, and kas dials the saved endpoint within seconds.
        </p>
        <Field
          label="Agent URL"
          name="url"
          value={values.url}
          onChange={(e) => set({ url: e.target.value })}
          placeholder="grpcs://agent.example.com:8082"
          error={errors.url}
        />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium">Authentication</legend>
          {(
            [
              [
                'jwt',
                'JWT signed by kas (Ed25519) — kas generates a key pair and shows the public key to install in agentk',
              ],
              ['mtls', 'Mutual TLS — kas presents a client certificate you upload'],
            ] as const
          ).map(([value, text]) => (
            <label key={value} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="authType"
                value={value}
                checked={values.authType === value}
                onChange={() => set({ authType: value })}
                className="mt-1"
              />
              {text}
            </label>
          ))}
        </fieldset>
        {values.authType === 'mtls' ? (
          <div className="space-y-3">
            <PemArea
              label="Client certificate"
              name="clientCert"
              value={values.clientCert}
              onChange={(v) => set({ clientCert: v })}
              error={errors.clientCert}
            />
            <PemArea
              label="Client key"
              name="clientKey"
              value={values.clientKey}
              onChange={(v) => set({ clientKey: v })}
              error={errors.clientKey}
            />
          </div>
        ) : null}
        <div className="space-y-3">
          <PemArea
            label="CA certificate"
            name="caCert"
            value={values.caCert}
            onChange={(v) => set({ caCert: v })}
            error={errors.caCert}
          />
          <Field
            label="TLS server name"
            name="tlsServerName"
            value={values.tlsServerName}
            onChange={(e) => set({ tlsServerName: e.target.value })}
            placeholder="the name agentk's certificate carries (default: the URL's host)"
            error={errors.tlsServerName}
          />
        </div>
        {save.error && Object.keys(remote).length === 0 ? (
          <ErrorBanner title="kas refused the endpoint" message={errorMessage(save.error)} />
        ) : null}
        {test.error && Object.keys(testFields).length === 0 ? (
          <ErrorBanner title="kas could not test the connection" message={errorMessage(test.error)} />
        ) : null}
        {validate.error && Object.keys(checkFields).length === 0 ? (
          <ErrorBanner title="kas could not check the endpoint" message={errorMessage(validate.error)} />
        ) : null}
        {Object.keys(errors).length ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            Fix the {Object.keys(errors).length === 1 ? 'field' : `${Object.keys(errors).length} fields`}{' '}
            marked above.
          </p>
        ) : null}
        <Allowed
          actions={actions}
          action="agent:write_receptive"
          fallback={
            <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="read-only">
              Changing the endpoint needs the Maintainer role in this agent&apos;s project.
            </p>
          }
        >
          <div className="flex flex-wrap gap-2">
            <Button
              type="button"
              disabled={test.isPending}
              onClick={() => test.mutate({ agentId, ...toReceptiveDraft(values) })}
            >
              {test.isPending ? 'Testing…' : 'Test connection'}
            </Button>
            <Button type="submit" variant="primary" disabled={save.isPending}>
              Save endpoint
            </Button>
          </div>
        </Allowed>
        {test.data ? <ReceptiveTestResult answer={test.data} /> : null}
        {save.isSuccess ? <Notice>Endpoint saved.</Notice> : null}
      </form>
      <div className="space-y-2">
        <h2 className="text-sm font-semibold">Saved endpoint</h2>
        {saved ? (
          <div className="space-y-2 text-sm" data-testid="receptive-saved">
            <p>
              <span className="text-zinc-600 dark:text-zinc-400">URL</span> <code>{saved.url}</code>
            </p>
            <ReceptiveDialOutState agentId={agentId} podsConnected={podsConnected} />
            {saved.auth === 'jwt' ? (
              <div className="space-y-1">
                <p>Install this public key in agentk (receptive API) so it accepts kas&apos;s JWTs:</p>
                <pre
                  tabIndex={0}
                  className="overflow-x-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800"
                >
                  {saved.jwtPublicKey}
                </pre>
                <CopyButton value={saved.jwtPublicKey ?? ''} label="Copy public key" />
              </div>
            ) : (
              <p>
                Mutual TLS, server name <code>{saved.mtls?.serverName ?? '(from the URL)'}</code>
              </p>
            )}
          </div>
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">None yet.</p>
        )}
      </div>
    </div>
  );
}
