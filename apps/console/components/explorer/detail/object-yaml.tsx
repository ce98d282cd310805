'use client';
import { Button, CopyButton } from '@mooring/ui';
import { stringify } from 'yaml';

import { downloadText } from '../../../lib/download';

/** The full object as YAML (kas already removed managedFields), with copy and download of what is shown. */
export function ObjectYaml({ object, name }: { object: Record<string, unknown>; name: string }) {
  const text = stringify(object);
  return (
    <div className="space-y-2">
      <div className="flex gap-2">
        <CopyButton value={text} label="Copy YAML" />
        <Button onClick={() => downloadText(`${name}.yaml`, text, 'application/yaml')}>Download</Button>
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
