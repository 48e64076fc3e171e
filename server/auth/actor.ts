/** Who is calling: a signed-in user (session cookie) or an API token, with its capabilities. */
import type { Capability, Role } from './capabilities.ts';

export interface Actor {
  kind: 'user' | 'token';
  /** User id or token id. */
  id: string;
  /** Email of the user, or the token's name. */
  label: string;
  role: Role | null;
  capabilities: ReadonlySet<Capability>;
  /** The user behind the call (for a token: its creator, when known). */
  userId: string | null;
  /** Workspace slugs the caller is limited to; null = every workspace. */
  workspaces: readonly string[] | null;
  /** Present when authenticated by the session cookie. */
  session?: { id: string; csrfToken: string; expiresAt: Date };
}

export function hasCapability(actor: Actor | null | undefined, capability: Capability): boolean {
  return !!actor && actor.capabilities.has(capability);
}
