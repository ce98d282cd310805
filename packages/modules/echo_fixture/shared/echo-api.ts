// A fixture module (the fixture-module test, apps/agentk/src/fixture-module.int.test.ts): the smallest capability
// with both halves, proving that a new module is one folder plus one line in each app's module list. Its own
// gRPC service on kas's shared agent server (agentk → kas) and a tunnel method (kas → agentk). JSON messages keep
// it free of generated code.
import type { ServiceDefinition } from '@grpc/grpc-js';

/** Served by agentk through the reverse tunnel: answers the text upper-cased, with the pod's name. */
export const ECHO_FIXTURE_SHOUT = '/mooring.echo_fixture.Echo/Shout';

export interface HelloRequest {
  podName: string;
  greeting: string;
}
export interface HelloResponse {
  agentId: number;
}

const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as never,
};

/** Served by kas on the shared agent server: agentk says hello once started. */
export const EchoFixtureService = {
  hello: {
    path: '/mooring.echo_fixture.EchoFixture/Hello',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
} satisfies ServiceDefinition;
