import { afterEach, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '@mooring/modules/agent_configuration/shared/parse-config';
import { createConfigValidator, type ConfigValidator } from './config-validator';
import { RateLimitedError } from './errors';

/** Above the inline size: validated by a worker. (Worker start-up under a loaded CPU is slow.) */
const large = `observability:\n${Array.from({ length: 1_000 }, (_, i) => ` k${i.toString(36)}: {}`).join('\n')}\n`;

let validator: ConfigValidator | undefined;
afterEach(async () => {
  await validator?.close();
  validator = undefined;
});

describe('config validator', { timeout: 60_000 }, () => {
  it('validates large texts in a worker thread with the same answer as inline', async () => {
    validator = createConfigValidator({ threads: 1 });
    const pending = validator.validate(large);
    expect(validator.load()).toEqual({ running: 1, queued: 0, threads: 1 });
    expect(await pending).toEqual(parseAgentConfig(large));
    const valid = `object_watch:\n  resources: [${Array.from({ length: 400 }, (_, i) => `r${i}`).join(', ')}]\n${'#'.repeat(5000)}\n`;
    expect(await validator.validate(valid)).toMatchObject({ ok: true });
    // Small texts never wait for a thread.
    expect(await validator.validate('flux: {}')).toEqual({ ok: true, config: { flux: {} } });
  });

  it('runs at most `threads` at once, queues at most `maxQueued` and refuses the rest', async () => {
    validator = createConfigValidator({ threads: 2, maxQueued: 3 });
    const accepted = Array.from({ length: 5 }, () => validator!.validate(large));
    expect(validator.load()).toEqual({ running: 2, queued: 3, threads: 2 });
    await expect(validator.validate(large)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(validator.validate(large)).rejects.toThrow(/retry in a few seconds/);
    const results = await Promise.all(accepted);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(validator.load()).toEqual({ running: 0, queued: 0, threads: 2 });
  });

  it('fails the waiting validations when closed', async () => {
    validator = createConfigValidator({ threads: 1, maxQueued: 4 });
    const running = validator.validate(large).catch((err: unknown) => err as Error);
    const waiting = validator.validate(large).catch((err: unknown) => err as Error);
    await validator.close();
    expect(await waiting).toMatchObject({ message: expect.stringMatching(/kas is stopping/) });
    expect(await running).toMatchObject({ message: expect.stringMatching(/worker/) });
    await expect(validator.validate('flux: {}')).rejects.toThrow(/closed/);
  });
});
