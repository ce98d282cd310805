import { describe, expect, it } from 'vitest';

import { describeAccess } from './access';

describe('describeAccess', () => {
  it('lists CI and user access with what they act as and where', () => {
    const rows = describeAccess(`ci_access:
  projects:
    - id: platform/web
      default_namespace: web
      environments: [prod, "review/*"]
  groups:
    - id: platform
user_access:
  access_as:
    user: {}
  projects:
    - id: platform/ops
`);
    expect(rows).toEqual([
      {
        kind: 'ci_access',
        targetType: 'project',
        targetPath: 'platform/web',
        accessAs: 'agent',
        scope: 'namespace web; environments prod, review/*',
      },
      { kind: 'ci_access', targetType: 'group', targetPath: 'platform', accessAs: 'agent', scope: '' },
      { kind: 'user_access', targetType: 'project', targetPath: 'platform/ops', accessAs: 'user', scope: '' },
    ]);
  });

  it('answers null for YAML the schema refuses', () => {
    expect(describeAccess('ci_access: 3')).toBeNull();
  });
});
