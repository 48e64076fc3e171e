/**
 * Run changes for subscribers: the changes of every published message that the caller may see and
 * that match a filter (a run, workspace, tenant, type or outcome), one batch per message.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor.ts';
import { filteredEvents, type PubSub } from '../events/pubsub.ts';
import { Workspace } from './entities.ts';
import { OperationChannels, type RunsUpdatedMessage, type RunUpdatedEvent } from './operations.ts';
import { allowedWorkspaceIds, listTenants } from './workspaces.ts';

export interface RunChangeFilter {
  id?: string | number | null;
  workspace?: string | null;
  tenant?: string | null;
  type?: string | null;
  outcome?: readonly string[] | null;
}

/** The filter's workspace and tenant are resolved once, when the subscription starts. */
export async function runChanges(em: EntityManager, pubsub: PubSub, actor: Actor | null, filter: RunChangeFilter | null | undefined): Promise<AsyncGenerator<RunUpdatedEvent[]>> {
  const scope = await allowedWorkspaceIds(em, actor);
  const workspaceId = filter?.workspace ? ((await em.findOne(Workspace, { slug: filter.workspace }))?.id ?? -1) : null;
  const tenantIds = filter?.tenant ? new Set((await listTenants(em, actor, filter.workspace)).filter((t) => t.slug === filter.tenant).map((t) => t.id)) : null;
  const keep = (e: RunUpdatedEvent) =>
    (!scope || scope.includes(e.workspaceId)) &&
    (!filter?.id || String(e.id) === String(filter.id)) &&
    (workspaceId === null || e.workspaceId === workspaceId) &&
    (!tenantIds || (e.tenantId !== null && tenantIds.has(e.tenantId))) &&
    (!filter?.type || e.type === filter.type) &&
    (!filter?.outcome?.length || filter.outcome.includes(e.outcome));
  return (async function* () {
    // A message from Redis may have any shape: only its well-formed runs count (the rest would throw in `keep`).
    for await (const message of filteredEvents<RunsUpdatedMessage>(pubsub, OperationChannels.runUpdated, (m) => Array.isArray(m.runs))) yield message.runs.filter((e) => typeof e === 'object' && e !== null && ['string', 'number'].includes(typeof e.id) && keep(e));
  })();
}
