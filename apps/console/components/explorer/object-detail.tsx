'use client';
// PLACEHOLDER (issue 14, item 2): replaced by the detail drawer's helper before anything merges to a release.
import type { ObjectRef } from '../../lib/explorer/urls';

/** One object: summary, conditions, labels, its events, owner and child links, YAML; actions when allowed. */
export function ObjectDetail(_props: { agentId: number; object: ObjectRef; onClose?: () => void }) {
  return null;
}
