import { describe, expect, it } from 'vitest';
import { KeyedSemaphore, Semaphore } from '../../../src/server/net/semaphore.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('never lets more than `limit` holders in, and serves waiters in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((n) =>
      semaphore.use(async () => {
        inside++;
        most = Math.max(most, inside);
        order.push(n);
        await new Promise<void>((resolve) => gates.push(resolve));
        inside--;
      }),
    );
    for (let i = 0; i < 5; i++) {
      await tick();
      gates.shift()?.();
    }
    await Promise.all(tasks);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(semaphore.active).toBe(0);
  });

  it('ignores a second release of the same slot', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    release();
    release();
    expect(semaphore.active).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.active).toBe(1);
    again();
  });

  it('frees the slot when the task throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(semaphore.active).toBe(0);
  });
});

describe('KeyedSemaphore', () => {
  it('limits each key separately and forgets idle keys', async () => {
    const keyed = new KeyedSemaphore(1);
    const a1 = await keyed.acquire('a.example');
    const b1 = await keyed.acquire('b.example');
    let a2Granted = false;
    const a2 = keyed.acquire('a.example').then((release) => {
      a2Granted = true;
      return release;
    });
    await tick();
    expect(a2Granted).toBe(false);
    a1();
    (await a2)();
    b1();
    expect(keyed.size).toBe(0);
  });
});
