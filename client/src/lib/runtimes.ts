/**
 * The runtime matrix as the dashboard holds it: `systemStatus` once (and after every reconnect),
 * then each `runtimeChanged` applied in place. The System page's matrix and the shell's restart
 * banner each hold one.
 */
import { createEffect, createSignal, onCleanup } from 'solid-js';
import { graphql } from '../graphql';
import type { LookoutFieldsFragment, RuntimeFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError } from './errors.ts';

graphql(`
  fragment RuntimeFields on Runtime {
    name
    kind
    state
    pid
    version
    commit
    startedAt
    restarts
    lastExit {
      code
      signal
      at
    }
    lastError
    nextRestartAt
    checkedAt
  }
`);

graphql(`
  fragment LookoutFields on LookoutMetadata {
    version
    commit
    startedAt
    nodeVersion
    pid
    hostname
    databaseKind
    databaseVersion
    replicasSeen
    pubsub
  }
`);

const SystemStatusDoc = graphql(`
  query SystemStatus {
    systemStatus {
      runtimes {
        ...RuntimeFields
      }
      lookout {
        ...LookoutFields
      }
    }
  }
`);

const RuntimeChangedDoc = graphql(`
  subscription RuntimeChanged {
    runtimeChanged {
      ...RuntimeFields
    }
  }
`);

export const RestartRuntimeDoc = graphql(`
  mutation RestartRuntime($name: String!) {
    restartRuntime(name: $name, confirm: true) {
      ok
      error
      durationMs
      runtime {
        ...RuntimeFields
      }
    }
  }
`);

export type Runtime = RuntimeFieldsFragment;
export type LookoutMetadata = LookoutFieldsFragment;

/** How often the matrix is read again while a runtime is still down after a restart. */
const DOWN_REREAD_MS = 5000;

/** A runtime whose restart was seen under way: since when (ISO), until it runs again. */
export interface RestartWatch {
  name: string;
  since: string;
}

/** The matrix, Lookout's metadata and the restarts seen, kept live for the calling component. */
export function createRuntimeStatus() {
  const [runtimes, setRuntimes] = createSignal<Runtime[] | null>(null);
  const [lookout, setLookout] = createSignal<LookoutMetadata | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  /** By name: restarts seen (RESTARTING) and not yet back to RUNNING. */
  const [watched, setWatched] = createSignal<Record<string, string>>({});

  /** Remembers a restart while it is under way and after it failed; forgets it once running. */
  const track = (runtime: Runtime) => {
    const current = watched();
    if (runtime.state === 'RESTARTING' && !current[runtime.name]) setWatched({ ...current, [runtime.name]: runtime.checkedAt });
    else if (runtime.state === 'RUNNING' && current[runtime.name]) {
      const { [runtime.name]: _gone, ...rest } = current;
      setWatched(rest);
    }
  };

  const apply = (runtime: Runtime) => {
    track(runtime);
    setRuntimes((list) => {
      if (!list) return [runtime];
      const at = list.findIndex((r) => r.name === runtime.name);
      if (at === -1) return [...list, runtime];
      const next = list.slice();
      next[at] = runtime;
      return next;
    });
  };

  const load = async () => {
    const result = await client.query(SystemStatusDoc, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) {
      const list = result.data.systemStatus.runtimes;
      list.forEach(track);
      // A restart that ended while we were away: forget those that are running or no longer listed.
      const names = new Set(list.filter((r) => r.state !== 'RUNNING').map((r) => r.name));
      setWatched((current) => Object.fromEntries(Object.entries(current).filter(([name]) => names.has(name))));
      setRuntimes(list);
      setLookout(result.data.systemStatus.lookout);
    }
    // An error keeps what we had: a matrix that blinks out during an outage would mislead.
    setError(formError(result.error)?.message ?? null);
  };

  const changes = client.subscription(RuntimeChangedDoc, {}).subscribe((result) => {
    if (result.data) apply(result.data.runtimeChanged);
  });
  onCleanup(() => changes.unsubscribe());
  void load();
  onReconnected(() => void load());

  /** Runtimes restarting now, or still down after a restart was asked: the banner's list. */
  const restarts = (): (RestartWatch & { runtime: Runtime })[] => {
    const seen = watched();
    return (runtimes() ?? [])
      .filter((r) => r.state === 'RESTARTING' || (seen[r.name] && (r.state === 'CRASHED' || r.state === 'STOPPED')))
      .map((r) => ({ name: r.name, since: seen[r.name] ?? r.checkedAt, runtime: r }));
  };

  // An http or command runtime that comes back by itself after a failed restart publishes nothing
  // until someone reads it: while one is down after a restart, read the matrix again now and then.
  createEffect(() => {
    if (!restarts().some((r) => r.runtime.state !== 'RESTARTING')) return;
    const timer = setInterval(() => void load(), DOWN_REREAD_MS);
    onCleanup(() => clearInterval(timer));
  });

  return { runtimes, lookout, error, restarts, apply, reload: load };
}
