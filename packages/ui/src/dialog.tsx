'use client';
import { useEffect, useRef, type ReactNode } from 'react';

/** A modal built on <dialog>: focus is trapped by the browser, Escape closes it. */
export function Dialog({
  open,
  onClose,
  title,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      // Fits a phone: 1 rem from each edge, scrolls inside when taller than the screen; long commands wrap or scroll
      // in their own box instead of widening the dialog.
      className="m-auto w-[calc(100vw-2rem)] max-w-xl max-h-[calc(100dvh-2rem)] overflow-y-auto overflow-x-hidden rounded-lg bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:bg-zinc-900 dark:text-zinc-100 [&_pre]:max-w-full [&_pre]:overflow-x-auto"
    >
      <div className="border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <h2 className="text-base font-semibold">{title}</h2>
      </div>
      <div className="min-w-0 space-y-3 break-words px-4 py-3">{open ? children : null}</div>
    </dialog>
  );
}
