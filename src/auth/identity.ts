/** Who is calling. Anonymous callers have no user id. */
export interface Identity {
  userId: number | null;
  name: string | null;
  admin: boolean;
  groups: readonly string[];
}

export const ANONYMOUS: Identity = Object.freeze({ userId: null, name: null, admin: false, groups: [] });

/** The identity of the operator's own CLI, reaching the service over its local admin socket. */
export const OPERATOR: Identity = Object.freeze({ userId: null, name: 'operator', admin: true, groups: [] });
