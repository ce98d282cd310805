// Full gRPC method names kubernetes_api serves through the reverse tunnel: both halves use them, the tunnel never
// knows them.

/** The Kubernetes API proxy call: kas sends one HTTP request, agentk answers from the cluster's API server. */
export const KUBERNETES_API_MAKE_REQUEST = '/mooring.kubernetes_api.KubernetesApi/MakeRequest';
