/**
 * Uploads from the browser: for each file a pushToVoSpace negotiated for
 * HTTP PUT (with its length, so a quota refuses it up front), then an
 * XMLHttpRequest PUT of the File itself to the endpoint: the browser streams
 * it from disk, and XHR reports upload progress (fetch does not). At most
 * IN_FLIGHT at once; the rest wait their turn. The service hashes the bytes;
 * nothing is read here.
 */
import { ApiError, request } from '../api/client';
import { graphql } from '../gql';
import { FINAL_PHASES, jobFault } from './jobs';

const IN_FLIGHT = 3;
const HTTP_PUT = 'ivo://ivoa.net/vospace/core#httpput';

const PushMutation = graphql(`
  mutation Push($target: String!, $length: Float!) {
    negotiateTransfer(target: $target, direction: "pushToVoSpace", protocols: ["ivo://ivoa.net/vospace/core#httpput"], length: $length) {
      id
      phase
      protocols {
        uri
        endpoint
      }
      error {
        fault
        message
      }
    }
  }
`);

const UploadJobQuery = graphql(`
  query UploadJob($id: String!) {
    job(id: $id) {
      id
      phase
      error {
        fault
        message
      }
    }
  }
`);

const AbortUploadMutation = graphql(`
  mutation AbortUpload($id: String!) {
    abortJob(id: $id) {
      id
    }
  }
`);

export type UploadState = 'waiting' | 'sending' | 'done' | 'failed' | 'cancelled';

export interface Upload {
  key: number;
  name: string;
  size: number;
  loaded: number;
  /** Bytes per second since the PUT began. */
  rate: number;
  state: UploadState;
  error?: string;
}

interface Work {
  file: File;
  /** vos:// URI the file goes to. */
  target: string;
  xhr?: XMLHttpRequest;
  jobId?: string;
  started?: number;
  cancelled?: boolean;
}

/** The PUT did not succeed: the storage server's status and fault text (0 and '' when the connection failed). */
class PutFailed extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

export class UploadQueue {
  private items: Upload[] = [];
  private readonly work = new Map<number, Work>();
  private readonly waiting: number[] = [];
  private running = 0;
  private nextKey = 1;
  private readonly listeners = new Set<() => void>();

  /** onFinished: an upload ended (done, failed or cancelled), so a listing may have changed. */
  constructor(private readonly onFinished: () => void) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  snapshot = () => this.items;

  /** Queues files for a container (its vos:// URI). */
  add(files: Iterable<File>, folder: { uri: string }): void {
    for (const file of files) {
      const key = this.nextKey++;
      this.work.set(key, { file, target: `${folder.uri}/${encodeURIComponent(file.name)}` });
      this.items = [...this.items, { key, name: file.name, size: file.size, loaded: 0, rate: 0, state: 'waiting' }];
      this.waiting.push(key);
    }
    this.changed();
    this.pump();
  }

  /** Stops an upload: aborts its PUT and its job (the service then takes away the node the push made). */
  cancel(key: number): void {
    const w = this.work.get(key);
    if (!w || w.cancelled) return;
    w.cancelled = true;
    w.xhr?.abort();
    if (w.jobId) void request(AbortUploadMutation, { id: w.jobId }).catch(() => {});
    const i = this.waiting.indexOf(key);
    if (i >= 0) this.waiting.splice(i, 1);
    this.set(key, { state: 'cancelled' });
  }

  /** Forgets the uploads that have ended. */
  clearEnded(): void {
    this.items = this.items.filter((u) => u.state === 'waiting' || u.state === 'sending');
    this.changed();
  }

  private changed() {
    for (const l of this.listeners) l();
  }

  private set(key: number, patch: Partial<Upload>) {
    this.items = this.items.map((u) => (u.key === key ? { ...u, ...patch } : u));
    this.changed();
  }

  private pump() {
    while (this.running < IN_FLIGHT && this.waiting.length) {
      const key = this.waiting.shift()!;
      this.running++;
      void this.send(key).finally(() => {
        this.running--;
        this.work.delete(key);
        this.onFinished();
        this.pump();
      });
    }
  }

  private async send(key: number): Promise<void> {
    const w = this.work.get(key)!;
    this.set(key, { state: 'sending' });
    try {
      const { negotiateTransfer: job } = await request(PushMutation, { target: w.target, length: w.file.size });
      w.jobId = job.id;
      if (w.cancelled) {
        await request(AbortUploadMutation, { id: job.id });
        return;
      }
      if (job.error) throw jobFault(job.error);
      const endpoint = job.protocols.find((p) => p.uri === HTTP_PUT)?.endpoint;
      if (!endpoint) throw new ApiError('ProtocolNotSupported: no upload endpoint was offered', 'ProtocolNotSupported');
      await this.put(key, w, endpoint);
      if (w.cancelled) return;
      const { job: after } = await request(UploadJobQuery, { id: job.id });
      if (after?.error) throw jobFault(after.error);
      if (after?.phase !== 'COMPLETED') throw new ApiError(`TransferFailed: the upload's job is ${after?.phase ?? 'gone'}`, 'TransferFailed');
      this.set(key, { state: 'done', loaded: w.file.size });
    } catch (e) {
      if (w.cancelled) return;
      this.set(key, { state: 'failed', error: await this.reason(w, e) });
    }
  }

  /** Why an upload failed: the storage server's fault text, else the job's error, else what went wrong here. */
  private async reason(w: Work, e: unknown): Promise<string> {
    if (!(e instanceof PutFailed) || !w.jobId) return e instanceof Error ? e.message : String(e);
    const job = await request(UploadJobQuery, { id: w.jobId }).then((d) => d.job, () => null);
    if (job && !FINAL_PHASES.includes(job.phase)) await request(AbortUploadMutation, { id: w.jobId }).catch(() => {});
    if (e.text) return e.text;
    if (job?.error) return jobFault(job.error).message;
    return e.status ? `the storage server answered ${e.status}` : 'TransferFailed: the connection to the storage server failed';
  }

  private put(key: number, w: Work, endpoint: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      w.xhr = xhr;
      w.started = performance.now();
      xhr.open('PUT', endpoint);
      xhr.upload.onprogress = (e) => {
        const seconds = (performance.now() - w.started!) / 1000;
        this.set(key, { loaded: e.loaded, rate: seconds > 0 ? e.loaded / seconds : 0 });
      };
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new PutFailed(xhr.status, xhr.responseText.trim())));
      xhr.onerror = () => reject(new PutFailed(0, ''));
      xhr.onabort = () => resolve();
      xhr.send(w.file);
    });
  }
}
