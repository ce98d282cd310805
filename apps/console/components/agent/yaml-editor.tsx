'use client';
import { forwardRef, useImperativeHandle, useRef } from 'react';

export interface LineError {
  line: number;
  message: string;
}

export interface YamlEditorHandle {
  goToLine(line: number): void;
}

const lineHeight = 20;

/** A textarea with a line-number gutter; lines with errors are marked in the gutter and described for screen readers. */
export const YamlEditor = forwardRef<
  YamlEditorHandle,
  { value: string; onChange: (value: string) => void; errors: LineError[]; label: string }
>(function YamlEditor({ value, onChange, errors, label }, ref) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  /** Escape was the last key: the next Tab moves focus on instead of indenting (keyboard users must get out). */
  const escaped = useRef(false);
  const lines = value.split('\n').length;
  const errorLines = new Map<number, string>();
  for (const e of errors) if (!errorLines.has(e.line)) errorLines.set(e.line, e.message);

  useImperativeHandle(ref, () => ({
    goToLine(line: number) {
      const el = textarea.current;
      if (!el) return;
      const offsets = value.split('\n');
      const start = offsets.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
      el.focus();
      el.setSelectionRange(start, start + (offsets[line - 1]?.length ?? 0));
      el.scrollTop = Math.max(0, (line - 5) * lineHeight);
    },
  }));

  return (
    <div
      className="flex overflow-hidden rounded border border-zinc-300 bg-white font-mono text-[13px] dark:border-zinc-700 dark:bg-zinc-900"
      style={{ height: 420 }}
    >
      <div
        ref={gutter}
        aria-hidden="true"
        className="select-none overflow-hidden border-r border-zinc-200 bg-zinc-50 py-2 text-right text-zinc-600 dark:text-zinc-400 dark:border-zinc-800 dark:bg-zinc-950"
      >
        {Array.from({ length: lines }, (_, i) => {
          const message = errorLines.get(i + 1);
          return (
            <div
              key={i}
              data-line={i + 1}
              data-error={message ? 'true' : undefined}
              title={message}
              className={`px-2 ${message ? 'bg-red-100 font-semibold text-red-700 dark:bg-red-950 dark:text-red-300' : ''}`}
              style={{ height: lineHeight, lineHeight: `${lineHeight}px` }}
            >
              {message ? '✕ ' : ''}
              {i + 1}
            </div>
          );
        })}
      </div>
      <textarea
        ref={textarea}
        aria-label={label}
        aria-invalid={errors.length > 0}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        wrap="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onBlur={() => {
          escaped.current = false;
        }}
        onKeyDown={(e) => {
          // Tab inserts two spaces (YAML has no tabs); Escape then Tab leaves the editor (Shift+Tab always does).
          const leave = escaped.current;
          escaped.current = e.key === 'Escape';
          if (e.key === 'Tab' && !e.shiftKey && !e.altKey && !leave) {
            e.preventDefault();
            const el = e.currentTarget;
            const { selectionStart, selectionEnd } = el;
            onChange(value.slice(0, selectionStart) + '  ' + value.slice(selectionEnd));
            requestAnimationFrame(() => el.setSelectionRange(selectionStart + 2, selectionStart + 2));
          }
        }}
        aria-description="Tab indents; press Escape, then Tab, to move on"
        className="flex-1 resize-none bg-transparent px-3 py-2 text-zinc-900 outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-sky-500 dark:text-zinc-100"
        style={{ lineHeight: `${lineHeight}px` }}
      />
    </div>
  );
});
