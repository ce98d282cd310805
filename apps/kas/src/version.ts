/** kas's version, reported by GET /api/v1/version and compared with agentk's (design.md §9). */
export const kasVersion = '0.1.0';
