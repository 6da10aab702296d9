/** Query parameters of the VOSpace REST binding, checked once. */
import type { Request } from 'express';
import { fault } from '../domain/faults';
import type { Detail } from '../domain/node';

export function single(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw fault('InvalidArgument', `${name} may be given once`);
  return v;
}

export function detailParam(req: Request): Detail {
  const d = single(req, 'detail') ?? 'max';
  if (d !== 'min' && d !== 'max' && d !== 'properties') throw fault('InvalidArgument', `detail must be min, max or properties`);
  return d;
}

export function limitParam(req: Request): number | undefined {
  const raw = single(req, 'limit');
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw fault('InvalidArgument', `limit must be a non-negative whole number`);
  return Number(raw);
}
