'use client';
import { Button, CopyButton } from '@mooring/ui';
import { useState } from 'react';
import { stringify } from 'yaml';

import { downloadText } from '../../../lib/download';

/** A ConfigMap with its values replaced by their sizes (docs/decisions.md, "ConfigMap values in the detail"). */
export function withHiddenValues(object: Record<string, unknown>): Record<string, unknown> {
  const hide = (values: unknown) =>
    values && typeof values === 'object'
      ? Object.fromEntries(
          Object.entries(values as Record<string, unknown>).map(([k, v]) => [
            k,
            `(hidden: ${String(v).length} characters)`,
          ]),
        )
      : values;
  return {
    ...object,
    ...(object['data'] ? { data: hide(object['data']) } : {}),
    ...(object['binaryData'] ? { binaryData: hide(object['binaryData']) } : {}),
  };
}

/** The full object as YAML (kas already removed managedFields), with copy and download of what is shown. */
export function ObjectYaml({ object, name }: { object: Record<string, unknown>; name: string }) {
  const isConfigMap = object['kind'] === 'ConfigMap';
  const [showValues, setShowValues] = useState(false);
  const text = stringify(isConfigMap && !showValues ? withHiddenValues(object) : object);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <CopyButton value={text} label="Copy YAML" />
        <Button onClick={() => downloadText(`${name}.yaml`, text, 'application/yaml')}>Download</Button>
        {isConfigMap ? (
          <Button onClick={() => setShowValues((v) => !v)} aria-pressed={showValues}>
            {showValues ? 'Hide values' : 'Show values'}
          </Button>
        ) : null}
      </div>
      <pre
        tabIndex={0}
        aria-label={`YAML of ${name}`}
        className="max-h-[70vh] overflow-auto rounded border border-zinc-200 bg-zinc-50 p-3 text-xs dark:border-zinc-800 dark:bg-zinc-900"
      >
        {text}
      </pre>
    </div>
  );
}
