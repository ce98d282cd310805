'use client';
// PLACEHOLDER (issue 14, item 5): replaced by the actions' helper before anything merges to a release.
import type { ObjectRow } from '@mooring/modules/object_watch/shared/watch-api';

import type { ObjectRef } from '../../lib/explorer/urls';

/** The actions the user may take on one object (each checked with a SelfSubjectAccessReview), with confirmation. */
export function ObjectActions(_props: { agentId: number; object: ObjectRef; row?: ObjectRow }) {
  return null;
}
