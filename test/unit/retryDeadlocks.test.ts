/** retryDeadlocks: a transaction PostgreSQL rolled back to end a deadlock runs again, up to three runs; nothing else is run again. */
import { PG_DEADLOCK_DETECTED, PG_UNIQUE_VIOLATION, retryDeadlocks } from '../../src/db/errors';

const failing = (code: string, times: number) => {
  let runs = 0;
  const transaction = async () => {
    runs++;
    if (runs <= times) throw Object.assign(new Error(code), { code });
    return `done after ${runs}`;
  };
  return { transaction, runs: () => runs };
};

test('a deadlock victim runs again and its result comes back', async () => {
  const f = failing(PG_DEADLOCK_DETECTED, 2);
  await expect(retryDeadlocks(f.transaction)).resolves.toBe('done after 3');
  expect(f.runs()).toBe(3);
});

test('after three deadlocks in a row the last one is thrown', async () => {
  const f = failing(PG_DEADLOCK_DETECTED, 5);
  await expect(retryDeadlocks(f.transaction)).rejects.toMatchObject({ code: PG_DEADLOCK_DETECTED });
  expect(f.runs()).toBe(3);
});

test('any other error is thrown at once', async () => {
  const f = failing(PG_UNIQUE_VIOLATION, 1);
  await expect(retryDeadlocks(f.transaction)).rejects.toMatchObject({ code: PG_UNIQUE_VIOLATION });
  expect(f.runs()).toBe(1);
});
