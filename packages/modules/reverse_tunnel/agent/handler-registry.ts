// Methods agentk serves through the tunnel, by full method name, and the Descriptor that advertises them.
import type { AgentDescriptor } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import type { TunnelHandler } from '../shared/tunnel-api';

const FULL_METHOD = /^\/([A-Za-z_][\w.]*)\/([A-Za-z_]\w*)$/;

export class TunnelHandlerRegistry {
  private readonly handlers = new Map<string, TunnelHandler>();

  /** `fullMethod` like '/mooring.kubernetes_api.KubernetesApi/MakeRequest'. */
  register(fullMethod: string, handler: TunnelHandler): void {
    if (!FULL_METHOD.test(fullMethod))
      throw new Error(`"${fullMethod}" is not a full gRPC method name like "/package.Service/Method"`);
    if (this.handlers.has(fullMethod))
      throw new Error(`a tunnel handler for ${fullMethod} is already registered`);
    this.handlers.set(fullMethod, handler);
  }

  get(fullMethod: string): TunnelHandler | undefined {
    return this.handlers.get(fullMethod);
  }

  methods(): string[] {
    return [...this.handlers.keys()];
  }

  descriptor(): AgentDescriptor {
    const services = new Map<string, string[]>();
    for (const fullMethod of this.handlers.keys()) {
      const [, service, method] = FULL_METHOD.exec(fullMethod)!;
      services.set(service!, [...(services.get(service!) ?? []), method!]);
    }
    return {
      services: [...services].map(([name, methods]) => ({
        name,
        methods: methods.map((m) => ({ name: m })),
      })),
    };
  }
}
