// What a logs page reads: one pod's container, or (by label selector) the containers of up to MAX_PODS pods.
// Each source has a stable key and a tag that tells its lines apart in the merged view (colour and text).

export const MAX_PODS = 20;

export interface LogSource {
  namespace: string;
  pod: string;
  container: string;
}

export const sourceKey = (s: LogSource) => `${s.namespace}/${s.pod}/${s.container}`;

/** `pod/container`, or just `pod` when every pod shown has one container. */
export function sourceTag(s: LogSource, withContainer: boolean): string {
  return withContainer ? `${s.pod}/${s.container}` : s.pod;
}

/** Tag colours readable on light and dark backgrounds; the tag's text tells pods apart without them. */
export const TAG_COLOURS = [
  'text-sky-700 dark:text-sky-300',
  'text-emerald-700 dark:text-emerald-300',
  'text-violet-700 dark:text-violet-300',
  'text-amber-700 dark:text-amber-300',
  'text-rose-700 dark:text-rose-300',
  'text-teal-700 dark:text-teal-300',
  'text-fuchsia-700 dark:text-fuchsia-300',
  'text-lime-700 dark:text-lime-300',
  'text-orange-700 dark:text-orange-300',
  'text-indigo-700 dark:text-indigo-300',
] as const;

/** The same pod keeps its colour while others come and go (a hash of its name, not its position). */
export function tagColour(pod: string): string {
  let hash = 0;
  for (let i = 0; i < pod.length; i++) hash = (hash * 31 + pod.charCodeAt(i)) | 0;
  return TAG_COLOURS[Math.abs(hash) % TAG_COLOURS.length]!;
}

/**
 * The pods a selector view follows: at most MAX_PODS. Pods already followed stay (their logs do not stop because
 * another pod appeared); free places go to the others by name.
 */
export function podsToFollow<T extends { name: string }>(
  pods: readonly T[],
  following: ReadonlySet<string> = new Set(),
): { shown: T[]; total: number } {
  const sorted = [...pods].sort((a, b) => a.name.localeCompare(b.name));
  const kept = sorted.filter((p) => following.has(p.name)).slice(0, MAX_PODS);
  const added = sorted.filter((p) => !following.has(p.name)).slice(0, MAX_PODS - kept.length);
  const shown = [...kept, ...added].sort((a, b) => a.name.localeCompare(b.name));
  return { shown, total: pods.length };
}
