// A log request the cluster refused, in words that say what happened and what to try. The cluster's own message is
// kept (kas's, when the agent is not connected: it names the fix).

export interface LogErrorInput {
  status: number;
  message: string;
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

export interface LogError {
  title: string;
  message: string;
  /** Retrying cannot help until something changes (RBAC, the pod): the page does not retry on its own. */
  final: boolean;
}

export function describeLogError(e: LogErrorInput): LogError {
  const said = e.message.trim();
  if (e.status === 401)
    return { title: 'Signed out', message: 'your session ended; sign in again to read logs', final: true };
  if (e.status === 403)
    return {
      title: 'Not allowed',
      message: `your RBAC does not allow pods/log in ${e.namespace} (the cluster said: ${said}); ask a cluster admin for a RoleBinding that grants get on pods/log there, or open a namespace you may read`,
      final: true,
    };
  if (e.status === 404 && /pods? "[^"]*" not found/i.test(said))
    return {
      title: 'Pod gone',
      message: `pod ${e.pod} no longer exists in ${e.namespace} (deleted or replaced); open its replacement from the pods list`,
      final: true,
    };
  if (e.status === 400 && /previous terminated container/i.test(said))
    return {
      title: 'No previous container',
      message: `${e.container} has not restarted, so there is no previous container's log; untick “previous container” to read the current one`,
      final: true,
    };
  const waiting = /is waiting to start: ?(.*)$/i.exec(said);
  if (e.status === 400 && waiting)
    return {
      title: 'Container not started',
      message: `container is waiting: ${waiting[1] || 'not started'} — logs appear once it starts`,
      final: false,
    };
  if (e.status === 503 || e.status === 502 || e.status === 504)
    return { title: 'Cluster not reachable', message: said, final: false };
  return {
    title: `The cluster answered HTTP ${e.status}`,
    message: said,
    final: e.status >= 400 && e.status < 500,
  };
}
