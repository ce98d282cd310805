'use client';
import { useEffect } from 'react';

/** "Page · Mooring", or "Object · Page · Mooring"; what was not loaded yet is left out. */
export function pageTitle(...parts: (string | null | undefined)[]): string {
  return [...parts.filter((p): p is string => !!p), 'Mooring'].join(' · ');
}

/**
 * Names the browser tab after the page and the object it shows, so tabs, history and screen readers tell pages apart.
 * The pages are client components (no route metadata), so the title is set once the page renders.
 */
export function usePageTitle(...parts: (string | null | undefined)[]): void {
  const title = pageTitle(...parts);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
