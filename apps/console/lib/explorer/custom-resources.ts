// The Custom resources view's choices (docs/explorer.md): the resources the agent's object_watch watches beyond the
// default set (objects.resources, from its live configuration), named so a person can pick one.
import type { inferRouterOutputs } from '@trpc/server';

import type { AppRouter } from '../app-router';

export type WatchedResource = inferRouterOutputs<AppRouter>['objects']['resources']['resources'][number];

/** `<group>/<version>/<plural>`: what the typed fallback accepts. */
export const CUSTOM_RESOURCE_PATTERN = /^[a-z0-9][a-z0-9.-]*\/[a-z0-9][a-z0-9.-]*\/[a-z0-9][a-z0-9.-]*$/;

export interface CustomResourceChoice {
  /** objects.watch's name for it, and the URL's `resource`. */
  id: string;
  /** `Widgets`: the list's title. */
  title: string;
  /** `example.com/v1`. */
  groupVersion: string;
}

/** `widgets` → `Widgets`; the kind of a CRD is what discovery answers, so its plural is what we have. */
export const customResourceTitle = (id: string) => {
  const plural = id.split('/').at(-1) ?? id;
  return plural.charAt(0).toUpperCase() + plural.slice(1);
};

/** The watched resources outside the default set (which the other views list), by title then group. */
export function customResourceChoices(resources: readonly WatchedResource[]): CustomResourceChoice[] {
  return resources
    .filter((r) => !r.builtIn)
    .map((r) => ({
      id: r.id,
      title: customResourceTitle(r.id),
      groupVersion: r.group ? `${r.group}/${r.version}` : r.version,
    }))
    .sort((a, b) => a.title.localeCompare(b.title) || a.groupVersion.localeCompare(b.groupVersion));
}
