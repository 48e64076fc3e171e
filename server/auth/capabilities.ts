/**
 * Capabilities are what a caller may do; roles are named bundles of them. Declared once here and
 * used by the schema's scopes, the token model and the dashboard.
 */
export const Capability = {
  AccessSystemPanel: 'platform.access_system_panel',
  OperationsView: 'platform.operations.view',
  OperationsManage: 'platform.operations.manage',
  SystemAdmin: 'platform.system.admin',
} as const;
export type Capability = (typeof Capability)[keyof typeof Capability];

export const CAPABILITIES: readonly Capability[] = Object.values(Capability);

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_CAPABILITIES: Record<Role, readonly Capability[]> = {
  viewer: [Capability.AccessSystemPanel, Capability.OperationsView],
  operator: [Capability.AccessSystemPanel, Capability.OperationsView, Capability.OperationsManage],
  admin: CAPABILITIES,
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isCapability(value: string): value is Capability {
  return (CAPABILITIES as readonly string[]).includes(value);
}
