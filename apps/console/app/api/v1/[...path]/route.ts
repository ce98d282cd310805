import { proxyToKas } from '../../../../server/kas-proxy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// REST (login, logout, kubeconfig, OpenAPI) goes to kas unchanged.
function handle(request: Request): Promise<Response> {
  return proxyToKas(request, new URL(request.url).pathname);
}

export { handle as GET, handle as POST, handle as PUT, handle as PATCH, handle as DELETE };
