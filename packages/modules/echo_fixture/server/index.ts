// The fixture module's kas half: registers EchoFixture on the shared agent server and provides `shout`, which calls
// an agent's Shout through the reverse tunnel.
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { AgentServer } from '../../modserver/index';
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import {
  ECHO_FIXTURE_SHOUT,
  EchoFixtureService,
  type HelloRequest,
  type HelloResponse,
} from '../shared/echo-api';

export const ECHO_FIXTURE = 'echoFixture';

export interface EchoFixture {
  /** Hellos agents sent, in order. */
  readonly hellos: Array<HelloRequest & { agentId: number }>;
  shout(agentId: number, text: string): Promise<{ text: string; pod: string }>;
}

export function createEchoFixtureKasModule(options: { dialer: () => AgentDialer }) {
  return {
    name: 'echo_fixture',
    async start(ctx: { agentServer: AgentServer; provide(name: string, value: unknown): void }) {
      const hellos: EchoFixture['hellos'] = [];
      ctx.agentServer.addService(EchoFixtureService, {
        hello: (
          call: ServerUnaryCall<HelloRequest, HelloResponse>,
          callback: sendUnaryData<HelloResponse>,
        ) => {
          ctx.agentServer.authenticate(call).then(
            ({ agentId }) => {
              hellos.push({ ...call.request, agentId });
              callback(null, { agentId });
            },
            (error: { code: number; message: string }) =>
              callback({ code: error.code, details: error.message, message: error.message }),
          );
        },
      });
      const fixture: EchoFixture = {
        hellos,
        async shout(agentId, text) {
          const call = await options.dialer().openCall(agentId, ECHO_FIXTURE_SHOUT, {
            signal: AbortSignal.timeout(20_000),
          });
          call.sendMessage(Buffer.from(text));
          call.closeSend();
          const header = await call.header;
          const parts: string[] = [];
          for await (const m of call.messages) parts.push(Buffer.from(m).toString());
          await call.trailer;
          return { text: parts.join(''), pod: header.pod?.[0] ?? '' };
        },
      };
      ctx.provide(ECHO_FIXTURE, fixture);
    },
    async stop() {},
  };
}
