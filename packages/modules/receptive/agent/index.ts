// The receptive module's agent half (issue 15; docs/agentk.md, "Receptive mode"): agentk's listener that kas dials.
export {
  MAX_PENDING_CONNECTIONS,
  ReceptiveListener,
  type ReceptiveListenerOptions,
} from './receptive-listener';
