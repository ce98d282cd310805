'use client';
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const gap = 4;
const margin = 8;

/**
 * A toggletip: `tip` shows on hover, on keyboard focus and on click or tap (touch has no hover), and Escape or a
 * second click closes it. It is rendered in a portal at fixed coordinates, below the trigger or above it when the
 * viewport has no room below, so a table's overflow never clips it. Screen readers get it through aria-describedby.
 */
export function Tooltip({ tip, children }: { tip: ReactNode; children: ReactNode }) {
  const id = useId();
  const trigger = useRef<HTMLSpanElement>(null);
  const bubble = useRef<HTMLSpanElement>(null);
  const [mounted, setMounted] = useState(false);
  const [pinned, setPinned] = useState(false);
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [position, setPosition] = useState<{ top: number; left: number } | null>(null);
  const open = pinned || hovered || focused;

  useEffect(() => setMounted(true), []);

  const place = useCallback(() => {
    const t = trigger.current?.getBoundingClientRect();
    const b = bubble.current?.getBoundingClientRect();
    if (!t || !b) return;
    const below = t.bottom + gap;
    const top =
      below + b.height + margin <= window.innerHeight ? below : Math.max(margin, t.top - gap - b.height);
    const left = Math.min(Math.max(margin, t.left), Math.max(margin, window.innerWidth - b.width - margin));
    setPosition({ top, left });
  }, []);

  useLayoutEffect(() => {
    if (!open) {
      setPosition(null);
      return;
    }
    place();
    window.addEventListener('scroll', place, true);
    window.addEventListener('resize', place);
    return () => {
      window.removeEventListener('scroll', place, true);
      window.removeEventListener('resize', place);
    };
  }, [open, place]);

  useEffect(() => {
    if (!pinned) return;
    const outside = (event: PointerEvent) => {
      if (!trigger.current?.contains(event.target as Node)) setPinned(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [pinned]);

  return (
    <span className="inline-flex">
      <span
        ref={trigger}
        tabIndex={0}
        role="button"
        aria-expanded={open}
        aria-describedby={id}
        data-toggletip=""
        onClick={(event) => {
          // Inside a clickable table row: opening the tip must not open the row.
          event.stopPropagation();
          setPinned((p) => !p);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            setPinned(false);
            setFocused(false);
            setHovered(false);
          } else if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            event.stopPropagation();
            setPinned((p) => !p);
          }
        }}
        onFocus={() => setFocused(true)}
        onBlur={() => {
          setFocused(false);
          setPinned(false);
        }}
        onPointerEnter={(event) => event.pointerType === 'mouse' && setHovered(true)}
        onPointerLeave={() => setHovered(false)}
        className="inline-flex cursor-help rounded focus-visible:outline-2 focus-visible:outline-sky-500"
      >
        {children}
      </span>
      {mounted
        ? createPortal(
            <span
              ref={bubble}
              role="tooltip"
              id={id}
              hidden={!open}
              style={
                position
                  ? { top: position.top, left: position.left }
                  : { top: 0, left: 0, visibility: 'hidden' }
              }
              className="fixed z-50 w-max max-w-[min(24rem,calc(100vw-2rem))] rounded bg-zinc-900 px-2 py-1.5 text-xs font-normal leading-snug text-zinc-50 shadow-lg dark:bg-zinc-100 dark:text-zinc-900"
            >
              {tip}
            </span>,
            document.body,
          )
        : null}
    </span>
  );
}
