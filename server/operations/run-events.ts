/**
 * Run changes for subscribers: the changes of every published message that the caller may see and
 * that match a filter (a run, workspace, tenant, type or outcome), one batch per message.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import { filteredEvents, type PubSub } from '../events/pubsub.ts';
import { Tenant, Workspace } from './entities.ts';
import { OperationChannels, type RunsUpdatedMessage, type RunUpdatedEvent } from './operations.ts';
import { canUseWorkspace, validateSlug } from './workspaces.ts';

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
    // A message from Redis may have any shape: only its well-formed runs count (the rest would throw in `keep`).
    for await (const message of filteredEvents<RunsUpdatedMessage>(pubsub, OperationChannels.runUpdated, (m) => Array.isArray(m.runs))) {
      const runs = message.runs.filter((e) => typeof e === 'object' && e !== null && ['string', 'number'].includes(typeof e.id));
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
