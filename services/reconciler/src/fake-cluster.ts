// For tests: the part of Kubernetes the reconciler talks to, in memory. Jobs and pods are put
// and deleted by the test; every watch made of them (informers(), as PlatformWatches makes
// them) lists what is there when it starts and then hears each change, as the client's
// informer does; the API calls answer from the same objects. No cluster, no network: tests of
// the reconciler's own logic drive it through this and a real database.
import type {
  ErrorCallback,
  KubernetesObject,
  ObjectCallback,
  V1Job,
  V1Pod,
} from "@kubernetes/client-node";
import { JOB_ID_LABEL } from "@sumo/kubernetes";
import type { ClusterApi } from "./job-reconciler.ts";
import type { CachedInformer, PlatformInformers } from "./platform-watches.ts";

type WatchEvent = "add" | "update" | "delete";

class FakeInformer<T extends KubernetesObject> {
  readonly #store: ObjectStore<T>;
  readonly #callbacks = new Map<string, Set<(object: T) => void>>();
  #cache = new Map<string, T>();
  #running = false;

  constructor(store: ObjectStore<T>) {
    this.#store = store;
  }

  on(verb: string, callback: ObjectCallback<T> | ErrorCallback): void {
    const callbacks = this.#callbacks.get(verb) ?? new Set();
    callbacks.add(callback as (object: T) => void);
    this.#callbacks.set(verb, callbacks);
  }

  off(verb: string, callback: ObjectCallback<T> | ErrorCallback): void {
    this.#callbacks.get(verb)?.delete(callback as (object: T) => void);
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#store.watchers.add(this);
    for (const object of this.#store.objects.values()) this.receive("add", object);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#store.watchers.delete(this);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#cache.get(objectKey(namespace, name));
  }

  list(namespace?: string): ReadonlyArray<T> {
    return [...this.#cache.values()].filter(
      (object) => namespace === undefined || object.metadata?.namespace === namespace,
    );
  }

  receive(event: WatchEvent, object: T): void {
    if (!this.#running) return;
    const key = objectKey(object.metadata?.namespace, object.metadata?.name);
    if (event === "delete") this.#cache.delete(key);
    else this.#cache.set(key, object);
    for (const callback of this.#callbacks.get(event) ?? []) callback(object);
  }
}

class ObjectStore<T extends KubernetesObject> {
  readonly objects = new Map<string, T>();
  readonly watchers = new Set<FakeInformer<T>>();
  #version = 0;

  put(object: T): T {
    const key = objectKey(object.metadata?.namespace, object.metadata?.name);
    const event: WatchEvent = this.objects.has(key) ? "update" : "add";
    this.#version++;
    const stored = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(this.#version) },
    };
    this.objects.set(key, stored);
    for (const watcher of this.watchers) watcher.receive(event, stored);
    return stored;
  }

  delete(namespace: string | undefined, name: string | undefined, seen: boolean): void {
    const key = objectKey(namespace, name);
    const object = this.objects.get(key);
    if (!object) return;
    this.objects.delete(key);
    if (!seen) return;
    for (const watcher of this.watchers) watcher.receive("delete", object);
  }

  informer(): CachedInformer<T> {
    return new FakeInformer(this) as unknown as CachedInformer<T>;
  }
}

function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

function notFound(): Error {
  return Object.assign(new Error("HTTP-Code: 404 Message: Not Found"), { code: 404 });
}

/** Kubernetes' Jobs, pods and pod logs, in memory (see the file's comment). */
export class FakeCluster {
  readonly #jobs = new ObjectStore<V1Job>();
  readonly #pods = new ObjectStore<V1Pod>();
  /** Each pod's log, by namespace/name. */
  readonly #logs = new Map<string, string>();

  readonly informers: PlatformInformers = {
    jobs: () => this.#jobs.informer(),
    pods: () => this.#pods.informer(),
  };

  readonly api: ClusterApi = {
    batch: {
      readNamespacedJob: async ({ name, namespace }) => {
        const job = this.#jobs.objects.get(objectKey(namespace, name));
        if (!job) throw notFound();
        return job;
      },
      listJobForAllNamespaces: async () => ({ items: [...this.#jobs.objects.values()] }),
    },
    core: {
      listNamespacedPod: async ({ namespace, labelSelector }) => {
        const [label, value] = (labelSelector ?? "").split("=");
        return {
          items: [...this.#pods.objects.values()].filter(
            (pod) =>
              pod.metadata?.namespace === namespace &&
              (label === undefined || label === "" || pod.metadata?.labels?.[label] === value),
          ),
        };
      },
      listPodForAllNamespaces: async () => ({ items: [...this.#pods.objects.values()] }),
      readNamespacedPodLog: async ({ name, namespace, tailLines }) => {
        if (!this.#pods.objects.has(objectKey(namespace, name))) throw notFound();
        const log = this.#logs.get(objectKey(namespace, name)) ?? "";
        if (tailLines === undefined) return log;
        const lines = log.split("\n");
        const trailing = lines.at(-1) === "" ? lines.pop() : undefined;
        return [...lines.slice(-tailLines), ...(trailing === undefined ? [] : [""])].join("\n");
      },
    },
  };

  /** Creates or updates a Job; watches hear it. */
  putJob(job: V1Job): V1Job {
    return this.#jobs.put(job);
  }

  /** Creates or updates a pod, with the log it has printed so far; watches hear it. */
  putPod(pod: V1Pod, log?: string): V1Pod {
    if (log !== undefined)
      this.#logs.set(objectKey(pod.metadata?.namespace, pod.metadata?.name), log);
    return this.#pods.put(pod);
  }

  /**
   * Deletes a platform job's Job, then its pods, as the TTL controller and the garbage collector
   * do once it ended. `unseen`: the watches miss it, as a stalled watch does.
   */
  deleteJobObjects(jobId: string, options: { unseen?: boolean } = {}): void {
    const seen = !options.unseen;
    for (const job of [...this.#jobs.objects.values()]) {
      if (job.metadata?.labels?.[JOB_ID_LABEL] === jobId) {
        this.#jobs.delete(job.metadata?.namespace, job.metadata?.name, seen);
      }
    }
    for (const pod of [...this.#pods.objects.values()]) {
      if (pod.metadata?.labels?.[JOB_ID_LABEL] !== jobId) continue;
      this.#logs.delete(objectKey(pod.metadata?.namespace, pod.metadata?.name));
      this.#pods.delete(pod.metadata?.namespace, pod.metadata?.name, seen);
    }
  }
}
