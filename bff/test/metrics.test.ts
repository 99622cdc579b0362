import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { metricsServer } from '../src/lib/metrics';
import { createOrg, startApp, type TestApp } from './support/harness';

let app: TestApp;
let server: Server;
let metricsUrl: string;
beforeAll(async () => {
  app = await startApp();
  server = metricsServer(app.services.metrics);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await app.close();
});

/** Every sample of the exposition as `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const sum = (samples: Map<string, number>, prefix: string, contains = '') =>
  [...samples].filter(([k]) => k.startsWith(prefix) && k.includes(contains)).reduce((s, [, v]) => s + v, 0);

describe('/metrics (Prometheus, its own port)', () => {
  it('after a metering burst: request durations by route and status, batch sizes, lock waits, pool use, outbox and reservations', async () => {
    const { admin } = await createOrg(app);
    const { token } = (await admin.call(apiKeysContract.create, { body: { name: 'burst' } })).data;
    const before = await scrape();
    const burst = 40;
    const statuses = await Promise.all(
      Array.from({ length: burst }, () =>
        fetch(app.baseUrl + meteringContract.record.path, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
          body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const after = await scrape();

    const route = `route="${meteringContract.record.path}"`;
    const counted = (m: Map<string, number>) => sum(m, 'aic_http_request_duration_seconds_count', route);
    expect(counted(after) - counted(before)).toBe(burst);
    expect([...after.keys()].some((k) => k.startsWith('aic_http_request_duration_seconds_count') && k.includes(route) && k.includes('status="200"') && k.includes('method="POST"'))).toBe(true);

    // every metered operation went through a batch; batches of several operations under concurrency
    const ops = after.get('aic_ledger_batch_size_sum')! - (before.get('aic_ledger_batch_size_sum') ?? 0);
    const batches = after.get('aic_ledger_batch_size_count')! - (before.get('aic_ledger_batch_size_count') ?? 0);
    expect(ops).toBeGreaterThanOrEqual(burst);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(ops);
    expect(after.get('aic_ledger_lock_wait_seconds_count')).toBe(after.get('aic_ledger_batch_size_count'));
    expect(after.get('aic_ledger_lock_wait_seconds_sum')).toBeGreaterThanOrEqual(0);

    const total = after.get('aic_db_pool_connections{pool="primary",state="total"}')!;
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(10);
    expect(after.get('aic_db_pool_connections{pool="primary",state="waiting"}')).toBeGreaterThanOrEqual(0);

    // read from the database at scrape time: plausible, not exact (other suites share it)
    expect(after.get('aic_outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(after.get('aic_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('aic_reservations_open')).toBeGreaterThanOrEqual(0);
    expect(after.get('aic_reservations_expired_open')).toBeLessThanOrEqual(after.get('aic_reservations_open')!);
    expect(after.has('process_cpu_seconds_total')).toBe(true);
    // no replica configured: no replica lag sample
    expect([...after.keys()].some((k) => k.startsWith('aic_replica_lag_seconds'))).toBe(false);
  });

  it('the public port does not serve it', async () => {
    expect((await fetch(`${app.baseUrl}/metrics`)).status).not.toBe(200);
    expect((await fetch(`${app.baseUrl}/api/metrics`)).status).toBe(404);
  });

  it('a request id from the proxy is kept and echoed; a hostile one is replaced', async () => {
    const kept = await fetch(`${app.baseUrl}/api/health`, { headers: { 'x-request-id': 'abc123def456' } });
    expect(kept.headers.get('x-request-id')).toBe('abc123def456');
    const replaced = await fetch(`${app.baseUrl}/api/health`, { headers: { 'x-request-id': 'evil\tvalue with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
