// The Kubernetes API proxy's contribution to kas's settings table (apps/kas/src/config.ts collects it from the module).
import { portSchema, type SettingsTable } from '../../shared/settings';

export const kubernetesApiSettings = {
  proxyPort: {
    env: 'MOORING_PROXY_PORT',
    flag: '--proxy-port',
    schema: portSchema.default(8154),
    description: 'Kubernetes API proxy /k8s-proxy (kubectl through kas)',
  },
} as const satisfies SettingsTable;
