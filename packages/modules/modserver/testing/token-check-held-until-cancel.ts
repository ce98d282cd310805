// The race a streaming handler of the agent server must survive: agentk cancels its call while kas is still
// checking the token. The check below answers only after the server saw the cancellation.

/** A server call: grpc-js emits 'cancelled' on it when the client cancels. */
interface CancellableCall {
  on(event: 'cancelled', listener: () => void): unknown;
}

/** A token check answering `identity` once the server saw the cancel, and the moments a test waits for. */
export function tokenCheckHeldUntilCancel<Identity>(identity: Identity) {
  let started!: () => void;
  const authenticating = new Promise<void>((resolve) => (started = resolve));
  let serverSawCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (serverSawCancel = resolve));
  let handlerResumed!: () => void;
  const resumed = new Promise<void>((resolve) => (handlerResumed = resolve));
  return {
    /** The handler's `authenticate`. */
    authenticate: async (): Promise<Identity> => {
      started();
      await cancelled;
      setImmediate(handlerResumed);
      return identity;
    },
    /** `handler` as the service's method, telling the token check when its call is cancelled. */
    watching<Call extends CancellableCall>(handler: (call: Call) => void): (call: Call) => void {
      return (call) => {
        call.on('cancelled', serverSawCancel);
        handler(call);
      };
    },
    /** Resolves once the token check began: cancel the call then. */
    authenticating,
    /** Resolves a macrotask after the check answered: the handler has run to its end. */
    resumed,
  };
}
