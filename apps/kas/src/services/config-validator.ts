// Agent-config validation off the request thread. Parsing and checking a document is linear and
// bounded (parse-config.ts), but 128 KiB of YAML is still tens to hundreds of milliseconds of CPU;
// on kas's one thread, six such requests in parallel would stall every tenant's requests and the
// agents' streams. Small texts (the editor's typical input) are validated inline; larger ones go to
// a fixed pool of worker threads with a bounded queue, so concurrency is limited by construction:
// at most `threads` validations run, at most `maxQueued` wait, the rest are refused with a retry hint.
import { Worker } from 'node:worker_threads';
import { MAX_AGENT_CONFIG_BYTES } from '@mooring/modules/agent_configuration/shared/config-schema';
import {
  parseAgentConfig,
  type ParseConfigResult,
} from '@mooring/modules/agent_configuration/shared/parse-config';
import { RateLimitedError } from './errors';
import type { ValidationRequest } from './config-validator-worker';

export interface ConfigValidatorOptions {
  /** Worker threads validating in parallel. Default 2. */
  threads?: number;
  /** Validations waiting for a thread before new ones are refused. Default 32. */
  maxQueued?: number;
  /** Texts up to this size are validated inline (a few milliseconds at most). Default 4 KiB. */
  inlineMaxBytes?: number;
  /** Heap cap per worker, so a pathological document cannot grow kas without bound. Default 256 MiB. */
  workerHeapMb?: number;
}

export interface ConfigValidator {
  validate(text: string): Promise<ParseConfigResult>;
  /** What runs and waits now (for tests and metrics). */
  load(): { running: number; queued: number; threads: number };
  close(): Promise<void>;
}

interface Job {
  request: ValidationRequest;
  resolve(result: ParseConfigResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/** Plain JavaScript that loads the TypeScript worker through tsx (see the file). */
const workerEntry = new URL('./config-validator-worker.mjs', import.meta.url);

function startWorker(heapMb: number): Worker {
  return new Worker(workerEntry, { resourceLimits: { maxOldGenerationSizeMb: heapMb }, stdin: false });
}

export function createConfigValidator(options: ConfigValidatorOptions = {}): ConfigValidator {
  const threads = Math.max(1, options.threads ?? 2);
  const maxQueued = Math.max(0, options.maxQueued ?? 32);
  const inlineMaxBytes = options.inlineMaxBytes ?? 4 * 1024;
  const heapMb = options.workerHeapMb ?? 256;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function dispatch(): void {
    while (queue.length > 0) {
      let slot = slots.find((s) => s.job === null);
      if (!slot && slots.length < threads) slot = spawn();
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      // A busy worker keeps the process alive until it answers; an idle one does not.
      slot.worker.ref();
      slot.worker.postMessage(job.request);
    }
  }

  function spawn(): Slot {
    const slot: Slot = { worker: startWorker(heapMb), job: null };
    slot.worker.on('message', (msg: { id: number; result: ParseConfigResult }) => {
      const job = slot.job;
      if (!job || job.request.id !== msg.id) return;
      slot.job = null;
      slot.worker.unref();
      job.resolve(msg.result);
      dispatch();
    });
    // A worker that dies (out of its heap, a bug) fails its one job; the next job gets a new worker.
    const fail = (err: Error) => {
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      const job = slot.job;
      slot.job = null;
      job?.reject(
        new Error(`validating the configuration failed in its worker thread: ${err.message}`, { cause: err }),
      );
      if (!closed) dispatch();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    slots.push(slot);
    return slot;
  }

  return {
    async validate(text) {
      if (closed) throw new Error('the config validator is closed (kas is stopping)');
      // Inline too: a text over the size cap, refused before any parsing.
      if (text.length <= inlineMaxBytes || Buffer.byteLength(text, 'utf8') > MAX_AGENT_CONFIG_BYTES)
        return parseAgentConfig(text);
      const busy = slots.length >= threads && slots.every((s) => s.job !== null);
      if (busy && queue.length >= maxQueued)
        throw new RateLimitedError(
          `too many configurations are being validated at once (${threads} running, ${queue.length} waiting); retry in a few seconds`,
          2,
        );
      return new Promise<ParseConfigResult>((resolve, reject) => {
        queue.push({ request: { id: nextId++, text }, resolve, reject });
        dispatch();
      });
    },
    load: () => ({
      running: slots.filter((s) => s.job !== null).length,
      queued: queue.length,
      threads: slots.length,
    }),
    async close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new Error('kas is stopping; validate again once it runs'));
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}
