/**
 * BullMQ on a 3-master Redis Cluster: the queue prefix is a hash tag, so every key of every queue
 * hashes to one slot and BullMQ's multi-key scripts run unchanged. A worker process configured with
 * REDIS_CLUSTER_NODES runs a tracked build end to end: exactly its units (serials 1..N), a balanced
 * ledger, its three events once each, each delivered once to a webhook receiver. A prefix that is not
 * a hash tag is what the configuration refuses: the cluster answers CROSSSLOT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factories } from '../factories.ts';
import { waitFor } from '../helpers/background.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import {
  expectBuildUnits,
  expectEachEventDeliveredOnce,
  subscribedReceiver,
  expectBuildEventsOnce,
} from '../helpers/deliveries.ts';
import { expectLedgerBalanced } from '../helpers/ledger.ts';
import { kill, processEnv, startProcess, type Proc } from '../helpers/processes.ts';
import { startPrivateCluster, type PrivateCluster } from '../helpers/redis-topologies.ts';
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { createQueueBackend } from '../../src/queue/backend.ts';
import { loadConfig } from '../../src/config/index.ts';

let cluster: PrivateCluster;
let ctx: TestContext;
let worker: Proc | undefined;
let receiver: WebhookReceiver | undefined;
const UNITS = 1_000;
const WEBHOOKS = { WEBHOOK_ALLOW_LIST: '127.0.0.1', WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200,200' };

beforeAll(async () => {
  cluster = await startPrivateCluster(3);
  ctx = await createTestContext({ env: { ...WEBHOOKS, REDIS_CLUSTER_NODES: cluster.nodes } });
}, 60_000);
afterAll(async () => {
  if (worker) await kill(worker);
  await receiver?.close();
  await ctx?.close();
  await cluster?.close();
});

describe('Redis Cluster', () => {
  it('runs a tracked build end to end, each event once, every queue key in one slot', async () => {
    expect(ctx.config.redis?.topology).toBe('cluster');
    expect(ctx.queuePrefix).toMatch(/^\{bt-test-[0-9a-f]+\}$/);
    receiver = await subscribedReceiver(ctx, ['build.*', 'lots.generated']);
    const f = factories({ uow: ctx.uow });
    const component = await f.part({ name: 'PCB blank' });
    await f.lot({ part: component.code, quantity: UNITS });
    const project = await f.project({
      serialFormat: 'C-{seq:05}',
      lines: [{ part: component.code, quantity: 1 }],
    });

    worker = startProcess('worker', processEnv(ctx, { ...WEBHOOKS, GENERATION_CHUNK_SIZE: '250' }));
    const res = await ctx.api('POST', '/api/v1/builds', {
      body: { project: project.code, quantity: UNITS, trackUnits: true },
    });
    expect(res.status, res.text).toBe(201);
    const code = (res.body.build as { code: string }).code;
    await waitFor(
      async () => (await ctx.db('builds').where({ code }).first('status')).status === 'completed',
      'the build to complete',
      120_000,
    ).catch((e) => {
      console.log(worker!.output().slice(-5000));
      throw e;
    });
    const expected = (await ctx.db('events').where({ stream: `build:${code}` })) as {
      stream: string;
      sequence: number;
    }[];
    await expectEachEventDeliveredOnce(receiver, expected);
    await expectBuildEventsOnce(ctx, code);
    await expectBuildUnits(ctx, code);
    await expectLedgerBalanced(ctx);
    expect(worker.output()).not.toMatch(/CROSSSLOT|MOVED|CLUSTERDOWN/);

    // The queues' keys went through the cluster, all to the one master that owns the tag's slot.
    const keys = await cluster.keysPerNode();
    expect(keys.filter((n) => n > 0)).toHaveLength(1);
  });

  it('needs the hash tag: a plain prefix is refused at startup, and the cluster would answer CROSSSLOT', async () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: 'buildtrace' })).toThrow(
      /^configuration: QUEUE_PREFIX must be a hash tag such as \{buildtrace\} on a Redis Cluster/,
    );
    const config = loadConfig({ REDIS_CLUSTER_NODES: cluster.nodes });
    const untagged = createQueueBackend({ kind: 'redis', redis: config.redis!, prefix: 'bt-untagged' });
    try {
      await expect(untagged.createQueue('builds').add('probe', {})).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await untagged.close();
    }
  });
});
