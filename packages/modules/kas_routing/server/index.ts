// kas-to-kas routing (the private API): a replica without a tunnel of an agent routes the call to one that has.
export { createKasRoutingKasModule, type KasRoutingKasModule, type RoutingTracker } from './kas-module';
export { createPeerClients, type PeerClients } from './peer-clients';
export { privateApiJwtSigner, privateApiJwtVerifier } from './private-api-jwt';
export { startPrivateApiServer, type RunningPrivateApiServer } from './private-api-server';
export { createRoutingDialer, MAX_ROUTE_ATTEMPTS, type RoutingDialerOptions } from './routing-dialer';
export { kasRoutingSettings } from './settings';
export {
  KAS_REPLICAS,
  MAX_LISTED_REPLICAS,
  type ReplicaDirectory,
  type ReplicaListing,
  type ReplicaSummary,
} from './replica-status';
