import type { Identity } from '../auth/identity';
import type { Loaders } from '../db/loaders';
import type { Services } from '../services/context';

export interface GqlContext {
  svc: Services;
  who: Identity;
  loaders: Loaders;
  /** Base URL of the REST binding as the caller reached the service, e.g. http://host:8080/vospace */
  restBase: string;
}
