import type { Request } from 'express';

/**
 * Scheme, host and port the client reached the service at: the request's
 * own, or what a trusted proxy forwarded (parameters.trust_proxy).
 */
export const originOf = (req: Request) => `${req.protocol}://${req.host}`;
