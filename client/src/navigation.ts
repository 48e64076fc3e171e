/**
 * The places of the dashboard and the capability each needs. The navigation and the route guards
 * both read this table, so a page is offered exactly when it can be used.
 */
import { Capability } from '../../server/auth/capabilities.ts';
import type { NavIconName } from './components/NavIcon.tsx';

export interface Place {
  label: string;
  href: string;
  testid: string;
  icon: NavIconName;
  capability: Capability;
  /** Whether a path belongs to this place (for the active link). */
  owns(path: string): boolean;
}

export const PLACES: readonly Place[] = [
  {
    label: 'Overview',
    href: '/',
    testid: 'nav-overview',
    icon: 'overview',
    capability: Capability.AccessSystemPanel,
    owns: (p) => p === '/' || p.startsWith('/services/'),
  },
  {
    label: 'Uptime',
    href: '/uptime',
    testid: 'nav-uptime',
    icon: 'uptime',
    capability: Capability.AccessSystemPanel,
    owns: (p) => p.startsWith('/uptime'),
  },
  {
    label: 'Operations',
    href: '/system/ops/runs',
    testid: 'nav-operations',
    icon: 'operations',
    capability: Capability.OperationsView,
    owns: (p) => p.startsWith('/system/ops'),
  },
  {
    label: 'Alerts',
    href: '/alerts',
    testid: 'nav-alerts',
    icon: 'alerts',
    capability: Capability.AccessSystemPanel,
    owns: (p) => p.startsWith('/alerts'),
  },
  {
    label: 'System',
    href: '/system',
    testid: 'nav-system',
    icon: 'system',
    capability: Capability.AccessSystemPanel,
    owns: (p) => p.startsWith('/system') && !p.startsWith('/system/ops'),
  },
  {
    label: 'Admin',
    href: '/admin/tokens',
    testid: 'nav-admin',
    icon: 'admin',
    capability: Capability.SystemAdmin,
    owns: (p) => p.startsWith('/admin'),
  },
];

/** The admin area's tabs; all need platform.system.admin. */
export const ADMIN_TABS = [
  { label: 'API tokens', href: '/admin/tokens', testid: 'admin-tab-tokens' },
  { label: 'Users', href: '/admin/users', testid: 'admin-tab-users' },
  { label: 'Services', href: '/admin/services', testid: 'admin-tab-services' },
  { label: 'Alert channels', href: '/admin/channels', testid: 'admin-tab-channels' },
  { label: 'Audit log', href: '/admin/audit', testid: 'admin-tab-audit' },
] as const;

/** The three operation lists; all need platform.operations.view. Navigation, not calls to action. */
export const OPS_TABS = [
  { label: 'Runs', href: '/system/ops/runs', testid: 'ops-tab-runs' },
  { label: 'Failures', href: '/system/ops/failures', testid: 'ops-tab-failures' },
  { label: 'Stuck', href: '/system/ops/stuck', testid: 'ops-tab-stuck' },
] as const;

/** The System area's tabs; both need platform.access_system_panel. */
export const SYSTEM_TABS = [
  { label: 'System', href: '/system', testid: 'system-tab-overview' },
  { label: 'Startup checklist', href: '/system/startup', testid: 'system-tab-startup' },
  { label: 'Updates', href: '/system/updates', testid: 'system-tab-updates', capability: Capability.SystemAdmin },
] as const;

/** The Alerts area's tabs; both need platform.access_system_panel (acting on them needs more). */
export const ALERT_TABS = [
  { label: 'Incidents', href: '/alerts', testid: 'alerts-tab-incidents' },
  { label: 'Maintenance', href: '/alerts/maintenance', testid: 'alerts-tab-maintenance' },
] as const;
