import policyJson from './version-policy.json' with { type: 'json' };

// No zod here: this file is in every console page's script, and zod is ~110 KB of it. The shipped JSON is checked
// against versionPolicySchema (policy-schema.ts) by policy.test.ts, so a bad edit fails the tests.

export interface PolicyMinor {
  /** e.g. "1.36" */
  minor: string;
  /** YYYY-MM-DD */
  released: string;
  /** YYYY-MM-DD */
  endOfLife: string;
  /** Which of the dates had not happened or were not confirmed when the file was written. */
  projected?: ('released' | 'endOfLife')[];
}

export interface VersionPolicy {
  supportDelayMonths: number;
  supportedMinorCount: number;
  minors: PolicyMinor[];
}

/** The policy shipped with Mooring. */
export const defaultVersionPolicy = policyJson as VersionPolicy;

export type SupportStatus = 'supported' | 'too_new' | 'unsupported';

export interface KubernetesVersionSupport {
  status: SupportStatus;
  /** One sentence a user can act on. */
  reason: string;
  /** `1.36` for `v1.36.3+k3s1`; null when the version could not be read. */
  minor: string | null;
  /** The minors supported on the given date, newest first. */
  supportedMinors: string[];
}

interface ParsedMinor {
  major: number;
  minor: number;
}

/** Reads `v1.36.3`, `1.36`, `v1.36.3-kwok+abc`; null for anything else. */
export function parseMinor(version: string): ParsedMinor | null {
  const match = /^v?(\d+)\.(\d+)(?:[.\-+].*)?$/.exec(version.trim());
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function compareMinor(a: ParsedMinor, b: ParsedMinor): number {
  return a.major - b.major || a.minor - b.minor;
}

function addMonthsUtc(iso: string, months: number): number {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The minors supported at `date`: the newest `supportedMinorCount` minors whose release is at least
 * `supportDelayMonths` old. Taking the newest N of the mature ones keeps at least N supported at all times
 * (an old minor stays supported until a newer one matures to replace it).
 */
export function supportedMinorsAt(date: Date, policy: VersionPolicy = defaultVersionPolicy): PolicyMinor[] {
  const now = date.getTime();
  return [...policy.minors]
    .filter((m) => addMonthsUtc(m.released, policy.supportDelayMonths) <= now)
    .sort((a, b) => compareMinor(parseMinor(b.minor)!, parseMinor(a.minor)!))
    .slice(0, policy.supportedMinorCount);
}

/** When a minor becomes supported: `supportDelayMonths` after its release. */
export function supportStartOf(minor: PolicyMinor, policy: VersionPolicy = defaultVersionPolicy): string {
  return isoOf(addMonthsUtc(minor.released, policy.supportDelayMonths));
}

export function kubernetesVersionSupport(
  version: string,
  date: Date,
  policy: VersionPolicy = defaultVersionPolicy,
): KubernetesVersionSupport {
  const supported = supportedMinorsAt(date, policy);
  const supportedMinors = supported.map((m) => m.minor);
  const parsed = parseMinor(version);
  const range = supportedMinors.length ? `${supportedMinors.at(-1)}–${supportedMinors[0]}` : 'none';
  if (!parsed) {
    return {
      status: 'unsupported',
      reason: `Kubernetes version "${version}" could not be read (expected e.g. v1.36.3); supported minors are ${range}.`,
      minor: null,
      supportedMinors,
    };
  }
  const minor = `${parsed.major}.${parsed.minor}`;
  const entry = policy.minors.find((m) => m.minor === minor);
  if (supportedMinors.includes(minor)) {
    const eol = entry
      ? `; upstream end of life ${entry.endOfLife}${entry.projected?.includes('endOfLife') ? ' (projected)' : ''}`
      : '';
    return {
      status: 'supported',
      reason: `Kubernetes ${minor} is supported (supported minors: ${range})${eol}.`,
      minor,
      supportedMinors,
    };
  }
  const newest = supported[0];
  if (!newest || compareMinor(parsed, parseMinor(newest.minor)!) > 0) {
    const when = entry
      ? `it was released ${entry.released}${entry.projected?.includes('released') ? ' (projected)' : ''} and is supported from about ${supportStartOf(entry, policy)}`
      : 'it is newer than every minor in the version policy';
    return {
      status: 'too_new',
      reason: `Kubernetes ${minor} is too new: ${when}; supported minors are ${range}.`,
      minor,
      supportedMinors,
    };
  }
  const upstream = entry ? ` (upstream end of life ${entry.endOfLife})` : '';
  return {
    status: 'unsupported',
    reason: `Kubernetes ${minor} is no longer supported${upstream}; upgrade the cluster to ${range}.`,
    minor,
    supportedMinors,
  };
}

export interface SkewResult {
  ok: boolean;
  reason: string;
}

/** agentk should run kas's minor, or one minor older or newer. */
export function agentVersionSkew(agentVersion: string, kasVersion: string): SkewResult {
  const agent = parseMinor(agentVersion);
  const kas = parseMinor(kasVersion);
  if (!agent)
    return { ok: false, reason: `agentk version "${agentVersion}" could not be read; expected e.g. v0.4.1.` };
  if (!kas) return { ok: false, reason: `kas version "${kasVersion}" could not be read.` };
  const a = `${agent.major}.${agent.minor}`;
  const k = `${kas.major}.${kas.minor}`;
  if (agent.major !== kas.major) {
    return { ok: false, reason: `agentk ${a} and kas ${k} differ in major version; install agentk ${k}.` };
  }
  const distance = agent.minor - kas.minor;
  if (Math.abs(distance) <= 1) {
    return {
      ok: true,
      reason:
        distance === 0 ? `agentk ${a} matches kas ${k}.` : `agentk ${a} is within one minor of kas ${k}.`,
    };
  }
  const direction = distance < 0 ? 'older' : 'newer';
  return {
    ok: false,
    reason: `agentk ${a} is ${Math.abs(distance)} minors ${direction} than kas ${k}; install agentk ${k} (one minor either way is allowed).`,
  };
}

export interface PodsDisagreeResult {
  disagree: boolean;
  /** Distinct versions, in first-seen order. */
  versions: string[];
  reason: string;
}

/** Flags an agent whose pods run different versions (usually a rollout stuck half-way). */
export function podsDisagree(versions: readonly string[]): PodsDisagreeResult {
  const distinct = [...new Set(versions.map((v) => v.trim()).filter((v) => v.length > 0))];
  if (distinct.length <= 1) {
    return {
      disagree: false,
      versions: distinct,
      reason: distinct.length ? `All pods run ${distinct[0]}.` : 'No pods connected.',
    };
  }
  return {
    disagree: true,
    versions: distinct,
    reason: `Pods run different versions (${distinct.join(', ')}); a rollout may be stuck — check the agentk Deployment.`,
  };
}
