import { describe, expect, it } from 'vitest';
import { parseKubeCliArgs } from './args';

describe('parseKubeCliArgs', () => {
  it('takes --version (after pnpm\'s "--"), --version=, or MOORING_KUBE_VERSION; the default otherwise', () => {
    expect(parseKubeCliArgs(['--', '--version', '1.37'], {}, { allowAll: false }).pin.kubernetes).toBe(
      'v1.37.2',
    );
    expect(parseKubeCliArgs(['--version=1.35'], {}, { allowAll: false }).pin.kubernetes).toBe('v1.35.4');
    expect(parseKubeCliArgs([], { MOORING_KUBE_VERSION: '1.37' }, { allowAll: false }).pin.minor).toBe(
      '1.37',
    );
    expect(parseKubeCliArgs([], {}, { allowAll: false }).pin.minor).toBe('1.36');
  });

  it('refuses an unknown argument, --all where it means nothing, and an unpinned version', () => {
    expect(() => parseKubeCliArgs(['--nodes', '3'], {}, { allowAll: true })).toThrow(
      'unknown argument "--nodes"',
    );
    expect(() => parseKubeCliArgs(['--all'], {}, { allowAll: false })).toThrow('unknown argument "--all"');
    expect(parseKubeCliArgs(['--all'], {}, { allowAll: true }).all).toBe(true);
    expect(() => parseKubeCliArgs(['--version'], {}, { allowAll: false })).toThrow('--version needs a minor');
    expect(() => parseKubeCliArgs(['--version', '1.99'], {}, { allowAll: false })).toThrow('is not pinned');
  });
});
