'use client';
// The explorer's one list: virtualised (only the rows on screen are in the DOM, so 50,000 pods scroll like 50),
// patched in place by uid (a changed row re-renders alone and keeps its place; the scroll position never resets),
// sortable by any column, filtered as you type (lib/explorer/row-filter.ts). Keyboard: j/k move, Enter opens.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
} from 'react';

import { filterRows } from '../../lib/explorer/row-filter';
import { RowOrder } from '../../lib/explorer/row-order';
import { duration } from '../../lib/time';
import { useNow } from '../../lib/use-now';
import type { ListColumn } from './views';
import { plural } from './detail/status-words';

type Sort = { id: string; desc: boolean };

const ROW_PX = 36;

const NARROW = '(max-width: 639px)';
// One MediaQueryList for the page: React reads the snapshot on every render, and a matchMedia call per render was
// 10 ms of a scroll's profile at 50,000 pods.
let narrowQuery: MediaQueryList | null = null;
const narrow = () => (narrowQuery ??= window.matchMedia(NARROW));

function useNarrowScreen(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      narrow().addEventListener('change', onChange);
      return () => narrow().removeEventListener('change', onChange);
    },
    () => narrow().matches,
    () => false,
  );
}

function Age({ iso }: { iso: string }) {
  const now = useNow();
  const t = Date.parse(iso);
  return <>{Number.isFinite(t) ? duration(Math.max(0, Math.round((now - t) / 1000))) : '—'}</>;
}

const baseColumns = (showNamespace: boolean): ListColumn[] => [
  { id: 'name', label: 'Name', sort: (r) => r.name },
  ...(showNamespace
    ? [{ id: 'namespace', label: 'Namespace', wide: true, sort: (r: ObjectRow) => r.namespace ?? '' }]
    : []),
];
const ageColumn: ListColumn = {
  id: 'age',
  label: 'Age',
  // Newest first when sorted ascending reads as "youngest": sort on the negated creation time.
  sort: (r) => -Date.parse(r.createdAt || '0'),
  render: (r) => <Age iso={r.createdAt} />,
};

const Row = memo(function Row({
  row,
  columns,
  template,
  active,
  selected,
  top,
  onOpen,
}: {
  row: ObjectRow;
  columns: ListColumn[];
  template: string;
  active: boolean;
  selected: boolean;
  top: number;
  onOpen: (row: ObjectRow) => void;
}) {
  return (
    <div
      role="row"
      aria-selected={selected}
      data-uid={row.uid}
      data-active={active || undefined}
      onClick={() => onOpen(row)}
      className="absolute left-0 right-0 grid cursor-pointer items-center gap-3 border-b border-zinc-100 px-3 text-sm hover:bg-zinc-50 data-[active]:bg-sky-50 aria-selected:bg-sky-100 dark:border-zinc-800 dark:hover:bg-zinc-900 dark:data-[active]:bg-sky-950 dark:aria-selected:bg-sky-900"
      // Strict containment: a row's layout and paint never reach past its own box (it has a fixed size), so a
      // row that patches or mounts while scrolling lays out alone.
      style={{ top, height: ROW_PX, gridTemplateColumns: template, contain: 'strict' }}
    >
      {columns.map((c) => (
        <div
          role="cell"
          key={c.id}
          className={`truncate ${c.id === 'name' ? 'font-medium text-zinc-900 dark:text-zinc-100' : 'text-zinc-700 dark:text-zinc-300'}`}
        >
          {c.id === 'name' ? (
            <button
              type="button"
              tabIndex={-1}
              className="truncate text-left hover:underline"
              onClick={(e) => {
                e.stopPropagation();
                onOpen(row);
              }}
            >
              {row.name}
            </button>
          ) : c.render ? (
            c.render(row)
          ) : (
            String(c.sort(row))
          )}
        </div>
      ))}
    </div>
  );
});

