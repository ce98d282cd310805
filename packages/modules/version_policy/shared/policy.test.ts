import { describe, expect, it } from 'vitest';

import {
  agentVersionSkew,
  defaultVersionPolicy,
  kubernetesVersionSupport,
  parseMinor,
  podsDisagree,
  supportedMinorsAt,
  type VersionPolicy,
} from './policy';
import { versionPolicySchema } from './policy-schema';
import policyJson from './version-policy.json' with { type: 'json' };

const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

// A small policy with round dates so the boundaries are easy to read.
const policy: VersionPolicy = {
  supportDelayMonths: 3,
  supportedMinorCount: 3,
  minors: [
    { minor: '1.10', released: '2020-01-10', endOfLife: '2021-03-01' },
    { minor: '1.11', released: '2020-05-10', endOfLife: '2021-07-01' },
    { minor: '1.12', released: '2020-09-10', endOfLife: '2021-11-01' },
    { minor: '1.13', released: '2021-01-10', endOfLife: '2022-03-01' },
    { minor: '1.14', released: '2021-05-10', endOfLife: '2022-07-01', projected: ['released'] },
  ],
};

describe('supportedMinorsAt', () => {
  it('supports a minor only from 3 months after its release', () => {
    expect(supportedMinorsAt(new Date('2021-04-09T23:59:59Z'), policy).map((m) => m.minor)).toEqual([
      '1.12',
      '1.11',
      '1.10',
    ]);
    expect(supportedMinorsAt(new Date('2021-04-10T00:00:00Z'), policy).map((m) => m.minor)).toEqual([
      '1.13',
      '1.12',
      '1.11',
    ]);
  });

  it('keeps three minors supported even when fewer have matured recently', () => {
    // 1.13 released but not mature; 1.10 stays supported although its upstream EOL passed.
    expect(supportedMinorsAt(at('2021-03-15'), policy).map((m) => m.minor)).toEqual(['1.12', '1.11', '1.10']);
  });

  it('supports fewer than three only when fewer than three have ever matured', () => {
    expect(supportedMinorsAt(at('2020-09-01'), policy).map((m) => m.minor)).toEqual(['1.11', '1.10']);
  });
});

describe('kubernetesVersionSupport', () => {
  it('calls a freshly released minor too new, then supported the day support starts', () => {
    const before = kubernetesVersionSupport('v1.13.2', new Date('2021-04-09T23:59:59Z'), policy);
    expect(before.status).toBe('too_new');
    expect(before.reason).toContain('supported from about 2021-04-10');
    const after = kubernetesVersionSupport('v1.13.2', new Date('2021-04-10T00:00:00Z'), policy);
    expect(after.status).toBe('supported');
    expect(after.reason).toContain('1.11–1.13');
  });

  it('drops the oldest minor the day a newer one matures', () => {
    expect(kubernetesVersionSupport('1.10', new Date('2021-04-09T23:59:59Z'), policy).status).toBe(
      'supported',
    );
    const dropped = kubernetesVersionSupport('1.10', new Date('2021-04-10T00:00:00Z'), policy);
    expect(dropped.status).toBe('unsupported');
    expect(dropped.reason).toContain('upgrade the cluster to 1.11–1.13');
  });

  it('calls a minor unknown to the policy and newer than all too new, and an older one unsupported', () => {
    expect(kubernetesVersionSupport('v1.99.0', at('2021-06-01'), policy).status).toBe('too_new');
    expect(kubernetesVersionSupport('v1.2.0', at('2021-06-01'), policy).status).toBe('unsupported');
  });

  it('marks an unreadable version unsupported and says what it expected', () => {
    const result = kubernetesVersionSupport('banana', at('2021-06-01'), policy);
    expect(result).toMatchObject({ status: 'unsupported', minor: null });
    expect(result.reason).toContain('expected e.g. v1.36.3');
  });

  it('says a projected release date is projected', () => {
    expect(kubernetesVersionSupport('1.14.0', at('2021-06-01'), policy).reason).toContain('(projected)');
  });

  it('uses the shipped policy: on 2026-11-25, 1.34–1.36 are supported and 1.37 is too new', () => {
    const day = at('2026-11-25');
    expect(supportedMinorsAt(day).map((m) => m.minor)).toEqual(['1.36', '1.35', '1.34']);
    expect(kubernetesVersionSupport('v1.36.3', day).status).toBe('supported');
    expect(kubernetesVersionSupport('v1.37.2', day).status).toBe('too_new');
    expect(kubernetesVersionSupport('v1.33.9', day).status).toBe('unsupported');
  });

  it('ships a policy file the schema accepts, and the schema names a bad field', () => {
    expect(versionPolicySchema.parse(policyJson).minors).toEqual(defaultVersionPolicy.minors);
    const bad = versionPolicySchema.safeParse({
      ...defaultVersionPolicy,
      minors: [{ minor: '1.x', released: 'soon' }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['minors.0.minor', 'minors.0.released', 'minors.0.endOfLife']),
    );
  });

  it('has every shipped minor released before its end of life, in order', () => {
    const minors = defaultVersionPolicy.minors;
    expect(minors.map((m) => m.minor)).toEqual([
      '1.28',
      '1.29',
      '1.30',
      '1.31',
      '1.32',
      '1.33',
      '1.34',
      '1.35',
      '1.36',
      '1.37',
      '1.38',
    ]);
    for (const m of minors) expect(Date.parse(m.released)).toBeLessThan(Date.parse(m.endOfLife));
  });
});

describe('parseMinor', () => {
  it('reads common version spellings', () => {
    expect(parseMinor('v1.36.3')).toEqual({ major: 1, minor: 36 });
    expect(parseMinor('1.36')).toEqual({ major: 1, minor: 36 });
    expect(parseMinor('v1.31.0+k3s1')).toEqual({ major: 1, minor: 31 });
    expect(parseMinor('v1.36.0-alpha.1')).toEqual({ major: 1, minor: 36 });
    expect(parseMinor('latest')).toBeNull();
  });
});

describe('agentVersionSkew', () => {
  it('allows the same minor and one minor either way', () => {
    expect(agentVersionSkew('v0.4.0', 'v0.4.7').ok).toBe(true);
    expect(agentVersionSkew('v0.3.9', 'v0.4.0').ok).toBe(true);
    expect(agentVersionSkew('v0.5.0', 'v0.4.0').ok).toBe(true);
  });

  it('refuses two minors apart and a different major, naming the version to install', () => {
    const old = agentVersionSkew('v0.2.0', 'v0.4.0');
    expect(old).toMatchObject({ ok: false });
    expect(old.reason).toContain('2 minors older than kas 0.4; install agentk 0.4');
    expect(agentVersionSkew('v1.4.0', 'v0.4.0').ok).toBe(false);
    expect(agentVersionSkew('dev', 'v0.4.0').ok).toBe(false);
  });
});

describe('podsDisagree', () => {
  it('flags pods on different versions and lists them', () => {
    expect(podsDisagree(['v0.4.0', 'v0.4.0'])).toMatchObject({ disagree: false, versions: ['v0.4.0'] });
    expect(podsDisagree([])).toMatchObject({ disagree: false, reason: 'No pods connected.' });
    const split = podsDisagree(['v0.4.0', 'v0.4.1', 'v0.4.0']);
    expect(split).toMatchObject({ disagree: true, versions: ['v0.4.0', 'v0.4.1'] });
  });
});
