import { useId, type ReactNode } from 'react';

/** Shows `tip` on hover and on keyboard focus; screen readers get it through aria-describedby. */
export function Tooltip({ tip, children }: { tip: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <span className="group relative inline-flex">
      <span
        tabIndex={0}
        aria-describedby={id}
        className="inline-flex rounded focus-visible:outline-2 focus-visible:outline-sky-500"
      >
        {children}
      </span>
      <span
        role="tooltip"
        id={id}
        className="pointer-events-none invisible absolute left-0 top-full z-30 mt-1 w-max max-w-[min(24rem,calc(100vw-2rem))] rounded bg-zinc-900 px-2 py-1.5 text-xs font-normal leading-snug text-zinc-50 opacity-0 shadow-lg transition-opacity group-hover:visible group-hover:opacity-100 group-focus-within:visible group-focus-within:opacity-100 dark:bg-zinc-100 dark:text-zinc-900"
      >
        {tip}
      </span>
    </span>
  );
}
