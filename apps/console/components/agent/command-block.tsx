'use client';
import { CopyButton } from '@mooring/ui';

/** One shell command (or a few lines of them) to paste, with its copy button. */
export function CommandBlock({
  command,
  label,
  testId,
}: {
  command: string;
  label: string;
  testId?: string;
}) {
  return (
    <div className="flex items-start gap-2">
      <pre
        data-testid={testId}
        tabIndex={0}
        className="min-w-0 flex-1 overflow-x-auto whitespace-pre-wrap break-all rounded bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-800"
      >
        {command}
      </pre>
      <CopyButton value={command} label={label} />
    </div>
  );
}
