/** kas's version, reported by GET /api/v1/version and compared with agentk's (docs/console.md, version support). */
export const kasVersion = '0.1.0';
