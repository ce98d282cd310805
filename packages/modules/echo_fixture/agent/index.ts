// The fixture module's agentk half: serves Shout through the tunnel, says Hello to kas's agent server once every
// module started, and keeps the configuration versions agentk fanned out to it.
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import type { AgentModule } from '../../modagent/index';
import { ECHO_FIXTURE_SHOUT, EchoFixtureService, type HelloResponse } from '../shared/echo-api';

export function createEchoFixtureAgentModule() {
  const configVersions: string[] = [];
  let helloAnswer: Promise<HelloResponse> | null = null;
  const module: AgentModule & { configVersions: string[]; hello(): Promise<HelloResponse> } = {
    name: 'echo_fixture',
    configVersions,
    hello: () => helloAnswer ?? Promise.reject(new Error('the echo_fixture module has not started')),
    async start(ctx) {
      ctx.registerTunnelHandler(ECHO_FIXTURE_SHOUT, async (call) => {
        call.sendHeader({ pod: [ctx.pod.podName] });
        for await (const m of call.messages)
          await call.sendMessage(Buffer.from(Buffer.from(m).toString().toUpperCase()));
        call.finish({});
      });
      const Client = makeGenericClientConstructor(EchoFixtureService, 'EchoFixture');
      const client = new Client(ctx.kas.target, ctx.kas.credentials, ctx.kas.clientOptions);
      helloAnswer = ctx.allStarted.then(
        () =>
          new Promise<HelloResponse>((resolve, reject) => {
            const metadata = ctx.kas.metadata();
            metadata.setOptions({ waitForReady: true });
            client.makeUnaryRequest(
              EchoFixtureService.hello.path,
              EchoFixtureService.hello.requestSerialize,
              EchoFixtureService.hello.responseDeserialize,
              { podName: ctx.pod.podName, greeting: 'hello from agentk' },
              metadata,
              { deadline: Date.now() + 20_000 },
              (error, answer) => (error ? reject(error) : resolve(answer as unknown as HelloResponse)),
            );
          }),
      );
      helloAnswer.catch(() => undefined);
    },
    onConfiguration(config) {
      configVersions.push(config.version);
    },
    async stop() {},
  };
  return module;
}
