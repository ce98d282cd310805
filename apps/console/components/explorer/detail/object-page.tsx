'use client';
import Link from 'next/link';

import { clusterHref, type ObjectRef } from '../../../lib/explorer/urls';
import { usePageTitle } from '../../../lib/page-title';
import { ObjectDetail } from '../object-detail';

/** The detail drawer's content, full width, with breadcrumbs back to the cluster and the namespace. */
export function ObjectPage({ agentId, object }: { agentId: number; object: ObjectRef }) {
  usePageTitle(object.name, object.namespace, 'Explorer');
  return (
    <div className="space-y-3">
      <nav aria-label="Breadcrumb" className="text-xs text-zinc-600 dark:text-zinc-400">
        <Link href={clusterHref(agentId)} className="hover:underline">
          Cluster
        </Link>
        {object.namespace ? (
          <>
            {' / '}
            <Link href={clusterHref(agentId, { ns: object.namespace })} className="hover:underline">
              {object.namespace}
            </Link>
          </>
        ) : null}
        {' / '}
        <span aria-current="page">{object.name}</span>
      </nav>
      <ObjectDetail agentId={agentId} object={object} headingLevel="h1" />
    </div>
  );
}
