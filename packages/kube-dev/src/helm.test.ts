import { describe, expect, it } from 'vitest';
import { helmBuildSteps, helmCacheDir, helmVersion } from './helm';

describe('the helm build', () => {
  it('reads the version from the wrapper go.mod and refuses a go.mod without it', () => {
    expect(helmVersion()).toMatch(/^v4\.\d+\.\d+$/);
    expect(helmVersion('module x\n\nrequire helm.sh/helm/v4 v4.9.1\n')).toBe('v4.9.1');
    expect(() => helmVersion('module x\n')).toThrow(/require helm\.sh\/helm\/v4 v4\.X\.Y/);
  });

  it('caches per version under MOORING_HELM_CACHE or ~/.cache/mooring/helm', () => {
    expect(helmCacheDir({ MOORING_HELM_CACHE: '/c' }, 'v4.3.2')).toBe('/c/v4.3.2');
    expect(helmCacheDir({}, 'v4.3.2')).toMatch(/\.cache\/mooring\/helm\/v4\.3\.2$/);
  });

  it('downloads, then compiles with the local toolchain and the release version stamped', () => {
    const [download, build] = helmBuildSteps('v4.3.2', '/tmp/out');
    expect(download!.args).toEqual(['mod', 'download']);
    for (const step of [download!, build!]) expect(step.env.GOTOOLCHAIN).toBe('local');
    expect(build!.args).toContain('helm.sh/helm/v4/cmd/helm');
    expect(build!.args.join(' ')).toContain('-X helm.sh/helm/v4/internal/version.version=v4.3.2');
    expect(build!.label).toBe('helm v4.3.2');
  });
});
