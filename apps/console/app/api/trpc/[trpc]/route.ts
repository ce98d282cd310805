import { proxyToKas } from '../../../../server/kas-proxy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// /api/trpc/agents.list,agents.get?batch=1 → kas /trpc/agents.list,agents.get?batch=1 (path kept as sent).
function handle(request: Request): Promise<Response> {
  return proxyToKas(request, new URL(request.url).pathname.replace(/^\/api\/trpc/, '/trpc'));
}

export { handle as GET, handle as POST };
