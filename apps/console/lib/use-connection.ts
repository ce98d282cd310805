'use client';
import { useSyncExternalStore } from 'react';

import { connection, type ConnectionState } from './connection';

/** The console's connection to kas, re-rendering on every change. */
export function useConnection(): ConnectionState {
  return useSyncExternalStore(
    connection.subscribe,
    () => connection.current,
    () => connection.current,
  );
}
