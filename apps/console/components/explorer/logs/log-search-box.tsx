'use client';
import { Button, inputClass } from '@mooring/ui';
import { useId } from 'react';

/** Search in loaded lines: Enter goes to the next match, Shift+Enter to the previous one. */
export function LogSearchBox({
  query,
  onQueryChange,
  count,
  current,
  onStep,
}: {
  query: string;
  onQueryChange(query: string): void;
  count: number;
  current: number;
  onStep(direction: 1 | -1): void;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-1">
      <label htmlFor={id} className="sr-only">
        Search loaded lines
      </label>
      <input
        id={id}
        type="search"
        value={query}
        placeholder="Search loaded lines"
        maxLength={200}
        className={`${inputClass} w-44 sm:w-56`}
        onChange={(e) => onQueryChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          onStep(e.shiftKey ? -1 : 1);
        }}
      />
      <span
        className={`text-xs text-zinc-600 tabular-nums dark:text-zinc-400 ${query ? 'min-w-16' : ''}`}
        aria-live="polite"
      >
        {!query
          ? ''
          : !count
            ? 'no match'
            : current < 0
              ? `${count} match${count === 1 ? '' : 'es'}`
              : `${current + 1} of ${count}`}
      </span>
      <Button aria-label="Previous match" disabled={!count} onClick={() => onStep(-1)}>
        ↑
      </Button>
      <Button aria-label="Next match" disabled={!count} onClick={() => onStep(1)}>
        ↓
      </Button>
    </div>
  );
}
