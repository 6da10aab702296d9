import type { Identity } from '../auth/identity';
import type { Loaders } from '../db/loaders';
import type { Services } from '../services/context';

export interface GqlContext {
  svc: Services;
  who: Identity;
  loaders: Loaders;
}