export function ObjectTable({
  label,
  rows,
  columns,
  filter,
  showNamespace,
  selectedUid,
  onOpen,
  defaultSort,
}: {
  label: string;
  rows: readonly ObjectRow[];
  columns: ListColumn[];
  filter: string;
  showNamespace: boolean;
  selectedUid?: string | undefined;
  onOpen: (row: ObjectRow) => void;
  defaultSort?: Sort;
}) {
  const narrow = useNarrowScreen();
  // On a phone the wide columns go (not just hidden: the grid's tracks follow the columns shown).
  const all = useMemo(
    () => [...baseColumns(showNamespace), ...columns, ageColumn].filter((c) => !(narrow && c.wide)),
    [columns, showNamespace, narrow],
  );
  const [sort, setSort] = useState<Sort>(defaultSort ?? { id: 'name', desc: false });
  const [active, setActive] = useState(-1);
  const scroller = useRef<HTMLDivElement>(null);

  // The order is kept across versions of the rows (lib/explorer/row-order.ts): a burst of pod updates merges its
  // few rows in, it does not sort every row again. A filter keeps the sorted order, so a keystroke costs one
  // linear filter — and scrolling costs neither.
  const [order] = useState(() => new RowOrder<ObjectRow>());
  const sorted = useMemo(() => {
    const by = all.find((c) => c.id === sort.id) ?? all[0]!;
    return order.sort(rows, by.sort, sort.desc);
  }, [order, rows, sort, all]);
  const shown = useMemo(() => filterRows(sorted, filter), [sorted, filter]);

  // The virtualiser keys its items by index (its default) and the rows below are keyed by uid. Every row is ROW_PX
  // high, so an index says where a row goes; a key function that read `shown` would change with every burst of pod
  // updates, and each change lays out every row again (a pass over all 50,000, most of a long task while scrolling).
  const estimateSize = useCallback(() => ROW_PX, []);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize,
    overscan: 12,
  });
  // The rows get one callback for the table's life (they are memoised; a new onOpen per parent render would
  // re-render every row on screen each time a pod changed), which calls the latest onOpen.
  const latestOpen = useRef(onOpen);
  useLayoutEffect(() => {
    latestOpen.current = onOpen;
  });
  const open = useCallback((row: ObjectRow) => latestOpen.current(row), []);
  useEffect(() => setActive((a) => Math.min(a, shown.length - 1)), [shown.length]);

  const template = all
    .map((c) =>
      c.id === 'name' ? 'minmax(10rem,2fr)' : c.id === 'message' ? 'minmax(10rem,3fr)' : 'minmax(5rem,1fr)',
    )
    .join(' ');
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target instanceof HTMLInputElement) return;
    if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      const next = Math.min(shown.length - 1, active + 1);
      setActive(next);
      virtualizer.scrollToIndex(next);
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = Math.max(0, active - 1);
      setActive(next);
      virtualizer.scrollToIndex(next);
    } else if (e.key === 'Enter' && shown[active]) {
      onOpen(shown[active]);
    }
  };

  return (
    // The count below the rows is outside the table: a table holds only rows (ARIA), and the count is announced.
    <div className="rounded border border-zinc-200 dark:border-zinc-800">
      <div
        role="table"
        aria-label={label}
        aria-rowcount={shown.length + 1}
        tabIndex={0}
        onKeyDown={onKey}
        className="overflow-x-auto rounded focus-visible:outline-2 focus-visible:outline-sky-500"
      >
        <div role="rowgroup">
          <div
            role="row"
            className="grid items-center gap-3 border-b border-zinc-200 bg-zinc-50 px-3 py-1.5 text-xs font-medium text-zinc-600 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400"
            style={{ gridTemplateColumns: template }}
          >
            {all.map((c) => (
              <div
                role="columnheader"
                key={c.id}
                aria-sort={sort.id === c.id ? (sort.desc ? 'descending' : 'ascending') : 'none'}
              >
                <button
                  type="button"
                  className="hover:text-zinc-900 dark:hover:text-zinc-100"
                  onClick={() => setSort((s) => ({ id: c.id, desc: s.id === c.id ? !s.desc : false }))}
                >
                  {c.label}
                  {sort.id === c.id ? <span aria-hidden="true">{sort.desc ? ' ↓' : ' ↑'}</span> : null}
                </button>
              </div>
            ))}
          </div>
        </div>
        <div
          ref={scroller}
          role="rowgroup"
          className="relative max-h-[calc(100vh-16rem)] min-h-24 overflow-auto"
          style={{ height: Math.min(shown.length, 400) * ROW_PX + 2 }}
        >
          <div style={{ height: virtualizer.getTotalSize() }} className="relative">
            {virtualizer.getVirtualItems().map((item) => {
              const row = shown[item.index]!;
              return (
                <Row
                  key={row.uid}
                  row={row}
                  columns={all}
                  template={template}
                  active={item.index === active}
                  selected={row.uid === selectedUid}
                  top={item.start}
                  onOpen={open}
                />
              );
            })}
          </div>
        </div>
      </div>
      <p
        className="border-t border-zinc-200 px-3 py-1 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400"
        aria-live="polite"
        data-list-footer=""
      >
        {shown.length === rows.length
          ? plural(rows.length, 'object')
          : `${shown.length} of ${rows.length} objects match`}
      </p>
    </div>
  );
}
