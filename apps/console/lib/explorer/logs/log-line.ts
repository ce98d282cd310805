// One line as the logs page keeps it. Logs are always asked for with `timestamps=true`: the timestamp orders and
// resumes a stream (sinceTime) and the toggle only shows or hides it, without asking the cluster again.

export interface LogLine {
  /** RFC 3339 with nanoseconds as the kubelet wrote it, or null when the line has none. */
  time: string | null;
  text: string;
  /** Index into the page's sources (pod/container), for the multi-pod tag. */
  source: number;
}

const timestamped = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

export function parseLogLine(raw: string, source: number): LogLine {
  const match = timestamped.exec(raw);
  if (!match) return { time: null, text: raw, source };
  return { time: match[1]!, text: raw.slice(match[0].length), source };
}

/**
 * RFC 3339 timestamps of one stream compare as strings once their fractions have the same length; the kubelet's
 * differ ("…05.1Z" and "…05.123456789Z"), so they are padded to nanoseconds first. Only UTC ("Z") ones are compared;
 * anything else counts as not-older.
 */
export function timeKey(time: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!match) return time;
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
}

/** The line as a downloaded .log file has it: the timestamp (when shown) and, for many pods, the tag. */
export function formatLine(
  line: LogLine,
  options: { timestamps: boolean; tag?: string | undefined },
): string {
  return `${options.tag ? `${options.tag} ` : ''}${options.timestamps && line.time ? `${line.time} ` : ''}${line.text}`;
}
