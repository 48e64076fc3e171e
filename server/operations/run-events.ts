/**
 * Run changes: recorded by the code that changes runs, in its transaction (one message for every run
 * a call changed), and for subscribers the changes of every message that the caller may see and that
 * match a filter (a run, workspace, tenant, type or outcome), one batch per message.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import type { TransactionEvents } from '../events/after-commit.ts';
import { Channels, type RunUpdatedEvent } from '../events/channels.ts';
import { filteredEvents, type PubSub } from '../events/pubsub.ts';
import { Tenant, Workspace } from './entities.ts';
import { canUseWorkspace, validateSlug } from './workspaces.ts';

/** A run as capability code holds it: an entity (ids) or a row as the API shows it (workspace and tenant joined). */
export type ChangedRun = { id: number; type: string; status: string; outcome: string } & (
  | { workspaceId: number; tenantId?: number | null }
  | { workspace: { id: number }; tenant: { id: number } | null }
);

/** Records, in the transaction that changed them, that these runs changed at `at`: one message for them all (none for none). */
export function recordRunChanges(events: TransactionEvents, runs: readonly ChangedRun[], at: Date): void {
  if (!runs.length) return;
  const when = at.toISOString();
  events.record(Channels.runsUpdated, {
    runs: runs.map((run) => ({
      id: run.id,
      workspaceId: 'workspaceId' in run ? run.workspaceId : run.workspace.id,
      tenantId: 'workspaceId' in run ? (run.tenantId ?? null) : (run.tenant?.id ?? null),
      type: run.type,
      status: run.status,
      outcome: run.outcome,
      at: when,
    })),
  });
}

export interface RunChangeFilter {
  id?: string | number | null;
  workspace?: string | null;
  tenant?: string | null;
  type?: string | null;
  outcome?: readonly string[] | null;
}

/**
 * The caller's workspace limit and the filter's workspace and tenant are matched by slug (each
 * event's workspace and tenant ids looked up once): a workspace or tenant created after the
 * subscription started counts as well.
 */
export async function runChanges(em: EntityManager, pubsub: PubSub, actor: Actor | null, filter: RunChangeFilter | null | undefined): Promise<AsyncGenerator<RunUpdatedEvent[]>> {
  if (filter?.workspace) validateSlug(filter.workspace, 'workspace');
  const places = new PlaceSlugs(em);
  // A caller with every workspace and no workspace in its filter keeps a run whatever its workspace.
  const byWorkspace = !actor || actor.workspaces !== null || !!filter?.workspace;
  const inWorkspace = (id: number) => {
    const workspace = places.workspaces.get(id);
    return !!workspace && canUseWorkspace(actor, workspace) && (!filter?.workspace || workspace === filter.workspace);
  };
  const keep = (e: RunUpdatedEvent) =>
    (!byWorkspace || inWorkspace(e.workspaceId)) &&
    (!filter?.tenant || (e.tenantId !== null && places.tenants.get(e.tenantId) === filter.tenant)) &&
    (!filter?.id || String(e.id) === String(filter.id)) &&
    (!filter?.type || e.type === filter.type) &&
    (!filter?.outcome?.length || filter.outcome.includes(e.outcome));
  return (async function* () {
    // A message from Redis has been checked against the channel's shape (events/channels.ts).
    for await (const { runs } of filteredEvents(pubsub, Channels.runsUpdated)) {
      await places.learn(runs, byWorkspace, !!filter?.tenant);
      yield runs.filter(keep);
    }
  })();
}

const MAX_KNOWN_PLACES = 10_000;

/** Slugs of workspaces and tenants by id, read from the database the first time an id is seen. */
class PlaceSlugs {
  readonly workspaces = new Map<number, string | null>();
  readonly tenants = new Map<number, string | null>();
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /** Looks up the ids not seen yet; if the database cannot say, their runs are not delivered (and asked about again next time). */
  async learn(runs: readonly RunUpdatedEvent[], withWorkspaces: boolean, withTenants: boolean): Promise<void> {
    const unknown = (ids: unknown[], known: Map<number, unknown>) => {
      if (known.size > MAX_KNOWN_PLACES) known.clear(); // ids made up in messages from Redis must not grow it for ever
      return [...new Set(ids)].filter((id): id is number => Number.isSafeInteger(id) && !known.has(id as number));
    };
    try {
      const workspaceIds = withWorkspaces ? unknown(runs.map((e) => e.workspaceId), this.workspaces) : [];
      if (workspaceIds.length) {
        const rows = await this.#em.fork().find(Workspace, { id: { $in: workspaceIds } }, { fields: ['id', 'slug'] });
        for (const id of workspaceIds) this.workspaces.set(id, rows.find((w) => w.id === id)?.slug ?? null);
      }
      const tenantIds = withTenants ? unknown(runs.map((e) => e.tenantId), this.tenants) : [];
      if (tenantIds.length) {
        const rows = await this.#em.fork().find(Tenant, { id: { $in: tenantIds } }, { fields: ['id', 'slug'] });
        for (const id of tenantIds) this.tenants.set(id, rows.find((t) => t.id === id)?.slug ?? null);
      }
    } catch {
      // Fail closed: an event whose place is unknown is not kept.
    }
  }
}
