import { describe, expect, it } from 'vitest';
import { parseReplicasArgs, ReplicasArgsError } from './replicas-args';

describe('parseReplicasArgs', () => {
  it('reads --replicas N and --replicas=N, ignoring the -- pnpm passes along', () => {
    expect(parseReplicasArgs([])).toEqual({ replicas: undefined });
    expect(parseReplicasArgs(['--', '--replicas', '2'])).toEqual({ replicas: 2 });
    expect(parseReplicasArgs(['--replicas=5'])).toEqual({ replicas: 5 });
    expect(parseReplicasArgs(['--replicas', '1'])).toEqual({ replicas: 1 });
  });

  it.each([
    [['--replicas', '0'], 'at least 1'],
    [['--replicas', '6'], 'at most 5'],
    [['--replicas', '1.5'], 'whole number'],
    [['--replicas', 'two'], 'from 1 to 5'],
    [['--replicas='], 'from 1 to 5'],
    [['--replicas'], 'needs a number'],
    [['--replica', '2'], 'unknown argument "--replica"'],
  ])('refuses %j naming the fix', (argv, message) => {
    expect(() => parseReplicasArgs(argv)).toThrow(ReplicasArgsError);
    expect(() => parseReplicasArgs(argv)).toThrow(message);
  });
});
