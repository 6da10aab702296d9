/** Checks on VOSpaceFaults thrown by code called directly (not over HTTP). */
import { VOSpaceFault, type FaultName } from '../../src/domain/faults';

/** Runs `f`, which must throw a VOSpaceFault; returns the fault for further checks. */
export function thrownFault(f: () => unknown): VOSpaceFault {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(VOSpaceFault);
  return thrown as VOSpaceFault;
}

/** Runs `f`, which must throw the fault `name` with status 400 (a fault in the caller's input); returns it. */
export function expectFault(name: FaultName, f: () => unknown): VOSpaceFault {
  const e = thrownFault(f);
  expect(e.fault).toBe(name);
  expect(e.status).toBe(400);
  return e;
}
