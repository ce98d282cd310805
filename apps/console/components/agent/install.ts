/** Where agentk should dial: kas tells us, else the console's host on the default agent port 8150 (docs/operate.md). */
export function agentAddressOr(agentAddress: string | null): string {
  if (agentAddress) return agentAddress;
  const host = typeof window === 'undefined' ? 'kas.example.com' : window.location.hostname;
  return `grpc://${host}:8150`;
}

export function installCommands(agentName: string, token: string, agentAddress: string | null): string {
  const address = agentAddressOr(agentAddress);
  return [
    `# Beside the cluster, with a kubeconfig (token read from the environment, then cleared):`,
    `MOORING_AGENT_TOKEN='${token}' agentk --kas-address ${address} --kubeconfig ~/.kube/config`,
    ``,
    `# In the cluster: store the token in a Secret, then apply the manifest from "Connect a cluster":`,
    `kubectl create namespace mooring-agent`,
    `kubectl -n mooring-agent create secret generic ${agentName}-token --from-literal=token='${token}'`,
  ].join('\n');
}

export function manifest(
  agentName: string,
  agentAddress: string | null,
  image = 'registry.example.com/mooring/agentk:latest',
): string {
  const address = agentAddressOr(agentAddress);
  return `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${agentName}
  namespace: mooring-agent
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: mooring-agent-${agentName}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin   # narrow this to what your CI jobs and users need
subjects:
  - kind: ServiceAccount
    name: ${agentName}
    namespace: mooring-agent
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${agentName}
  namespace: mooring-agent
spec:
  replicas: 2
  selector:
    matchLabels: { app: ${agentName} }
  template:
    metadata:
      labels: { app: ${agentName} }
    spec:
      serviceAccountName: ${agentName}
      containers:
        - name: agentk
          image: ${image}
          args:
            - --kas-address=${address}
            - --token-file=/etc/agentk/secrets/token
            - --observability-listen-address=:8080
          env:
            - name: POD_NAME
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
            - name: POD_NAMESPACE
              valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
          ports:
            - { name: observability, containerPort: 8080 }
          livenessProbe:
            httpGet: { path: /livez, port: observability }
          readinessProbe:
            httpGet: { path: /readyz, port: observability }
          volumeMounts:
            - { name: token, mountPath: /etc/agentk/secrets, readOnly: true }
      volumes:
        - name: token
          secret:
            secretName: ${agentName}-token
`;
}
