import { proxyToKubernetes } from '../../../../../server/k8s-proxy-http';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// The browser's way to kas's Kubernetes API proxy (plain and streamed HTTP; WebSocket upgrades: serve.ts).
export {
  proxyToKubernetes as GET,
  proxyToKubernetes as POST,
  proxyToKubernetes as PUT,
  proxyToKubernetes as PATCH,
  proxyToKubernetes as DELETE,
  proxyToKubernetes as HEAD,
  proxyToKubernetes as OPTIONS,
};
