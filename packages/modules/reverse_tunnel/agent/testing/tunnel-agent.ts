// agentk's tunnel pool for tests of other modules that need a real agent end on loopback (e.g. kas-to-kas routing).
export { startReverseTunnelAgent, TunnelHandlerRegistry, type TunnelPool } from '../index';
