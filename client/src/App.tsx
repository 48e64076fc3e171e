/**
 * The route table. Each signed-in page is wrapped in the capability guard of its place, so a role
 * that may not use a page reads "You do not have access to this page" there.
 */
import { Navigate, Route, Router, useLocation, type RouteSectionProps } from '@solidjs/router';
import { lazy, type Component } from 'solid-js';
import { Capability } from '../../server/auth/capabilities.ts';
import { AppShell } from './components/AppShell.tsx';
import { RequireCapability } from './components/RequireCapability.tsx';
import { onReconnected } from './lib/connection.ts';
import { refreshSession } from './lib/session.ts';
import { trackDocumentTitle } from './lib/document-title.ts';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';

// Pages other than the Overview (and two placeholders) load on first use: the chart library,
// forms and admin tables stay out of the code the browser runs before a busy grid of a thousand
// services can show.
const SignInPage = lazy(() => import('./pages/SignInPage.tsx').then((m) => ({ default: m.SignInPage })));
const SetupPage = lazy(() => import('./pages/SetupPage.tsx').then((m) => ({ default: m.SetupPage })));
const ServiceDetailPage = lazy(() => import('./pages/ServiceDetailPage.tsx').then((m) => ({ default: m.ServiceDetailPage })));
const UptimePage = lazy(() => import('./pages/UptimePage.tsx').then((m) => ({ default: m.UptimePage })));
const ServicesPage = lazy(() => import('./pages/admin/ServicesPage.tsx').then((m) => ({ default: m.ServicesPage })));
const OperationsListPage = lazy(() => import('./pages/operations/OperationsListPage.tsx').then((m) => ({ default: m.OperationsListPage })));
const OperationDetailPage = lazy(() => import('./pages/operations/OperationDetailPage.tsx').then((m) => ({ default: m.OperationDetailPage })));
const SystemPage = lazy(() => import('./pages/SystemPage.tsx').then((m) => ({ default: m.SystemPage })));
const UpdatesPage = lazy(() => import('./pages/system/UpdatesPage.tsx').then((m) => ({ default: m.UpdatesPage })));
const StartupChecklistPage = lazy(() => import('./pages/system/StartupChecklistPage.tsx').then((m) => ({ default: m.StartupChecklistPage })));
const TokensPage = lazy(() => import('./pages/admin/TokensPage.tsx').then((m) => ({ default: m.TokensPage })));
const UsersPage = lazy(() => import('./pages/admin/UsersPage.tsx').then((m) => ({ default: m.UsersPage })));
const ChannelsPage = lazy(() => import('./pages/admin/ChannelsPage.tsx').then((m) => ({ default: m.ChannelsPage })));
const AlertDetailPage = lazy(() => import('./pages/AlertDetailPage.tsx').then((m) => ({ default: m.AlertDetailPage })));
const MaintenancePage = lazy(() => import('./pages/MaintenancePage.tsx').then((m) => ({ default: m.MaintenancePage })));
const AuditPage = lazy(() => import('./pages/admin/AuditPage.tsx').then((m) => ({ default: m.AuditPage })));

function guarded(capability: Capability, Page: Component): Component {
  return () => (
    <RequireCapability capability={capability}>
      <Page />
    </RequireCapability>
  );
}

/** Loads who we are once, and again whenever the connection comes back. */
function Root(props: RouteSectionProps) {
  void refreshSession();
  onReconnected(() => void refreshSession());
  const location = useLocation();
  trackDocumentTitle(() => location.pathname);
  return <>{props.children}</>;
}

export function App() {
  return (
    <Router root={Root}>
      <Route path="/signin" component={SignInPage} />
      <Route path="/setup" component={SetupPage} />
      <Route path="/" component={AppShell}>
        <Route path="/" component={guarded(Capability.AccessSystemPanel, OverviewPage)} />
        <Route path="/services/:name" component={guarded(Capability.AccessSystemPanel, ServiceDetailPage)} />
        <Route path="/uptime" component={guarded(Capability.AccessSystemPanel, UptimePage)} />
        <Route path="/system/ops" component={() => <Navigate href="/system/ops/runs" />} />
        <Route path="/system/ops/runs" component={guarded(Capability.OperationsView, () => <OperationsListPage kind="runs" />)} />
        <Route path="/system/ops/failures" component={guarded(Capability.OperationsView, () => <OperationsListPage kind="failures" />)} />
        <Route path="/system/ops/stuck" component={guarded(Capability.OperationsView, () => <OperationsListPage kind="stuck" />)} />
        <Route path="/system/ops/runs/:id" component={guarded(Capability.OperationsView, OperationDetailPage)} />
        <Route path="/alerts" component={guarded(Capability.AccessSystemPanel, AlertsPage)} />
        <Route path="/alerts/maintenance" component={guarded(Capability.AccessSystemPanel, MaintenancePage)} />
        <Route path="/alerts/:id" component={guarded(Capability.AccessSystemPanel, AlertDetailPage)} />
        <Route path="/system" component={guarded(Capability.AccessSystemPanel, SystemPage)} />
        <Route path="/system/startup" component={guarded(Capability.AccessSystemPanel, StartupChecklistPage)} />
        <Route path="/system/updates" component={guarded(Capability.SystemAdmin, UpdatesPage)} />
        <Route path="/admin" component={() => <Navigate href="/admin/tokens" />} />
        <Route path="/admin/tokens" component={guarded(Capability.SystemAdmin, TokensPage)} />
        <Route path="/admin/users" component={guarded(Capability.SystemAdmin, UsersPage)} />
        <Route path="/admin/services" component={guarded(Capability.SystemAdmin, ServicesPage)} />
        <Route path="/admin/channels" component={guarded(Capability.SystemAdmin, ChannelsPage)} />
        <Route path="/admin/audit" component={guarded(Capability.SystemAdmin, AuditPage)} />
        <Route path="*" component={NotFoundPage} />
      </Route>
    </Router>
  );
}
