import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describeWithDatabases } from '@mooring/db/testing/backends';
import { agentActivity, agentAuthorizations, agentTokens, receptiveEndpoints } from '@mooring/db';
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { AgentConfigRejectedError } from './agent-configs';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import { buildWorld, uniq, type World } from './testing/fixtures';

describeWithDatabases('agents, tokens, configuration, connections', ({ database }) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(database().db);
  });
  const newAgent = (name = uniq('a').toLowerCase()) =>
    w.services.agents.register(w.actors.maintainer, { projectId: w.projectId, name });

  it('registers agents with DNS-label names unique per project', async () => {
    const a = await newAgent('prod-cluster');
    expect(a).toMatchObject({ name: 'prod-cluster', receptive: false, projectId: w.projectId });
    await expect(newAgent('prod-cluster')).rejects.toThrow(
      /an agent named prod-cluster already exists in project .*; choose another name/,
    );
    for (const bad of ['Prod', '-x', 'x-', 'a_b', 'a'.repeat(64), "x'; drop table agents;--", 'ünï', '']) {
      const e = await newAgent(bad).catch((x: unknown) => x);
      expect(e, bad).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).field).toBe('name');
    }
    await expect(newAgent('a'.repeat(63))).resolves.toBeTruthy();
    await expect(w.services.agents.get(w.actors.developer, a.id)).resolves.toMatchObject({ id: a.id });
    await expect(w.services.agents.get(w.actors.reporter, a.id)).rejects.toThrow(
      /viewing agents needs the Developer role/,
    );
    await expect(w.services.agents.get(w.actors.outsider, a.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('shows a token once, stores it hashed, and allows at most 2 active per agent', async () => {
    const agent = await newAgent();
    const first = await w.services.agentTokens.create(w.actors.maintainer, agent.id, {
      name: 'one',
      description: 'first',
    });
    expect(first.token).toMatch(/^mgt-[A-Za-z0-9]{50}$/);
    const [row] = await database().db.select().from(agentTokens).where(eq(agentTokens.id, first.info.id));
    expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(first.token.slice(4));
    const listed = await w.services.agentTokens.list(w.actors.developer, agent.id);
    expect(JSON.stringify(listed)).not.toContain(first.token.slice(4));
    expect(listed[0]).toMatchObject({
      name: 'one',
      description: 'first',
      status: 'active',
      createdBy: w.actors.maintainer.userId,
    });

    await w.services.agentTokens.create(w.actors.maintainer, agent.id, { name: 'two' });
    const third = await w.services.agentTokens
      .create(w.actors.maintainer, agent.id, { name: 'three' })
      .catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ConflictError);
    expect((third as Error).message).toBe(
      `agent ${agent.name} already has 2 active tokens; revoke one (one, two) before creating another`,
    );

    await w.services.agentTokens.revoke(w.actors.maintainer, first.info.id);
    await expect(
      w.services.agentTokens.create(w.actors.maintainer, agent.id, { name: 'three' }),
    ).resolves.toBeTruthy();
    await expect(w.services.agentTokens.revoke(w.actors.maintainer, first.info.id)).rejects.toThrow(
      /already revoked/,
    );
  });

  it('holds the 2-token limit under concurrent creates and keeps unicode token names verbatim', async () => {
    const agent = await newAgent();
    const names = Array.from({ length: 6 }, (_, i) => `tök ${i} 🚀 '); drop table agent_tokens;--`);
    const results = await Promise.allSettled(
      names.map((name) => w.services.agentTokens.create(w.actors.maintainer, agent.id, { name })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    const listed = await w.services.agentTokens.list(w.actors.maintainer, agent.id);
    expect(listed).toHaveLength(2);
    for (const t of listed) expect(names).toContain(t.name);
  });

  it('refuses token creation to a reporter with a reason, and to an outsider as not found', async () => {
    const agent = await newAgent();
    const e = await w.services.agentTokens
      .create(w.actors.reporter, agent.id, { name: 'x' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as Error).message).toMatch(
      /^creating agent tokens needs the Maintainer role in project .*; you are Reporter/,
    );
    await expect(
      w.services.agentTokens.create(w.actors.developer, agent.id, { name: 'x' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      w.services.agentTokens.create(w.actors.outsider, agent.id, { name: 'x' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await w.services.agentTokens.list(w.admin, agent.id)).toEqual([]);
  });

  it('verifies tokens from memory, rejects revoked ones at once and tells subscribers', async () => {
    const agent = await newAgent();
    const { token, info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, {
      name: 'hot',
    });
    const before = w.services.agentTokens.stats().dbLookups;
    const v = await w.services.agentTokens.verify(token);
    expect(v).toEqual({ agentId: agent.id, tokenId: info.id, projectId: w.projectId });
    for (let i = 0; i < 20; i++) await w.services.agentTokens.verify(token);
    expect(w.services.agentTokens.stats().dbLookups - before).toBe(1);

    // Unknown tokens are cached negatively; malformed ones never reach the DB.
    const unknown = `mgt-${'Z'.repeat(50)}`;
    await w.services.agentTokens.verify(unknown);
    await w.services.agentTokens.verify(unknown);
    await w.services.agentTokens.verify('not-a-token');
    expect(w.services.agentTokens.stats().dbLookups - before).toBe(2);

    // last_used_at: batched, written on flush.
    expect(
      (await database().db.select().from(agentTokens).where(eq(agentTokens.id, info.id)))[0]!.lastUsedAt,
    ).toBeNull();
    await w.services.agentTokens.flushLastUsed();
    expect(
      (await database().db.select().from(agentTokens).where(eq(agentTokens.id, info.id)))[0]!.lastUsedAt,
    ).toEqual(w.clock.now());

    const revoked: number[] = [];
    const unsubscribe = w.services.agentTokens.onRevoked((e) => revoked.push(e.tokenId));
    await w.services.agentTokens.revoke(w.actors.maintainer, info.id);
    unsubscribe();
    expect(revoked).toEqual([info.id]);
    expect(await w.services.agentTokens.verify(token)).toBeNull();
  });

  it('lets another process see a revocation once its positive TTL passes', async () => {
    const agent = await newAgent();
    const { token, info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, { name: 'x' });
    const otherKas = await buildWorld(database().db); // a second kas on the same database
    const other = otherKas.services;
    expect(await other.agentTokens.verify(token)).not.toBeNull();
    await w.services.agentTokens.revoke(w.actors.maintainer, info.id);
    expect(await w.services.agentTokens.verify(token)).toBeNull();
    expect(await other.agentTokens.verify(token)).not.toBeNull(); // still cached there
    otherKas.clock.advance(6000);
    expect(await other.agentTokens.verify(token)).toBeNull();
  });

  it('deleting an agent revokes its tokens first', async () => {
    const agent = await newAgent();
    const { token, info } = await w.services.agentTokens.create(w.actors.maintainer, agent.id, { name: 'x' });
    expect(await w.services.agentTokens.verify(token)).not.toBeNull();
    const revoked: number[] = [];
    const deleted: number[] = [];
    const u1 = w.services.agentTokens.onRevoked((e) => revoked.push(e.tokenId));
    const u2 = w.services.events.agentDeleted.subscribe((e) => deleted.push(e.agentId));
    await expect(w.services.agents.delete(w.actors.reporter, agent.id)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await w.services.agents.delete(w.actors.maintainer, agent.id);
    u1();
    u2();
    expect(revoked).toEqual([info.id]);
    expect(deleted).toEqual([agent.id]);
    expect(await w.services.agentTokens.verify(token)).toBeNull();
    const audit = await w.services.audit.list(w.admin, {
      targetType: 'agent',
      targetId: String(agent.id),
      action: 'agent.delete',
    });
    expect(audit[0]!.details).toMatchObject({ revokedTokenIds: [info.id] });
  });

  it('stores config versions, rejects invalid ones with lines and fields, keeps the last good one', async () => {
    const agent = await newAgent();
    const changes: number[] = [];
    const unsub = w.services.agentConfigs.onChanged((e) => e.agentId === agent.id && changes.push(e.version));
    const v1 = await w.services.agentConfigs.save(
      w.actors.maintainer,
      agent.id,
      'ci_access:\n  projects:\n    - id: group/app\n      access_as: {ci_job: {}}\n',
    );
    expect(v1.version).toBe(1);
    const auths = await database()
      .db.select()
      .from(agentAuthorizations)
      .where(eq(agentAuthorizations.agentId, agent.id));
    expect(auths).toMatchObject([
      { kind: 'ci_access', targetType: 'project', targetPath: 'group/app', configVersion: 1 },
    ]);

    const bad = await w.services.agentConfigs
      .save(
        w.actors.maintainer,
        agent.id,
        'observability:\n  logging:\n    level: loud\nobject_watch:\n  resourcez: []\n',
      )
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AgentConfigRejectedError);
    const rejected = bad as AgentConfigRejectedError;
    expect(rejected.version).toBe(2);
    expect(rejected.errors.map((e) => [e.line, e.path])).toEqual([
      [3, 'observability.logging.level'],
      [5, 'object_watch.resourcez'],
    ]);
    expect(rejected.message).toMatch(/line 3, column 12, observability\.logging\.level/);
    expect(rejected.field).toBe('yaml.observability.logging.level');
    expect((await w.services.agentConfigs.getLive(w.actors.developer, agent.id))?.version).toBe(1);

    // 129 KiB: rejected, not stored.
    const huge = `# ${'x'.repeat(129 * 1024)}\n`;
    const tooBig = await w.services.agentConfigs
      .save(w.actors.maintainer, agent.id, huge)
      .catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(AgentConfigRejectedError);
    expect((tooBig as AgentConfigRejectedError).version).toBeNull();
    expect((tooBig as Error).message).toMatch(/the limit is 128 KiB/);

    const v3 = await w.services.agentConfigs.save(
      w.actors.maintainer,
      agent.id,
      'ci_access:\n  projects:\n    - id: group/app2\n      access_as: {ci_job: {}}\n',
    );
    expect(v3.version).toBe(3);
    const history = await w.services.agentConfigs.history(w.actors.developer, agent.id);
    expect(history.map((h) => [h.version, h.valid])).toEqual([
      [3, true],
      [2, false],
      [1, true],
    ]);
    expect(history[1]!.errors).toHaveLength(2);
    const diff = await w.services.agentConfigs.diff(w.actors.developer, agent.id, 1, 3);
    expect(diff.lines.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: '    - id: group/app', oldLine: 3 },
      { op: '+', text: '    - id: group/app2', newLine: 3 },
    ]);
    expect(diff.unified).toContain('+    - id: group/app2');
    await expect(w.services.agentConfigs.diff(w.actors.developer, agent.id, 1, 99)).rejects.toThrow(
      /no configuration version 99/,
    );
    await expect(w.services.agentConfigs.save(w.actors.developer, agent.id, '')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    unsub();
    expect(changes).toEqual([1, 3]);

    const activity = await w.services.agentActivity.list(w.actors.developer, agent.id);
    expect(activity.map((a) => a.kind)).toEqual([
      'config_applied',
      'config_rejected',
      'config_rejected',
      'config_applied',
    ]);
  });

  it('tracks connections per pod and records connect/disconnect transitions only', async () => {
    const agent = await newAgent();
    const pod = { agentId: agent.id, podNamespace: 'mooring', podName: 'agentk-0' };
    const first = await w.services.agentConnections.record({
      ...pod,
      agentVersion: 'v0.1.0',
      kubernetesVersion: 'v1.36.0',
      kasReplica: 'kas-a',
      commit: 'abc',
    });
    expect(first.newlyConnected).toBe(true);
    w.clock.advance(300_000);
    expect((await w.services.agentConnections.record({ ...pod, configVersion: 4 })).newlyConnected).toBe(
      false,
    );
    const [conn] = await w.services.agentConnections.list(w.actors.developer, agent.id);
    expect(conn).toMatchObject({
      agentVersion: 'v0.1.0',
      kubernetesVersion: 'v1.36.0',
      kasReplica: 'kas-a',
      configVersion: 4,
      lastSeenAt: w.clock.now(),
    });
    await w.services.agentConnections.markDisconnected(pod, 'stream closed');
    expect(await w.services.agentConnections.list(w.actors.developer, agent.id)).toEqual([]);
    expect((await w.services.agentConnections.record(pod)).newlyConnected).toBe(true);
    w.clock.advance(20 * 60_000);
    expect(await w.services.agentConnections.expireStale(15 * 60_000)).toBe(1);
    const kinds = (await w.services.agentActivity.list(w.actors.developer, agent.id)).map((a) => a.kind);
    expect(kinds).toEqual(['agent_disconnected', 'agent_connected', 'agent_disconnected', 'agent_connected']);
  });

  it('records a pod first reported by concurrent calls once (its Register and its first configuration race)', async () => {
    const agent = await newAgent();
    const pod = { agentId: agent.id, podNamespace: 'mooring', podName: 'agentk-race' };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => w.services.agentConnections.record({ ...pod, kasReplica: 'kas-a' })),
    );
    expect(results.filter((r) => r.newlyConnected)).toHaveLength(1);
    expect(new Set(results.map((r) => r.connectionId)).size).toBe(1);
    const kinds = (await w.services.agentActivity.list(w.actors.developer, agent.id)).map((a) => a.kind);
    expect(kinds).toEqual(['agent_connected']);
  });

  it('keeps the newest 200 activity events per agent', async () => {
    const agent = await newAgent();
    for (let i = 0; i < 105; i++) {
      await w.services.agentConnections.record({ agentId: agent.id, podNamespace: 'ns', podName: `p${i}` });
      await w.services.agentConnections.markDisconnected({
        agentId: agent.id,
        podNamespace: 'ns',
        podName: `p${i}`,
      });
    }
    const rows = await database().db.select().from(agentActivity).where(eq(agentActivity.agentId, agent.id));
    expect(rows).toHaveLength(200);
    const newest = await w.services.agentActivity.list(w.actors.developer, agent.id, { limit: 1 });
    expect(newest[0]).toMatchObject({ kind: 'agent_disconnected', details: { pod: 'ns/p104' } });
  });

  it('saves receptive endpoints with an encrypted Ed25519 key or mTLS material', async () => {
    const agent = await newAgent();
    await expect(
      w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
        url: 'http://x:1',
        auth: { type: 'jwt' },
      }),
    ).rejects.toThrow(/url must start with grpc:\/\/ or grpcs:\/\//);
    await expect(
      w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
        url: 'grpcs://user:pw@agent.example.com:8082',
        auth: { type: 'jwt' },
      }),
    ).rejects.toThrow(/must not contain credentials/);
    const saved = await w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
      url: 'grpcs://agent.example.com:8082',
      auth: { type: 'jwt' },
    });
    expect(saved.jwtPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const [row] = await database()
      .db.select()
      .from(receptiveEndpoints)
      .where(eq(receptiveEndpoints.agentId, agent.id));
    expect(row!.jwtPrivateKeyEncrypted).toMatch(/^v1\./);
    expect(row!.jwtPrivateKeyEncrypted).not.toContain('PRIVATE KEY');
    const creds = await w.services.receptiveEndpoints.credentials(agent.id);
    expect(creds?.jwtPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await w.services.agents.get(w.actors.developer, agent.id)).receptive).toBe(true);
    const jwt = (await w.services.receptiveEndpoints.signJwt(agent.id, { ttlSeconds: 30 }))!;
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    expect(
      verify(
        null,
        Buffer.from(`${h}.${p}`),
        createPublicKey(saved.jwtPublicKey!),
        Buffer.from(sig, 'base64url'),
      ),
    ).toBe(true);
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toMatchObject({
      sub: `agent:${agent.id}`,
      aud: 'mooring-agentk',
    });
    // Re-saving keeps the key unless asked to rotate.
    const again = await w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
      url: 'grpc://127.0.0.1:8082',
      auth: { type: 'jwt' },
    });
    expect(again.jwtPublicKey).toBe(saved.jwtPublicKey);

    await expect(
      w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
        url: 'grpcs://a:1',
        auth: { type: 'mtls', clientCert: 'nope', clientKey: 'nope' },
      }),
    ).rejects.toThrow(/auth\.clientCert is not a valid PEM certificate/);
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(
      w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
        url: 'grpcs://a:1',
        auth: { type: 'mtls', clientCert: key, clientKey: key },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      w.services.receptiveEndpoints.save(w.actors.developer, agent.id, {
        url: 'grpc://a:1',
        auth: { type: 'jwt' },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      w.services.receptiveEndpoints.validate(w.actors.developer, agent.id, {
        url: '',
        auth: { type: 'jwt' },
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);

    // mTLS: validate reports every field; a pair saves; a new certificate must match the key kas keeps.
    const [mine, other] = [
      generateSelfSignedTls(['a.example.com']),
      generateSelfSignedTls(['b.example.com']),
    ];
    expect(
      Object.keys(
        await w.services.receptiveEndpoints.validate(w.actors.maintainer, agent.id, {
          url: 'grpcs://a:0',
          auth: { type: 'mtls', clientCert: mine.certPem, clientKey: other.keyPem, serverName: 'no such!' },
        }),
      ).sort(),
    ).toEqual(['auth.clientKey', 'auth.serverName', 'url']);
    const mtls = await w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
      url: 'grpcs://Agent.Example.com:8082/',
      auth: { type: 'mtls', clientCert: mine.certPem, clientKey: mine.keyPem, caCert: mine.caPem },
    });
    expect(mtls).toMatchObject({ url: 'grpcs://agent.example.com:8082', mtls: { hasClientKey: true } });
    await expect(
      w.services.receptiveEndpoints.save(w.actors.maintainer, agent.id, {
        url: 'grpcs://agent.example.com:8082',
        auth: { type: 'mtls', clientCert: other.certPem },
      }),
    ).rejects.toThrow(/does not match the key kas holds/);
    expect(
      await w.services.receptiveEndpoints.validate(w.actors.maintainer, agent.id, {
        url: 'grpcs://agent.example.com:8082',
        auth: { type: 'mtls', clientCert: mine.certPem },
      }),
    ).toEqual({});

    await w.services.receptiveEndpoints.delete(w.actors.maintainer, agent.id);
    expect(await w.services.receptiveEndpoints.get(w.actors.developer, agent.id)).toBeNull();
  });

  it('grants proxy access to users and CI jobs per the live config', async () => {
    const agent = await newAgent();
    const dev = { id: w.actors.developer.userId!, username: w.actors.developer.username, isAdmin: false };
    const rep = { id: w.actors.reporter.userId!, username: w.actors.reporter.username, isAdmin: false };
    expect(await w.services.agentAccess.forUser(dev, agent.id, 'session_cookie')).toMatchObject({
      kind: 'user',
      accessAs: { agent: {} },
    });
    expect(await w.services.agentAccess.forUser(rep, agent.id, 'session_cookie')).toBeNull();
    expect(await w.services.agentAccess.forUser(dev, 999_999, 'session_cookie')).toBeNull();

    const project = await w.services.projects.get(w.admin, w.projectId);
    await w.services.agentConfigs.save(
      w.actors.maintainer,
      agent.id,
      `user_access:\n  access_as: {user: {}}\n  projects: [{id: ${project.fullPath}}]\nci_access:\n  projects:\n    - id: ${project.fullPath}\n      environments: ["review/*"]\n      default_namespace: review\n      access_as: {ci_job: {}}\n`,
    );
    expect(await w.services.agentAccess.forUser(dev, agent.id, 'personal_access_token')).toEqual({
      kind: 'user',
      agentId: agent.id,
      configProjectId: w.projectId,
      accessType: 'personal_access_token',
      user: { id: dev.id, username: dev.username },
      accessAs: { user: {} },
      projects: [{ id: w.projectId, roles: ['developer'] }],
      groups: [],
    });

    const minted = await w.services.ciJobTokens.mint(w.actors.maintainer, {
      projectId: w.projectId,
      jobId: '42',
      environment: 'review/feat-1',
      environmentTier: 'development',
    });
    expect(minted.token).toMatch(/^mcj-[A-Za-z0-9]{40}$/);
    const job = await w.services.ciJobTokens.verify(minted.token);
    expect(job).toMatchObject({ projectId: w.projectId, jobId: '42', environment: 'review/feat-1' });
    expect(await w.services.agentAccess.forCiJob(job!, agent.id)).toEqual({
      kind: 'ci_job',
      agentId: agent.id,
      configProjectId: w.projectId,
      job: { id: '42' },
      project: { id: w.projectId, ancestorGroupIds: [w.groupId] },
      environment: { name: 'review/feat-1', tier: 'development' },
      user: { id: w.actors.maintainer.userId, username: w.actors.maintainer.username },
      defaultNamespace: 'review',
      accessAs: { ci_job: {} },
    });
    // A prod job of the same project matches no entry; as the config has ci_access, it gets nothing.
    const prod = await w.services.ciJobTokens.verify(
      (
        await w.services.ciJobTokens.mint(w.actors.maintainer, {
          projectId: w.projectId,
          jobId: '43',
          environment: 'prod',
        })
      ).token,
    );
    expect(await w.services.agentAccess.forCiJob(prod!, agent.id)).toBeNull();
    await expect(
      w.services.ciJobTokens.mint(w.actors.developer, { projectId: w.projectId, jobId: '1' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    w.clock.advance(3601_000);
    expect(await w.services.ciJobTokens.verify(minted.token)).toBeNull();

    // Sharing: the config names this project; another project in the group sees it through a group entry.
    const auths = await w.services.agentAccess.authorizations(w.actors.developer, agent.id);
    expect(auths.map((a) => [a.kind, a.targetType, a.targetPath, a.targetId])).toEqual([
      ['ci_access', 'project', project.fullPath, w.projectId],
      ['user_access', 'project', project.fullPath, w.projectId],
    ]);
    const group = await w.services.groups.get(w.admin, w.groupId);
    const other = await w.services.projects.create(w.actors.maintainer, {
      groupId: w.groupId,
      name: 'Other',
      path: uniq('other'),
    });
    expect(await w.services.agentAccess.sharedWithProject(w.actors.developer, other.id)).toEqual([]);
    await w.services.agentConfigs.save(
      w.actors.maintainer,
      agent.id,
      `ci_access:\n  groups: [{id: ${group.fullPath}}, {id: no/such-group}]\n`,
    );
    expect(await w.services.agentAccess.sharedWithProject(w.actors.developer, other.id)).toEqual([
      {
        agentId: agent.id,
        agentName: agent.name,
        agentProjectPath: project.fullPath,
        via: { kind: 'ci_access', targetType: 'group', targetPath: group.fullPath },
      },
    ]);
    expect(
      (await w.services.agentAccess.authorizations(w.actors.developer, agent.id)).map((a) => a.targetId),
    ).toEqual([w.groupId, null]);
    await expect(
      w.services.agentAccess.sharedWithProject(w.actors.reporter, other.id),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
