/**
 * VOSpace faults: the one typed error every layer throws. The HTTP status of
 * each fault lives here and nowhere else; rest/ prints `Name: detail`.
 */
export const FAULT_STATUS = {
  InternalFault: 500,
  PermissionDenied: 403,
  InvalidURI: 400,
  NodeNotFound: 404,
  DuplicateNode: 409,
  InvalidToken: 401,
  InvalidArgument: 400,
  TypeNotSupported: 400,
  ViewNotSupported: 400,
  InvalidData: 400,
  LinkFound: 400,
  NodeBusy: 409,
  ContainerNotFound: 404,
  OperationNotSupported: 400,
  ProtocolNotSupported: 400,
  TransferFailed: 500,
  QuotaExceeded: 413,
  RequestTooLarge: 413,
  /** Not a VOSpace fault: a URL the service has no resource at. */
  NotFound: 404,
  /** Not a VOSpace fault: the bytes do not match the checksum the client declared (Digest / Content-MD5). */
  PreconditionFailed: 412,
  /** Not a VOSpace fault: too many requests (or failed sign-ins) from one caller; retry later. */
  TooManyRequests: 429,
} as const;

export type FaultName = keyof typeof FAULT_STATUS;

export class VOSpaceFault extends Error {
  readonly status: number;
  constructor(readonly fault: FaultName, readonly detail = '') {
    super(detail ? `${fault}: ${detail}` : fault);
    this.name = 'VOSpaceFault';
    this.status = FAULT_STATUS[fault];
  }
}

export const fault = (name: FaultName, detail = '') => new VOSpaceFault(name, detail);

export function isFault(e: unknown): e is VOSpaceFault {
  return e instanceof VOSpaceFault;
}
