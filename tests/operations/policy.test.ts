import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { OperationCatalog, parseCatalog } from '../../server/operations/catalog.ts';
import { sweepExpiredLeases } from '../../server/operations/leases.ts';
import { StuckRunClassifier } from '../../server/operations/stuck.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { gqlOk } from '../support/graphql.ts';
import { CLAIM, makeReady, SUBMIT, type ClaimResult, type SubmitResult } from './support.ts';

const MIN = 60_000;
const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));

describe('StuckRunClassifier', () => {
  const classifier = new StuckRunClassifier(new OperationCatalog(parseCatalog([{ type: 'slow.job', expectedDuration: '30m', queuedTooLong: '10m', heartbeatTimeout: '5m' }])));
  const base = { type: 'slow.job', createdAt: at(0), startedAt: at(0), leaseExpiresAt: at(60), lastHeartbeatAt: at(0) };

  it.each([
    ['queued within its limit', { ...base, status: 'queued', startedAt: null }, at(9), null],
    ['queued too long (per-type limit)', { ...base, status: 'queued', startedAt: null }, at(11), 'queued_too_long'],
    ['lease expired', { ...base, status: 'running', leaseExpiresAt: at(3), lastHeartbeatAt: at(2) }, at(4), 'lease_expired'],
    ['heartbeat missing while the lease holds', { ...base, status: 'running', lastHeartbeatAt: at(1) }, at(7), 'heartbeat_missing'],
    ['running past its expected duration', { ...base, status: 'running', lastHeartbeatAt: at(40) }, at(41), 'running_too_long'],
    ['running normally', { ...base, status: 'running', lastHeartbeatAt: at(10) }, at(11), null],
    ['completed', { ...base, status: 'completed' }, at(500), null],
    ['an undeclared type uses the defaults (5 min queue limit)', { ...base, type: 'other', status: 'queued', startedAt: null }, at(6), 'queued_too_long'],
  ])('%s', (_name, run, now, expected) => {
    expect(classifier.classify(run, now)?.stuckClass ?? null).toBe(expected);
  });

  it('explains itself', () => {
    expect(classifier.classify({ ...base, status: 'queued', startedAt: null }, at(12))?.reason).toBe('queued for 12 min; no worker took it (limit 10 min)');
  });
});

describe('the catalog in the config file', () => {
  it('refuses a bad entry naming it', () => {
    expect(() => parseCatalog([{ type: 'Bad Type' }])).toThrow(/operations\.types\[0\]\.type/);
    expect(() => parseCatalog([{ type: 'ok.job', onLeaseExpired: 'explode' }])).toThrow(/onLeaseExpired/);
  });
});

describe('lease expiry with the "fail" policy', () => {
  const clock = new ManualClock(new Date());
  let ts: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookout-ops-config-'));
    const file = path.join(dir, 'lookout.yaml');
    await fs.writeFile(file, 'operations:\n  types:\n    - type: billing.invoice\n      label: Invoice run\n      onLeaseExpired: fail\n');
    ts = await startTestServer({ runScheduler: false, clock, config: { configFile: file } });
    await makeReady(ts);
  });
  afterAll(async () => {
    await ts?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('fails the run instead of re-queueing it, saying why, and labels it from the catalog', async () => {
    const admin = { token: ts.adminToken };
    const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme' }, admin);
    expect(s.submitRun.run.typeLabel).toBe('Invoice run');
    await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-x', types: ['billing.invoice'], lease: 10 }, admin);
    clock.advance(45_000);
    const swept = await sweepExpiredLeases(ts.server.app.orm.em.fork(), ts.server.app.operations.catalog, clock);
    expect(swept.failed).toEqual([Number(s.submitRun.run.id)]);
    const run = await gqlOk<{ operationRun: { status: string; outcome: string; error: string } }>(ts, 'query($id: ID!) { operationRun(id: $id) { status outcome error } }', { id: s.submitRun.run.id }, admin);
    expect(run.operationRun).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED', error: expect.stringMatching(/lease expired: worker w-x stopped heartbeating/) });
  });

  it('the lease-sweep job looks with one statement and opens no transaction while no lease has expired, and sweeps once one has (issue 15: idle cost)', async () => {
    const admin = { token: ts.adminToken };
    const { operations, orm } = ts.server.app;
    const fork = vi.spyOn(orm.em, 'fork');
    try {
      const s = await gqlOk<SubmitResult>(ts, SUBMIT, { type: 'billing.invoice', workspace: 'acme' }, admin);
      await gqlOk<ClaimResult>(ts, CLAIM, { worker: 'w-y', types: ['billing.invoice'], lease: 10 }, admin);
      fork.mockClear();
      clock.advance(35_000); // expired 25 s ago: within the sweep's 30 s grace
      await operations.sweepLeases();
      expect(fork).not.toHaveBeenCalled();
      clock.advance(10_000);
      await operations.sweepLeases();
      expect(fork).toHaveBeenCalledTimes(1);
      const run = await gqlOk<{ operationRun: { status: string; outcome: string } }>(ts, 'query($id: ID!) { operationRun(id: $id) { status outcome } }', { id: s.submitRun.run.id }, admin);
      expect(run.operationRun).toMatchObject({ status: 'COMPLETED', outcome: 'FAILED' });
    } finally {
      fork.mockRestore();
    }
  });
});
