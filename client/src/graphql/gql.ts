/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ServerInfo {\n    serverInfo {\n      version\n      startedAt\n    }\n  }\n": typeof types.ServerInfoDocument,
    "\n  subscription ServerClock {\n    serverTime\n  }\n": typeof types.ServerClockDocument,
    "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) {\n      ...AdminServiceFields\n    }\n  }\n": typeof types.CreateServiceDocument,
    "\n  mutation UpdateService($name: String!, $input: UpdateServiceInput!) {\n    updateService(name: $name, input: $input) {\n      ...AdminServiceFields\n    }\n  }\n": typeof types.UpdateServiceDocument,
    "\n  mutation DeleteService($name: String!) {\n    deleteService(name: $name)\n  }\n": typeof types.DeleteServiceDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      secret\n      token {\n        id\n        name\n      }\n    }\n  }\n": typeof types.CreateApiTokenDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      email\n      role\n      workspaces\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  query LimitWorkspaces {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n  }\n": typeof types.LimitWorkspacesDocument,
    "\n  mutation CreateAlertChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      ...AlertChannelFields\n    }\n  }\n": typeof types.CreateAlertChannelDocument,
    "\n  mutation UpdateAlertChannel($name: String!, $settings: JSON!) {\n    updateAlertChannel(name: $name, settings: $settings) {\n      ...AlertChannelFields\n    }\n  }\n": typeof types.UpdateAlertChannelDocument,
    "\n  query OpenCriticalAlerts {\n    openCriticalAlerts\n  }\n": typeof types.OpenCriticalAlertsDocument,
    "\n  mutation CreateMaintenanceWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateMaintenanceWindowDocument,
    "\n  query ServiceAlertConfig($service: String!) {\n    alertConfigs(service: $service) {\n      service\n      source\n      own\n      updatedAt\n      effective {\n        enabled\n        channels\n        escalationDelay\n        minDuration\n        remindEvery\n        notifyRecovery\n      }\n    }\n    alertChannels {\n      name\n      kind\n    }\n  }\n": typeof types.ServiceAlertConfigDocument,
    "\n  mutation UpdateServiceAlertConfig($service: String!, $input: AlertConfigInput!) {\n    updateAlertConfig(service: $service, input: $input) {\n      service\n    }\n  }\n": typeof types.UpdateServiceAlertConfigDocument,
    "\n  fragment CheckRunFields on CheckRun {\n    checkedAt\n    status\n    latencyMs\n    error\n    steps {\n      name\n      ok\n      durationMs\n      detail\n    }\n  }\n": typeof types.CheckRunFieldsFragmentDoc,
    "\n  mutation RecheckService($name: String!) {\n    recheckService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n": typeof types.RecheckServiceDocument,
    "\n  mutation DiagnoseService($name: String!) {\n    diagnoseService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n": typeof types.DiagnoseServiceDocument,
    "\n  mutation PauseService($name: String!) {\n    pauseService(name: $name) {\n      name\n      paused\n    }\n  }\n": typeof types.PauseServiceDocument,
    "\n  mutation ResumeService($name: String!) {\n    resumeService(name: $name) {\n      name\n      paused\n    }\n  }\n": typeof types.ResumeServiceDocument,
    "\n  mutation RestartService($name: String!) {\n    restartService(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n    }\n  }\n": typeof types.RestartServiceDocument,
    "\n  mutation RetryOperationRun($id: ID!) {\n    retryOperationRun(id: $id) {\n      id\n    }\n  }\n": typeof types.RetryOperationRunDocument,
    "\n  mutation CancelOperationRun($id: ID!) {\n    cancelOperationRun(id: $id, confirm: true) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.CancelOperationRunDocument,
    "\n  mutation MarkOperationRunInvestigated($id: ID!, $reason: String!) {\n    markOperationRunInvestigated(id: $id, reason: $reason) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.MarkOperationRunInvestigatedDocument,
    "\n  query OperationFilterOptions {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n    operationTypes {\n      type\n      label\n    }\n  }\n": typeof types.OperationFilterOptionsDocument,
    "\n  query OperationFilterTenants($workspace: String) {\n    tenants(workspace: $workspace, first: 1000) {\n      slug\n      name\n      workspace {\n        slug\n        name\n      }\n    }\n  }\n": typeof types.OperationFilterTenantsDocument,
    "\n  fragment SystemHealthFields on SystemHealth {\n    replica\n    sampledAt\n    uptime\n    cpu {\n      usage\n      cores\n    }\n    memory {\n      used\n      total\n      percentage\n    }\n    disk {\n      used\n      total\n      percentage\n      path\n    }\n    queue {\n      depth\n      running\n      activeRuns {\n        id\n        type\n        workspace\n        worker\n        startedAt\n      }\n    }\n  }\n": typeof types.SystemHealthFieldsFragmentDoc,
    "\n  query SystemHealth {\n    systemHealth {\n      ...SystemHealthFields\n    }\n  }\n": typeof types.SystemHealthDocument,
    "\n  subscription SystemHealthUpdated {\n    systemHealthUpdated {\n      ...SystemHealthFields\n    }\n  }\n": typeof types.SystemHealthUpdatedDocument,
    "\n  query SystemHealthHistory($hours: Int) {\n    systemHealthHistory(hours: $hours) {\n      replica\n      at\n      cpuPercent\n      memoryPercent\n      diskPercent\n      queueDepth\n      runningRuns\n    }\n  }\n": typeof types.SystemHealthHistoryDocument,
    "\n  fragment AlertListFields on Alert {\n    id\n    service\n    displayName\n    state\n    severity\n    status\n    reason\n    startedAt\n    acknowledged\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolution\n    suppressedBy\n    notifiedAt\n    nextNoticeAt\n    channels\n  }\n": typeof types.AlertListFieldsFragmentDoc,
    "\n  query Alerts($filter: AlertFilter) {\n    alerts(filter: $filter) {\n      ...AlertListFields\n    }\n  }\n": typeof types.AlertsDocument,
    "\n  mutation AcknowledgeAlert($id: Int!) {\n    acknowledgeAlert(id: $id) {\n      ...AlertListFields\n    }\n  }\n": typeof types.AcknowledgeAlertDocument,
    "\n  subscription AlertChanged($service: String) {\n    alertChanged(service: $service) {\n      id\n      service\n      state\n    }\n  }\n": typeof types.AlertChangedDocument,
    "\n  fragment CheckPageFields on HealthCheckPage {\n    checks {\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n    hasNextPage\n    endCursor\n  }\n": typeof types.CheckPageFieldsFragmentDoc,
    "\n  query ServiceChecks($name: String!, $first: Int, $before: DateTime, $since: DateTime) {\n    service(name: $name) {\n      name\n      recentChecks(first: $first, before: $before, since: $since) {\n        ...CheckPageFields\n      }\n    }\n  }\n": typeof types.ServiceChecksDocument,
    "\n  fragment OpsSummaryFields on OpsSummary {\n    status\n    reasons\n    windowHours\n    generatedAt\n    runsBlocked\n    runsRunning\n    runsQueued\n    runsFailed\n    leasesActive\n    leasesStale\n    idempotencyReplays\n    idempotencyConflicts\n    dispatchTimeouts\n    servicesDown\n    servicesDegraded\n    criticalServicesDown\n    workersOnline\n  }\n": typeof types.OpsSummaryFieldsFragmentDoc,
    "\n  query OpsSummary {\n    opsSummary(hours: 24) {\n      ...OpsSummaryFields\n    }\n  }\n": typeof types.OpsSummaryDocument,
    "\n  subscription RunsChangedForSummary($intervalMs: Int) {\n    operationRunsChanged(intervalMs: $intervalMs) {\n      at\n    }\n  }\n": typeof types.RunsChangedForSummaryDocument,
    "\n  fragment ServiceCardFields on Service {\n    name\n    displayName\n    target\n    status\n    statusSince\n    lastCheckedAt\n    latencyMs\n    lastError\n    uptime24h\n    recentLatencies\n    critical\n    tags\n    paused\n  }\n": typeof types.ServiceCardFieldsFragmentDoc,
    "\n  query HealthOverview($filter: ServiceFilter, $first: Int = 200) {\n    healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) {\n      generatedAt\n      configError\n      totalCount\n      tags\n      summary {\n        total\n        healthy\n        degraded\n        down\n        pending\n        paused\n        criticalDown\n        criticalDegraded\n      }\n      services {\n        ...ServiceCardFields\n      }\n    }\n  }\n": typeof types.HealthOverviewDocument,
    "\n  fragment RunLinkFields on OperationRun {\n    id\n    title\n    status\n    outcome\n    createdAt\n  }\n": typeof types.RunLinkFieldsFragmentDoc,
    "\n  fragment RunDetailFields on OperationRun {\n    ...RunListFields\n    startedAt\n    completedAt\n    input\n    result\n    error\n    context\n    attempt\n    leaseWorker\n    leaseExpiresAt\n    lastHeartbeatAt\n    idempotencyKey\n    retriedById\n    retryRefusal\n    queuedSince\n    leaseLapses {\n      attempt\n      worker\n      leasedAt\n      lastHeartbeatAt\n      expiredAt\n      sweptAt\n      outcome\n    }\n    policy {\n      label\n      retryable\n      cancelable\n      expectedDurationMs\n      maxAttempts\n    }\n    retriedFrom {\n      ...RunLinkFields\n    }\n    retries {\n      ...RunLinkFields\n    }\n    auditTrail {\n      at\n      action\n      actorType\n      actorLabel\n      outcome\n      input\n    }\n    servicesAroundFailure {\n      service\n      critical\n      worstStatus\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n    }\n  }\n": typeof types.RunDetailFieldsFragmentDoc,
    "\n  query OperationRun($id: ID!) {\n    operationRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.OperationRunDocument,
    "\n  subscription OperationRunUpdated($id: ID!) {\n    operationRunUpdated(filter: { id: $id }) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.OperationRunUpdatedDocument,
    "\n  fragment RunListFields on OperationRun {\n    id\n    title\n    workspace {\n      slug\n      name\n    }\n    tenant {\n      slug\n      name\n    }\n    initiatorName\n    type\n    typeLabel\n    status\n    outcome\n    createdAt\n    startedAt\n    completedAt\n    error\n    attempt\n    leaseWorker\n    retriedById\n    investigated {\n      by\n      at\n    }\n    policy {\n      maxAttempts\n    }\n    stuckClass\n    stuck {\n      stuckClass\n      reason\n    }\n  }\n": typeof types.RunListFieldsFragmentDoc,
    "\n  query OperationRuns($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationRuns(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": typeof types.OperationRunsDocument,
    "\n  query OperationFailures($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationFailures(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": typeof types.OperationFailuresDocument,
    "\n  query OperationStuck($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationStuck(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": typeof types.OperationStuckDocument,
    "\n  subscription OperationRunsChanged($filter: OperationRunUpdatedFilter, $intervalMs: Int) {\n    operationRunsChanged(filter: $filter, intervalMs: $intervalMs) {\n      count\n    }\n  }\n": typeof types.OperationRunsChangedDocument,
    "\n  fragment RuntimeFields on Runtime {\n    name\n    kind\n    state\n    pid\n    version\n    commit\n    startedAt\n    restarts\n    lastExit {\n      code\n      signal\n      at\n    }\n    lastError\n    nextRestartAt\n    checkedAt\n  }\n": typeof types.RuntimeFieldsFragmentDoc,
    "\n  fragment LookoutFields on LookoutMetadata {\n    version\n    commit\n    startedAt\n    nodeVersion\n    pid\n    hostname\n    databaseKind\n    databaseVersion\n    replicasSeen\n    pubsub\n  }\n": typeof types.LookoutFieldsFragmentDoc,
    "\n  query SystemStatus {\n    systemStatus {\n      runtimes {\n        ...RuntimeFields\n      }\n      lookout {\n        ...LookoutFields\n      }\n    }\n  }\n": typeof types.SystemStatusDocument,
    "\n  subscription RuntimeChanged {\n    runtimeChanged {\n      ...RuntimeFields\n    }\n  }\n": typeof types.RuntimeChangedDocument,
    "\n  mutation RestartRuntime($name: String!) {\n    restartRuntime(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n      runtime {\n        ...RuntimeFields\n      }\n    }\n  }\n": typeof types.RestartRuntimeDocument,
    "\n  query ServiceDetail($name: String!, $from: DateTime!, $recentFrom: DateTime!, $to: DateTime!) {\n    service(name: $name) {\n      name\n      displayName\n      kind\n      target\n      source\n      sourcePath\n      status\n      statusSince\n      lastCheckedAt\n      latencyMs\n      lastError\n      paused\n      critical\n      interval\n      intervalMs\n      timeoutMs\n      failureThreshold\n      recoveryThreshold\n      tags\n      dependsOn\n      pingUrl\n      options\n      monitoredSince\n      quickActions {\n        restart\n        restartTarget\n        logs\n      }\n      uptime {\n        last24h {\n          ratio\n        }\n        last7d {\n          ratio\n        }\n        last30d {\n          ratio\n        }\n      }\n      latencySeries(from: $from, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      minuteSeries: latencySeries(from: $recentFrom, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      timeline(from: $from, to: $to) {\n        status\n        startedAt\n        endedAt\n      }\n      recentChecks(first: 20) {\n        ...CheckPageFields\n      }\n    }\n  }\n": typeof types.ServiceDetailDocument,
    "\n  subscription ServiceCheckRecorded($name: String!) {\n    healthCheckRecorded(service: $name) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n": typeof types.ServiceCheckRecordedDocument,
    "\n  subscription ServiceStatusChangedFor($name: String!) {\n    serviceStatusChanged(service: $name) {\n      service\n      status\n      reason\n      at\n    }\n  }\n": typeof types.ServiceStatusChangedForDocument,
    "\n  subscription GridStatusChanged($since: DateTime) {\n    serviceStatusChanged(since: $since) {\n      service\n      critical\n      previousStatus\n      status\n      at\n    }\n  }\n": typeof types.GridStatusChangedDocument,
    "\n  subscription GridCheckRecorded($services: [String!]) {\n    healthCheckRecorded(services: $services) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n": typeof types.GridCheckRecordedDocument,
    "\n  query ServiceLogs($name: String!, $lines: Int!) {\n    serviceLogs(name: $name, lines: $lines) {\n      source\n      lines\n    }\n  }\n": typeof types.ServiceLogsDocument,
    "\n  subscription ServiceLogLines($name: String!) {\n    serviceLogLines(name: $name) {\n      lines\n      rotated\n    }\n  }\n": typeof types.ServiceLogLinesDocument,
    "\n  query FindServices($text: String!) {\n    services(filter: { text: $text }, first: 50) {\n      name\n      displayName\n    }\n  }\n": typeof types.FindServicesDocument,
    "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n": typeof types.ViewerFieldsFragmentDoc,
    "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n": typeof types.SessionDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": typeof types.CompleteSetupDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  fragment ChecklistFields on StartupChecklist {\n    ready\n    checkedAt\n    failing\n    checks {\n      name\n      label\n      required\n      state\n      error\n      overriddenBy\n      overrideReason\n      overriddenAt\n    }\n  }\n": typeof types.ChecklistFieldsFragmentDoc,
    "\n  query StartupChecklist {\n    startupChecklist {\n      ...ChecklistFields\n    }\n  }\n": typeof types.StartupChecklistDocument,
    "\n  subscription StartupChecklistUpdated {\n    startupChecklistUpdated {\n      ...ChecklistFields\n    }\n  }\n": typeof types.StartupChecklistUpdatedDocument,
    "\n  mutation OverrideStartupCheck($name: String!, $reason: String!) {\n    overrideStartupCheck(name: $name, reason: $reason) {\n      ...ChecklistFields\n    }\n  }\n": typeof types.OverrideStartupCheckDocument,
    "\n  mutation RerunStartupChecklist {\n    rerunStartupChecklist {\n      ...ChecklistFields\n    }\n  }\n": typeof types.RerunStartupChecklistDocument,
    "\n  fragment UpdateRunFields on UpdateRun {\n    id\n    state\n    fromVersion\n    fromCommit\n    toVersion\n    toCommit\n    remote\n    branch\n    drain\n    requestedBy\n    replica\n    startedAt\n    finishedAt\n    failedStep\n    error\n    appliedMigrations\n    steps {\n      name\n      label\n      state\n      startedAt\n      finishedAt\n      detail\n    }\n  }\n": typeof types.UpdateRunFieldsFragmentDoc,
    "\n  fragment UpdateCheckFields on UpdateCheck {\n    currentVersion\n    currentCommit\n    latestVersion\n    latestCommit\n    updateAvailable\n    changelogTruncated\n    remote\n    remoteUrl\n    branch\n    checkedAt\n    canUpdate\n    activeRuns\n    commits {\n      commit\n      subject\n      author\n      at\n    }\n  }\n": typeof types.UpdateCheckFieldsFragmentDoc,
    "\n  query UpdateCheck {\n    updateCheck {\n      ...UpdateCheckFields\n    }\n  }\n": typeof types.UpdateCheckDocument,
    "\n  query UpdateRuns {\n    updateRuns(first: 20) {\n      ...UpdateRunFields\n    }\n  }\n": typeof types.UpdateRunsDocument,
    "\n  query UpdateRun($id: Int!, $after: Int!) {\n    updateRun(id: $id) {\n      ...UpdateRunFields\n      lines(after: $after) {\n        seq\n        step\n        line\n      }\n    }\n  }\n": typeof types.UpdateRunDocument,
    "\n  subscription UpdateProgress($runId: Int) {\n    updateProgress(runId: $runId) {\n      run {\n        ...UpdateRunFields\n      }\n      lines {\n        seq\n        step\n        line\n      }\n    }\n  }\n": typeof types.UpdateProgressDocument,
    "\n  mutation ExecuteUpdate($drain: Boolean!) {\n    executeUpdate(confirm: true, drain: $drain) {\n      success\n      message\n      run {\n        ...UpdateRunFields\n      }\n    }\n  }\n": typeof types.ExecuteUpdateDocument,
    "\n  query AlertDetail($id: Int!) {\n    alert(id: $id) {\n      ...AlertListFields\n      openedAt\n      reminders\n      transitions {\n        previousStatus\n        status\n        reason\n        at\n      }\n      deliveries {\n        id\n        channel\n        event\n        messageId\n        state\n        attempts\n        maxAttempts\n        nextAttemptAt\n        createdAt\n        sentAt\n        lastError\n        log {\n          attempt\n          startedAt\n          latencyMs\n          ok\n          statusCode\n          error\n          detail\n        }\n      }\n    }\n  }\n": typeof types.AlertDetailDocument,
    "\n  query AlertServiceLookup($name: String!) {\n    service(name: $name) {\n      name\n    }\n    services(filter: { text: $name }, first: 50) {\n      name\n      displayName\n    }\n  }\n": typeof types.AlertServiceLookupDocument,
    "\n  query MaintenanceWindows($first: Int!) {\n    maintenanceWindows(includeEnded: true, first: $first) {\n      id\n      name\n      services\n      tags\n      all\n      startsAt\n      endsAt\n      rrule\n      duration\n      reason\n      endWhenHealthy\n      endedAt\n      active\n      currentOrNextStart\n      currentOrNextEnd\n      source\n      createdBy\n      createdAt\n    }\n    services(first: 1000) {\n      name\n      displayName\n    }\n  }\n": typeof types.MaintenanceWindowsDocument,
    "\n  mutation EndMaintenanceWindow($id: Int!) {\n    endMaintenanceWindow(id: $id) {\n      id\n      endedAt\n    }\n  }\n": typeof types.EndMaintenanceWindowDocument,
    "\n  mutation DeleteMaintenanceWindow($id: Int!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n": typeof types.DeleteMaintenanceWindowDocument,
    "\n  query UptimeTimeline($from: DateTime!, $to: DateTime!, $first: Int!, $offset: Int!) {\n    uptimeTimeline(from: $from, to: $to, first: $first, offset: $offset) {\n      service {\n        name\n        displayName\n        status\n        paused\n      }\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n      uptime\n    }\n  }\n": typeof types.UptimeTimelineDocument,
    "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      entries {\n        id\n        at\n        actorType\n        actorId\n        actorLabel\n        action\n        targetType\n        targetId\n        input\n        outcome\n        errorCode\n        errorMessage\n        clientAddress\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  fragment AlertChannelFields on AlertChannel {\n    name\n    kind\n    settings\n    secretsSet\n    source\n    updatedAt\n  }\n": typeof types.AlertChannelFieldsFragmentDoc,
    "\n  query AlertChannels {\n    alertChannels {\n      ...AlertChannelFields\n    }\n    alertChannelKinds {\n      kind\n      description\n      secretFields\n    }\n  }\n": typeof types.AlertChannelsDocument,
    "\n  mutation DeleteAlertChannel($name: String!) {\n    deleteAlertChannel(name: $name)\n  }\n": typeof types.DeleteAlertChannelDocument,
    "\n  mutation TestAlertChannel($name: String!) {\n    testAlertChannel(name: $name) {\n      channel\n      messageId\n      ok\n      statusCode\n      latencyMs\n      error\n      detail\n    }\n  }\n": typeof types.TestAlertChannelDocument,
    "\n  fragment AdminServiceFields on Service {\n    name\n    displayName\n    kind\n    target\n    options\n    interval\n    timeoutMs\n    degradedLatencyMs\n    failureThreshold\n    recoveryThreshold\n    critical\n    tags\n    dependsOn\n    source\n    sourcePath\n    paused\n    status\n  }\n": typeof types.AdminServiceFieldsFragmentDoc,
    "\n  query AdminServices($first: Int!) {\n    services(first: $first) {\n      ...AdminServiceFields\n    }\n    count: healthOverview(first: 0) {\n      totalCount\n    }\n  }\n": typeof types.AdminServicesDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      role\n      capabilities\n      status\n      createdBy\n      createdAt\n      expiresAt\n      lastUsedAt\n      revokedAt\n      workspaces\n    }\n  }\n": typeof types.ApiTokensDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      status\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiTokenDocument,
    "\n  query Users {\n    users {\n      id\n      email\n      role\n      disabled\n      createdAt\n      lastSignInAt\n      workspaces\n    }\n    roles {\n      role\n      capabilities\n    }\n  }\n": typeof types.UsersDocument,
    "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n      role\n    }\n  }\n": typeof types.SetUserRoleDocument,
    "\n  mutation SetUserWorkspaces($id: ID!, $workspaces: [String!]) {\n    setUserWorkspaces(id: $id, workspaces: $workspaces) {\n      id\n      workspaces\n    }\n  }\n": typeof types.SetUserWorkspacesDocument,
    "\n  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {\n    setUserDisabled(id: $id, disabled: $disabled) {\n      id\n      disabled\n    }\n  }\n": typeof types.SetUserDisabledDocument,
};
const documents: Documents = {
    "\n  query ServerInfo {\n    serverInfo {\n      version\n      startedAt\n    }\n  }\n": types.ServerInfoDocument,
    "\n  subscription ServerClock {\n    serverTime\n  }\n": types.ServerClockDocument,
    "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) {\n      ...AdminServiceFields\n    }\n  }\n": types.CreateServiceDocument,
    "\n  mutation UpdateService($name: String!, $input: UpdateServiceInput!) {\n    updateService(name: $name, input: $input) {\n      ...AdminServiceFields\n    }\n  }\n": types.UpdateServiceDocument,
    "\n  mutation DeleteService($name: String!) {\n    deleteService(name: $name)\n  }\n": types.DeleteServiceDocument,
    "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      secret\n      token {\n        id\n        name\n      }\n    }\n  }\n": types.CreateApiTokenDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      email\n      role\n      workspaces\n    }\n  }\n": types.CreateUserDocument,
    "\n  query LimitWorkspaces {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n  }\n": types.LimitWorkspacesDocument,
    "\n  mutation CreateAlertChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      ...AlertChannelFields\n    }\n  }\n": types.CreateAlertChannelDocument,
    "\n  mutation UpdateAlertChannel($name: String!, $settings: JSON!) {\n    updateAlertChannel(name: $name, settings: $settings) {\n      ...AlertChannelFields\n    }\n  }\n": types.UpdateAlertChannelDocument,
    "\n  query OpenCriticalAlerts {\n    openCriticalAlerts\n  }\n": types.OpenCriticalAlertsDocument,
    "\n  mutation CreateMaintenanceWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateMaintenanceWindowDocument,
    "\n  query ServiceAlertConfig($service: String!) {\n    alertConfigs(service: $service) {\n      service\n      source\n      own\n      updatedAt\n      effective {\n        enabled\n        channels\n        escalationDelay\n        minDuration\n        remindEvery\n        notifyRecovery\n      }\n    }\n    alertChannels {\n      name\n      kind\n    }\n  }\n": types.ServiceAlertConfigDocument,
    "\n  mutation UpdateServiceAlertConfig($service: String!, $input: AlertConfigInput!) {\n    updateAlertConfig(service: $service, input: $input) {\n      service\n    }\n  }\n": types.UpdateServiceAlertConfigDocument,
    "\n  fragment CheckRunFields on CheckRun {\n    checkedAt\n    status\n    latencyMs\n    error\n    steps {\n      name\n      ok\n      durationMs\n      detail\n    }\n  }\n": types.CheckRunFieldsFragmentDoc,
    "\n  mutation RecheckService($name: String!) {\n    recheckService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n": types.RecheckServiceDocument,
    "\n  mutation DiagnoseService($name: String!) {\n    diagnoseService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n": types.DiagnoseServiceDocument,
    "\n  mutation PauseService($name: String!) {\n    pauseService(name: $name) {\n      name\n      paused\n    }\n  }\n": types.PauseServiceDocument,
    "\n  mutation ResumeService($name: String!) {\n    resumeService(name: $name) {\n      name\n      paused\n    }\n  }\n": types.ResumeServiceDocument,
    "\n  mutation RestartService($name: String!) {\n    restartService(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n    }\n  }\n": types.RestartServiceDocument,
    "\n  mutation RetryOperationRun($id: ID!) {\n    retryOperationRun(id: $id) {\n      id\n    }\n  }\n": types.RetryOperationRunDocument,
    "\n  mutation CancelOperationRun($id: ID!) {\n    cancelOperationRun(id: $id, confirm: true) {\n      ...RunDetailFields\n    }\n  }\n": types.CancelOperationRunDocument,
    "\n  mutation MarkOperationRunInvestigated($id: ID!, $reason: String!) {\n    markOperationRunInvestigated(id: $id, reason: $reason) {\n      ...RunDetailFields\n    }\n  }\n": types.MarkOperationRunInvestigatedDocument,
    "\n  query OperationFilterOptions {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n    operationTypes {\n      type\n      label\n    }\n  }\n": types.OperationFilterOptionsDocument,
    "\n  query OperationFilterTenants($workspace: String) {\n    tenants(workspace: $workspace, first: 1000) {\n      slug\n      name\n      workspace {\n        slug\n        name\n      }\n    }\n  }\n": types.OperationFilterTenantsDocument,
    "\n  fragment SystemHealthFields on SystemHealth {\n    replica\n    sampledAt\n    uptime\n    cpu {\n      usage\n      cores\n    }\n    memory {\n      used\n      total\n      percentage\n    }\n    disk {\n      used\n      total\n      percentage\n      path\n    }\n    queue {\n      depth\n      running\n      activeRuns {\n        id\n        type\n        workspace\n        worker\n        startedAt\n      }\n    }\n  }\n": types.SystemHealthFieldsFragmentDoc,
    "\n  query SystemHealth {\n    systemHealth {\n      ...SystemHealthFields\n    }\n  }\n": types.SystemHealthDocument,
    "\n  subscription SystemHealthUpdated {\n    systemHealthUpdated {\n      ...SystemHealthFields\n    }\n  }\n": types.SystemHealthUpdatedDocument,
    "\n  query SystemHealthHistory($hours: Int) {\n    systemHealthHistory(hours: $hours) {\n      replica\n      at\n      cpuPercent\n      memoryPercent\n      diskPercent\n      queueDepth\n      runningRuns\n    }\n  }\n": types.SystemHealthHistoryDocument,
    "\n  fragment AlertListFields on Alert {\n    id\n    service\n    displayName\n    state\n    severity\n    status\n    reason\n    startedAt\n    acknowledged\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolution\n    suppressedBy\n    notifiedAt\n    nextNoticeAt\n    channels\n  }\n": types.AlertListFieldsFragmentDoc,
    "\n  query Alerts($filter: AlertFilter) {\n    alerts(filter: $filter) {\n      ...AlertListFields\n    }\n  }\n": types.AlertsDocument,
    "\n  mutation AcknowledgeAlert($id: Int!) {\n    acknowledgeAlert(id: $id) {\n      ...AlertListFields\n    }\n  }\n": types.AcknowledgeAlertDocument,
    "\n  subscription AlertChanged($service: String) {\n    alertChanged(service: $service) {\n      id\n      service\n      state\n    }\n  }\n": types.AlertChangedDocument,
    "\n  fragment CheckPageFields on HealthCheckPage {\n    checks {\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n    hasNextPage\n    endCursor\n  }\n": types.CheckPageFieldsFragmentDoc,
    "\n  query ServiceChecks($name: String!, $first: Int, $before: DateTime, $since: DateTime) {\n    service(name: $name) {\n      name\n      recentChecks(first: $first, before: $before, since: $since) {\n        ...CheckPageFields\n      }\n    }\n  }\n": types.ServiceChecksDocument,
    "\n  fragment OpsSummaryFields on OpsSummary {\n    status\n    reasons\n    windowHours\n    generatedAt\n    runsBlocked\n    runsRunning\n    runsQueued\n    runsFailed\n    leasesActive\n    leasesStale\n    idempotencyReplays\n    idempotencyConflicts\n    dispatchTimeouts\n    servicesDown\n    servicesDegraded\n    criticalServicesDown\n    workersOnline\n  }\n": types.OpsSummaryFieldsFragmentDoc,
    "\n  query OpsSummary {\n    opsSummary(hours: 24) {\n      ...OpsSummaryFields\n    }\n  }\n": types.OpsSummaryDocument,
    "\n  subscription RunsChangedForSummary($intervalMs: Int) {\n    operationRunsChanged(intervalMs: $intervalMs) {\n      at\n    }\n  }\n": types.RunsChangedForSummaryDocument,
    "\n  fragment ServiceCardFields on Service {\n    name\n    displayName\n    target\n    status\n    statusSince\n    lastCheckedAt\n    latencyMs\n    lastError\n    uptime24h\n    recentLatencies\n    critical\n    tags\n    paused\n  }\n": types.ServiceCardFieldsFragmentDoc,
    "\n  query HealthOverview($filter: ServiceFilter, $first: Int = 200) {\n    healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) {\n      generatedAt\n      configError\n      totalCount\n      tags\n      summary {\n        total\n        healthy\n        degraded\n        down\n        pending\n        paused\n        criticalDown\n        criticalDegraded\n      }\n      services {\n        ...ServiceCardFields\n      }\n    }\n  }\n": types.HealthOverviewDocument,
    "\n  fragment RunLinkFields on OperationRun {\n    id\n    title\n    status\n    outcome\n    createdAt\n  }\n": types.RunLinkFieldsFragmentDoc,
    "\n  fragment RunDetailFields on OperationRun {\n    ...RunListFields\n    startedAt\n    completedAt\n    input\n    result\n    error\n    context\n    attempt\n    leaseWorker\n    leaseExpiresAt\n    lastHeartbeatAt\n    idempotencyKey\n    retriedById\n    retryRefusal\n    queuedSince\n    leaseLapses {\n      attempt\n      worker\n      leasedAt\n      lastHeartbeatAt\n      expiredAt\n      sweptAt\n      outcome\n    }\n    policy {\n      label\n      retryable\n      cancelable\n      expectedDurationMs\n      maxAttempts\n    }\n    retriedFrom {\n      ...RunLinkFields\n    }\n    retries {\n      ...RunLinkFields\n    }\n    auditTrail {\n      at\n      action\n      actorType\n      actorLabel\n      outcome\n      input\n    }\n    servicesAroundFailure {\n      service\n      critical\n      worstStatus\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n    }\n  }\n": types.RunDetailFieldsFragmentDoc,
    "\n  query OperationRun($id: ID!) {\n    operationRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": types.OperationRunDocument,
    "\n  subscription OperationRunUpdated($id: ID!) {\n    operationRunUpdated(filter: { id: $id }) {\n      ...RunDetailFields\n    }\n  }\n": types.OperationRunUpdatedDocument,
    "\n  fragment RunListFields on OperationRun {\n    id\n    title\n    workspace {\n      slug\n      name\n    }\n    tenant {\n      slug\n      name\n    }\n    initiatorName\n    type\n    typeLabel\n    status\n    outcome\n    createdAt\n    startedAt\n    completedAt\n    error\n    attempt\n    leaseWorker\n    retriedById\n    investigated {\n      by\n      at\n    }\n    policy {\n      maxAttempts\n    }\n    stuckClass\n    stuck {\n      stuckClass\n      reason\n    }\n  }\n": types.RunListFieldsFragmentDoc,
    "\n  query OperationRuns($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationRuns(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": types.OperationRunsDocument,
    "\n  query OperationFailures($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationFailures(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": types.OperationFailuresDocument,
    "\n  query OperationStuck($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationStuck(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": types.OperationStuckDocument,
    "\n  subscription OperationRunsChanged($filter: OperationRunUpdatedFilter, $intervalMs: Int) {\n    operationRunsChanged(filter: $filter, intervalMs: $intervalMs) {\n      count\n    }\n  }\n": types.OperationRunsChangedDocument,
    "\n  fragment RuntimeFields on Runtime {\n    name\n    kind\n    state\n    pid\n    version\n    commit\n    startedAt\n    restarts\n    lastExit {\n      code\n      signal\n      at\n    }\n    lastError\n    nextRestartAt\n    checkedAt\n  }\n": types.RuntimeFieldsFragmentDoc,
    "\n  fragment LookoutFields on LookoutMetadata {\n    version\n    commit\n    startedAt\n    nodeVersion\n    pid\n    hostname\n    databaseKind\n    databaseVersion\n    replicasSeen\n    pubsub\n  }\n": types.LookoutFieldsFragmentDoc,
    "\n  query SystemStatus {\n    systemStatus {\n      runtimes {\n        ...RuntimeFields\n      }\n      lookout {\n        ...LookoutFields\n      }\n    }\n  }\n": types.SystemStatusDocument,
    "\n  subscription RuntimeChanged {\n    runtimeChanged {\n      ...RuntimeFields\n    }\n  }\n": types.RuntimeChangedDocument,
    "\n  mutation RestartRuntime($name: String!) {\n    restartRuntime(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n      runtime {\n        ...RuntimeFields\n      }\n    }\n  }\n": types.RestartRuntimeDocument,
    "\n  query ServiceDetail($name: String!, $from: DateTime!, $recentFrom: DateTime!, $to: DateTime!) {\n    service(name: $name) {\n      name\n      displayName\n      kind\n      target\n      source\n      sourcePath\n      status\n      statusSince\n      lastCheckedAt\n      latencyMs\n      lastError\n      paused\n      critical\n      interval\n      intervalMs\n      timeoutMs\n      failureThreshold\n      recoveryThreshold\n      tags\n      dependsOn\n      pingUrl\n      options\n      monitoredSince\n      quickActions {\n        restart\n        restartTarget\n        logs\n      }\n      uptime {\n        last24h {\n          ratio\n        }\n        last7d {\n          ratio\n        }\n        last30d {\n          ratio\n        }\n      }\n      latencySeries(from: $from, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      minuteSeries: latencySeries(from: $recentFrom, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      timeline(from: $from, to: $to) {\n        status\n        startedAt\n        endedAt\n      }\n      recentChecks(first: 20) {\n        ...CheckPageFields\n      }\n    }\n  }\n": types.ServiceDetailDocument,
    "\n  subscription ServiceCheckRecorded($name: String!) {\n    healthCheckRecorded(service: $name) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n": types.ServiceCheckRecordedDocument,
    "\n  subscription ServiceStatusChangedFor($name: String!) {\n    serviceStatusChanged(service: $name) {\n      service\n      status\n      reason\n      at\n    }\n  }\n": types.ServiceStatusChangedForDocument,
    "\n  subscription GridStatusChanged($since: DateTime) {\n    serviceStatusChanged(since: $since) {\n      service\n      critical\n      previousStatus\n      status\n      at\n    }\n  }\n": types.GridStatusChangedDocument,
    "\n  subscription GridCheckRecorded($services: [String!]) {\n    healthCheckRecorded(services: $services) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n": types.GridCheckRecordedDocument,
    "\n  query ServiceLogs($name: String!, $lines: Int!) {\n    serviceLogs(name: $name, lines: $lines) {\n      source\n      lines\n    }\n  }\n": types.ServiceLogsDocument,
    "\n  subscription ServiceLogLines($name: String!) {\n    serviceLogLines(name: $name) {\n      lines\n      rotated\n    }\n  }\n": types.ServiceLogLinesDocument,
    "\n  query FindServices($text: String!) {\n    services(filter: { text: $text }, first: 50) {\n      name\n      displayName\n    }\n  }\n": types.FindServicesDocument,
    "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n": types.ViewerFieldsFragmentDoc,
    "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n": types.SessionDocument,
    "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n": types.CompleteSetupDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  fragment ChecklistFields on StartupChecklist {\n    ready\n    checkedAt\n    failing\n    checks {\n      name\n      label\n      required\n      state\n      error\n      overriddenBy\n      overrideReason\n      overriddenAt\n    }\n  }\n": types.ChecklistFieldsFragmentDoc,
    "\n  query StartupChecklist {\n    startupChecklist {\n      ...ChecklistFields\n    }\n  }\n": types.StartupChecklistDocument,
    "\n  subscription StartupChecklistUpdated {\n    startupChecklistUpdated {\n      ...ChecklistFields\n    }\n  }\n": types.StartupChecklistUpdatedDocument,
    "\n  mutation OverrideStartupCheck($name: String!, $reason: String!) {\n    overrideStartupCheck(name: $name, reason: $reason) {\n      ...ChecklistFields\n    }\n  }\n": types.OverrideStartupCheckDocument,
    "\n  mutation RerunStartupChecklist {\n    rerunStartupChecklist {\n      ...ChecklistFields\n    }\n  }\n": types.RerunStartupChecklistDocument,
    "\n  fragment UpdateRunFields on UpdateRun {\n    id\n    state\n    fromVersion\n    fromCommit\n    toVersion\n    toCommit\n    remote\n    branch\n    drain\n    requestedBy\n    replica\n    startedAt\n    finishedAt\n    failedStep\n    error\n    appliedMigrations\n    steps {\n      name\n      label\n      state\n      startedAt\n      finishedAt\n      detail\n    }\n  }\n": types.UpdateRunFieldsFragmentDoc,
    "\n  fragment UpdateCheckFields on UpdateCheck {\n    currentVersion\n    currentCommit\n    latestVersion\n    latestCommit\n    updateAvailable\n    changelogTruncated\n    remote\n    remoteUrl\n    branch\n    checkedAt\n    canUpdate\n    activeRuns\n    commits {\n      commit\n      subject\n      author\n      at\n    }\n  }\n": types.UpdateCheckFieldsFragmentDoc,
    "\n  query UpdateCheck {\n    updateCheck {\n      ...UpdateCheckFields\n    }\n  }\n": types.UpdateCheckDocument,
    "\n  query UpdateRuns {\n    updateRuns(first: 20) {\n      ...UpdateRunFields\n    }\n  }\n": types.UpdateRunsDocument,
    "\n  query UpdateRun($id: Int!, $after: Int!) {\n    updateRun(id: $id) {\n      ...UpdateRunFields\n      lines(after: $after) {\n        seq\n        step\n        line\n      }\n    }\n  }\n": types.UpdateRunDocument,
    "\n  subscription UpdateProgress($runId: Int) {\n    updateProgress(runId: $runId) {\n      run {\n        ...UpdateRunFields\n      }\n      lines {\n        seq\n        step\n        line\n      }\n    }\n  }\n": types.UpdateProgressDocument,
    "\n  mutation ExecuteUpdate($drain: Boolean!) {\n    executeUpdate(confirm: true, drain: $drain) {\n      success\n      message\n      run {\n        ...UpdateRunFields\n      }\n    }\n  }\n": types.ExecuteUpdateDocument,
    "\n  query AlertDetail($id: Int!) {\n    alert(id: $id) {\n      ...AlertListFields\n      openedAt\n      reminders\n      transitions {\n        previousStatus\n        status\n        reason\n        at\n      }\n      deliveries {\n        id\n        channel\n        event\n        messageId\n        state\n        attempts\n        maxAttempts\n        nextAttemptAt\n        createdAt\n        sentAt\n        lastError\n        log {\n          attempt\n          startedAt\n          latencyMs\n          ok\n          statusCode\n          error\n          detail\n        }\n      }\n    }\n  }\n": types.AlertDetailDocument,
    "\n  query AlertServiceLookup($name: String!) {\n    service(name: $name) {\n      name\n    }\n    services(filter: { text: $name }, first: 50) {\n      name\n      displayName\n    }\n  }\n": types.AlertServiceLookupDocument,
    "\n  query MaintenanceWindows($first: Int!) {\n    maintenanceWindows(includeEnded: true, first: $first) {\n      id\n      name\n      services\n      tags\n      all\n      startsAt\n      endsAt\n      rrule\n      duration\n      reason\n      endWhenHealthy\n      endedAt\n      active\n      currentOrNextStart\n      currentOrNextEnd\n      source\n      createdBy\n      createdAt\n    }\n    services(first: 1000) {\n      name\n      displayName\n    }\n  }\n": types.MaintenanceWindowsDocument,
    "\n  mutation EndMaintenanceWindow($id: Int!) {\n    endMaintenanceWindow(id: $id) {\n      id\n      endedAt\n    }\n  }\n": types.EndMaintenanceWindowDocument,
    "\n  mutation DeleteMaintenanceWindow($id: Int!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n": types.DeleteMaintenanceWindowDocument,
    "\n  query UptimeTimeline($from: DateTime!, $to: DateTime!, $first: Int!, $offset: Int!) {\n    uptimeTimeline(from: $from, to: $to, first: $first, offset: $offset) {\n      service {\n        name\n        displayName\n        status\n        paused\n      }\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n      uptime\n    }\n  }\n": types.UptimeTimelineDocument,
    "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      entries {\n        id\n        at\n        actorType\n        actorId\n        actorLabel\n        action\n        targetType\n        targetId\n        input\n        outcome\n        errorCode\n        errorMessage\n        clientAddress\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n": types.AuditLogDocument,
    "\n  fragment AlertChannelFields on AlertChannel {\n    name\n    kind\n    settings\n    secretsSet\n    source\n    updatedAt\n  }\n": types.AlertChannelFieldsFragmentDoc,
    "\n  query AlertChannels {\n    alertChannels {\n      ...AlertChannelFields\n    }\n    alertChannelKinds {\n      kind\n      description\n      secretFields\n    }\n  }\n": types.AlertChannelsDocument,
    "\n  mutation DeleteAlertChannel($name: String!) {\n    deleteAlertChannel(name: $name)\n  }\n": types.DeleteAlertChannelDocument,
    "\n  mutation TestAlertChannel($name: String!) {\n    testAlertChannel(name: $name) {\n      channel\n      messageId\n      ok\n      statusCode\n      latencyMs\n      error\n      detail\n    }\n  }\n": types.TestAlertChannelDocument,
    "\n  fragment AdminServiceFields on Service {\n    name\n    displayName\n    kind\n    target\n    options\n    interval\n    timeoutMs\n    degradedLatencyMs\n    failureThreshold\n    recoveryThreshold\n    critical\n    tags\n    dependsOn\n    source\n    sourcePath\n    paused\n    status\n  }\n": types.AdminServiceFieldsFragmentDoc,
    "\n  query AdminServices($first: Int!) {\n    services(first: $first) {\n      ...AdminServiceFields\n    }\n    count: healthOverview(first: 0) {\n      totalCount\n    }\n  }\n": types.AdminServicesDocument,
    "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      role\n      capabilities\n      status\n      createdBy\n      createdAt\n      expiresAt\n      lastUsedAt\n      revokedAt\n      workspaces\n    }\n  }\n": types.ApiTokensDocument,
    "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      status\n      revokedAt\n    }\n  }\n": types.RevokeApiTokenDocument,
    "\n  query Users {\n    users {\n      id\n      email\n      role\n      disabled\n      createdAt\n      lastSignInAt\n      workspaces\n    }\n    roles {\n      role\n      capabilities\n    }\n  }\n": types.UsersDocument,
    "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n      role\n    }\n  }\n": types.SetUserRoleDocument,
    "\n  mutation SetUserWorkspaces($id: ID!, $workspaces: [String!]) {\n    setUserWorkspaces(id: $id, workspaces: $workspaces) {\n      id\n      workspaces\n    }\n  }\n": types.SetUserWorkspacesDocument,
    "\n  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {\n    setUserDisabled(id: $id, disabled: $disabled) {\n      id\n      disabled\n    }\n  }\n": types.SetUserDisabledDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServerInfo {\n    serverInfo {\n      version\n      startedAt\n    }\n  }\n"): (typeof documents)["\n  query ServerInfo {\n    serverInfo {\n      version\n      startedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ServerClock {\n    serverTime\n  }\n"): (typeof documents)["\n  subscription ServerClock {\n    serverTime\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) {\n      ...AdminServiceFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateService($input: CreateServiceInput!) {\n    createService(input: $input) {\n      ...AdminServiceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateService($name: String!, $input: UpdateServiceInput!) {\n    updateService(name: $name, input: $input) {\n      ...AdminServiceFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateService($name: String!, $input: UpdateServiceInput!) {\n    updateService(name: $name, input: $input) {\n      ...AdminServiceFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteService($name: String!) {\n    deleteService(name: $name)\n  }\n"): (typeof documents)["\n  mutation DeleteService($name: String!) {\n    deleteService(name: $name)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      secret\n      token {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiToken($input: CreateApiTokenInput!) {\n    createApiToken(input: $input) {\n      secret\n      token {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      email\n      role\n      workspaces\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      email\n      role\n      workspaces\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LimitWorkspaces {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n  }\n"): (typeof documents)["\n  query LimitWorkspaces {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAlertChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      ...AlertChannelFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateAlertChannel($input: AlertChannelInput!) {\n    createAlertChannel(input: $input) {\n      ...AlertChannelFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateAlertChannel($name: String!, $settings: JSON!) {\n    updateAlertChannel(name: $name, settings: $settings) {\n      ...AlertChannelFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateAlertChannel($name: String!, $settings: JSON!) {\n    updateAlertChannel(name: $name, settings: $settings) {\n      ...AlertChannelFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpenCriticalAlerts {\n    openCriticalAlerts\n  }\n"): (typeof documents)["\n  query OpenCriticalAlerts {\n    openCriticalAlerts\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateMaintenanceWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateMaintenanceWindow($input: MaintenanceWindowInput!) {\n    createMaintenanceWindow(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceAlertConfig($service: String!) {\n    alertConfigs(service: $service) {\n      service\n      source\n      own\n      updatedAt\n      effective {\n        enabled\n        channels\n        escalationDelay\n        minDuration\n        remindEvery\n        notifyRecovery\n      }\n    }\n    alertChannels {\n      name\n      kind\n    }\n  }\n"): (typeof documents)["\n  query ServiceAlertConfig($service: String!) {\n    alertConfigs(service: $service) {\n      service\n      source\n      own\n      updatedAt\n      effective {\n        enabled\n        channels\n        escalationDelay\n        minDuration\n        remindEvery\n        notifyRecovery\n      }\n    }\n    alertChannels {\n      name\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateServiceAlertConfig($service: String!, $input: AlertConfigInput!) {\n    updateAlertConfig(service: $service, input: $input) {\n      service\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateServiceAlertConfig($service: String!, $input: AlertConfigInput!) {\n    updateAlertConfig(service: $service, input: $input) {\n      service\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CheckRunFields on CheckRun {\n    checkedAt\n    status\n    latencyMs\n    error\n    steps {\n      name\n      ok\n      durationMs\n      detail\n    }\n  }\n"): (typeof documents)["\n  fragment CheckRunFields on CheckRun {\n    checkedAt\n    status\n    latencyMs\n    error\n    steps {\n      name\n      ok\n      durationMs\n      detail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecheckService($name: String!) {\n    recheckService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n"): (typeof documents)["\n  mutation RecheckService($name: String!) {\n    recheckService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DiagnoseService($name: String!) {\n    diagnoseService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n"): (typeof documents)["\n  mutation DiagnoseService($name: String!) {\n    diagnoseService(name: $name) {\n      ...CheckRunFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PauseService($name: String!) {\n    pauseService(name: $name) {\n      name\n      paused\n    }\n  }\n"): (typeof documents)["\n  mutation PauseService($name: String!) {\n    pauseService(name: $name) {\n      name\n      paused\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResumeService($name: String!) {\n    resumeService(name: $name) {\n      name\n      paused\n    }\n  }\n"): (typeof documents)["\n  mutation ResumeService($name: String!) {\n    resumeService(name: $name) {\n      name\n      paused\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestartService($name: String!) {\n    restartService(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n    }\n  }\n"): (typeof documents)["\n  mutation RestartService($name: String!) {\n    restartService(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryOperationRun($id: ID!) {\n    retryOperationRun(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RetryOperationRun($id: ID!) {\n    retryOperationRun(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOperationRun($id: ID!) {\n    cancelOperationRun(id: $id, confirm: true) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelOperationRun($id: ID!) {\n    cancelOperationRun(id: $id, confirm: true) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkOperationRunInvestigated($id: ID!, $reason: String!) {\n    markOperationRunInvestigated(id: $id, reason: $reason) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  mutation MarkOperationRunInvestigated($id: ID!, $reason: String!) {\n    markOperationRunInvestigated(id: $id, reason: $reason) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationFilterOptions {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n    operationTypes {\n      type\n      label\n    }\n  }\n"): (typeof documents)["\n  query OperationFilterOptions {\n    workspaces(first: 1000) {\n      slug\n      name\n    }\n    operationTypes {\n      type\n      label\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationFilterTenants($workspace: String) {\n    tenants(workspace: $workspace, first: 1000) {\n      slug\n      name\n      workspace {\n        slug\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query OperationFilterTenants($workspace: String) {\n    tenants(workspace: $workspace, first: 1000) {\n      slug\n      name\n      workspace {\n        slug\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SystemHealthFields on SystemHealth {\n    replica\n    sampledAt\n    uptime\n    cpu {\n      usage\n      cores\n    }\n    memory {\n      used\n      total\n      percentage\n    }\n    disk {\n      used\n      total\n      percentage\n      path\n    }\n    queue {\n      depth\n      running\n      activeRuns {\n        id\n        type\n        workspace\n        worker\n        startedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment SystemHealthFields on SystemHealth {\n    replica\n    sampledAt\n    uptime\n    cpu {\n      usage\n      cores\n    }\n    memory {\n      used\n      total\n      percentage\n    }\n    disk {\n      used\n      total\n      percentage\n      path\n    }\n    queue {\n      depth\n      running\n      activeRuns {\n        id\n        type\n        workspace\n        worker\n        startedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SystemHealth {\n    systemHealth {\n      ...SystemHealthFields\n    }\n  }\n"): (typeof documents)["\n  query SystemHealth {\n    systemHealth {\n      ...SystemHealthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription SystemHealthUpdated {\n    systemHealthUpdated {\n      ...SystemHealthFields\n    }\n  }\n"): (typeof documents)["\n  subscription SystemHealthUpdated {\n    systemHealthUpdated {\n      ...SystemHealthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SystemHealthHistory($hours: Int) {\n    systemHealthHistory(hours: $hours) {\n      replica\n      at\n      cpuPercent\n      memoryPercent\n      diskPercent\n      queueDepth\n      runningRuns\n    }\n  }\n"): (typeof documents)["\n  query SystemHealthHistory($hours: Int) {\n    systemHealthHistory(hours: $hours) {\n      replica\n      at\n      cpuPercent\n      memoryPercent\n      diskPercent\n      queueDepth\n      runningRuns\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AlertListFields on Alert {\n    id\n    service\n    displayName\n    state\n    severity\n    status\n    reason\n    startedAt\n    acknowledged\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolution\n    suppressedBy\n    notifiedAt\n    nextNoticeAt\n    channels\n  }\n"): (typeof documents)["\n  fragment AlertListFields on Alert {\n    id\n    service\n    displayName\n    state\n    severity\n    status\n    reason\n    startedAt\n    acknowledged\n    acknowledgedAt\n    acknowledgedBy\n    resolvedAt\n    resolution\n    suppressedBy\n    notifiedAt\n    nextNoticeAt\n    channels\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Alerts($filter: AlertFilter) {\n    alerts(filter: $filter) {\n      ...AlertListFields\n    }\n  }\n"): (typeof documents)["\n  query Alerts($filter: AlertFilter) {\n    alerts(filter: $filter) {\n      ...AlertListFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcknowledgeAlert($id: Int!) {\n    acknowledgeAlert(id: $id) {\n      ...AlertListFields\n    }\n  }\n"): (typeof documents)["\n  mutation AcknowledgeAlert($id: Int!) {\n    acknowledgeAlert(id: $id) {\n      ...AlertListFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription AlertChanged($service: String) {\n    alertChanged(service: $service) {\n      id\n      service\n      state\n    }\n  }\n"): (typeof documents)["\n  subscription AlertChanged($service: String) {\n    alertChanged(service: $service) {\n      id\n      service\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CheckPageFields on HealthCheckPage {\n    checks {\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n    hasNextPage\n    endCursor\n  }\n"): (typeof documents)["\n  fragment CheckPageFields on HealthCheckPage {\n    checks {\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n    hasNextPage\n    endCursor\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceChecks($name: String!, $first: Int, $before: DateTime, $since: DateTime) {\n    service(name: $name) {\n      name\n      recentChecks(first: $first, before: $before, since: $since) {\n        ...CheckPageFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query ServiceChecks($name: String!, $first: Int, $before: DateTime, $since: DateTime) {\n    service(name: $name) {\n      name\n      recentChecks(first: $first, before: $before, since: $since) {\n        ...CheckPageFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OpsSummaryFields on OpsSummary {\n    status\n    reasons\n    windowHours\n    generatedAt\n    runsBlocked\n    runsRunning\n    runsQueued\n    runsFailed\n    leasesActive\n    leasesStale\n    idempotencyReplays\n    idempotencyConflicts\n    dispatchTimeouts\n    servicesDown\n    servicesDegraded\n    criticalServicesDown\n    workersOnline\n  }\n"): (typeof documents)["\n  fragment OpsSummaryFields on OpsSummary {\n    status\n    reasons\n    windowHours\n    generatedAt\n    runsBlocked\n    runsRunning\n    runsQueued\n    runsFailed\n    leasesActive\n    leasesStale\n    idempotencyReplays\n    idempotencyConflicts\n    dispatchTimeouts\n    servicesDown\n    servicesDegraded\n    criticalServicesDown\n    workersOnline\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OpsSummary {\n    opsSummary(hours: 24) {\n      ...OpsSummaryFields\n    }\n  }\n"): (typeof documents)["\n  query OpsSummary {\n    opsSummary(hours: 24) {\n      ...OpsSummaryFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunsChangedForSummary($intervalMs: Int) {\n    operationRunsChanged(intervalMs: $intervalMs) {\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription RunsChangedForSummary($intervalMs: Int) {\n    operationRunsChanged(intervalMs: $intervalMs) {\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ServiceCardFields on Service {\n    name\n    displayName\n    target\n    status\n    statusSince\n    lastCheckedAt\n    latencyMs\n    lastError\n    uptime24h\n    recentLatencies\n    critical\n    tags\n    paused\n  }\n"): (typeof documents)["\n  fragment ServiceCardFields on Service {\n    name\n    displayName\n    target\n    status\n    statusSince\n    lastCheckedAt\n    latencyMs\n    lastError\n    uptime24h\n    recentLatencies\n    critical\n    tags\n    paused\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HealthOverview($filter: ServiceFilter, $first: Int = 200) {\n    healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) {\n      generatedAt\n      configError\n      totalCount\n      tags\n      summary {\n        total\n        healthy\n        degraded\n        down\n        pending\n        paused\n        criticalDown\n        criticalDegraded\n      }\n      services {\n        ...ServiceCardFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query HealthOverview($filter: ServiceFilter, $first: Int = 200) {\n    healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) {\n      generatedAt\n      configError\n      totalCount\n      tags\n      summary {\n        total\n        healthy\n        degraded\n        down\n        pending\n        paused\n        criticalDown\n        criticalDegraded\n      }\n      services {\n        ...ServiceCardFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunLinkFields on OperationRun {\n    id\n    title\n    status\n    outcome\n    createdAt\n  }\n"): (typeof documents)["\n  fragment RunLinkFields on OperationRun {\n    id\n    title\n    status\n    outcome\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunDetailFields on OperationRun {\n    ...RunListFields\n    startedAt\n    completedAt\n    input\n    result\n    error\n    context\n    attempt\n    leaseWorker\n    leaseExpiresAt\n    lastHeartbeatAt\n    idempotencyKey\n    retriedById\n    retryRefusal\n    queuedSince\n    leaseLapses {\n      attempt\n      worker\n      leasedAt\n      lastHeartbeatAt\n      expiredAt\n      sweptAt\n      outcome\n    }\n    policy {\n      label\n      retryable\n      cancelable\n      expectedDurationMs\n      maxAttempts\n    }\n    retriedFrom {\n      ...RunLinkFields\n    }\n    retries {\n      ...RunLinkFields\n    }\n    auditTrail {\n      at\n      action\n      actorType\n      actorLabel\n      outcome\n      input\n    }\n    servicesAroundFailure {\n      service\n      critical\n      worstStatus\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment RunDetailFields on OperationRun {\n    ...RunListFields\n    startedAt\n    completedAt\n    input\n    result\n    error\n    context\n    attempt\n    leaseWorker\n    leaseExpiresAt\n    lastHeartbeatAt\n    idempotencyKey\n    retriedById\n    retryRefusal\n    queuedSince\n    leaseLapses {\n      attempt\n      worker\n      leasedAt\n      lastHeartbeatAt\n      expiredAt\n      sweptAt\n      outcome\n    }\n    policy {\n      label\n      retryable\n      cancelable\n      expectedDurationMs\n      maxAttempts\n    }\n    retriedFrom {\n      ...RunLinkFields\n    }\n    retries {\n      ...RunLinkFields\n    }\n    auditTrail {\n      at\n      action\n      actorType\n      actorLabel\n      outcome\n      input\n    }\n    servicesAroundFailure {\n      service\n      critical\n      worstStatus\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationRun($id: ID!) {\n    operationRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  query OperationRun($id: ID!) {\n    operationRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OperationRunUpdated($id: ID!) {\n    operationRunUpdated(filter: { id: $id }) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  subscription OperationRunUpdated($id: ID!) {\n    operationRunUpdated(filter: { id: $id }) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunListFields on OperationRun {\n    id\n    title\n    workspace {\n      slug\n      name\n    }\n    tenant {\n      slug\n      name\n    }\n    initiatorName\n    type\n    typeLabel\n    status\n    outcome\n    createdAt\n    startedAt\n    completedAt\n    error\n    attempt\n    leaseWorker\n    retriedById\n    investigated {\n      by\n      at\n    }\n    policy {\n      maxAttempts\n    }\n    stuckClass\n    stuck {\n      stuckClass\n      reason\n    }\n  }\n"): (typeof documents)["\n  fragment RunListFields on OperationRun {\n    id\n    title\n    workspace {\n      slug\n      name\n    }\n    tenant {\n      slug\n      name\n    }\n    initiatorName\n    type\n    typeLabel\n    status\n    outcome\n    createdAt\n    startedAt\n    completedAt\n    error\n    attempt\n    leaseWorker\n    retriedById\n    investigated {\n      by\n      at\n    }\n    policy {\n      maxAttempts\n    }\n    stuckClass\n    stuck {\n      stuckClass\n      reason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationRuns($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationRuns(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"): (typeof documents)["\n  query OperationRuns($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationRuns(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationFailures($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationFailures(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"): (typeof documents)["\n  query OperationFailures($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationFailures(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OperationStuck($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationStuck(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"): (typeof documents)["\n  query OperationStuck($filter: OperationRunFilter, $first: Int, $after: String) {\n    operationStuck(filter: $filter, first: $first, after: $after) {\n      runs {\n        ...RunListFields\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OperationRunsChanged($filter: OperationRunUpdatedFilter, $intervalMs: Int) {\n    operationRunsChanged(filter: $filter, intervalMs: $intervalMs) {\n      count\n    }\n  }\n"): (typeof documents)["\n  subscription OperationRunsChanged($filter: OperationRunUpdatedFilter, $intervalMs: Int) {\n    operationRunsChanged(filter: $filter, intervalMs: $intervalMs) {\n      count\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RuntimeFields on Runtime {\n    name\n    kind\n    state\n    pid\n    version\n    commit\n    startedAt\n    restarts\n    lastExit {\n      code\n      signal\n      at\n    }\n    lastError\n    nextRestartAt\n    checkedAt\n  }\n"): (typeof documents)["\n  fragment RuntimeFields on Runtime {\n    name\n    kind\n    state\n    pid\n    version\n    commit\n    startedAt\n    restarts\n    lastExit {\n      code\n      signal\n      at\n    }\n    lastError\n    nextRestartAt\n    checkedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LookoutFields on LookoutMetadata {\n    version\n    commit\n    startedAt\n    nodeVersion\n    pid\n    hostname\n    databaseKind\n    databaseVersion\n    replicasSeen\n    pubsub\n  }\n"): (typeof documents)["\n  fragment LookoutFields on LookoutMetadata {\n    version\n    commit\n    startedAt\n    nodeVersion\n    pid\n    hostname\n    databaseKind\n    databaseVersion\n    replicasSeen\n    pubsub\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SystemStatus {\n    systemStatus {\n      runtimes {\n        ...RuntimeFields\n      }\n      lookout {\n        ...LookoutFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query SystemStatus {\n    systemStatus {\n      runtimes {\n        ...RuntimeFields\n      }\n      lookout {\n        ...LookoutFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RuntimeChanged {\n    runtimeChanged {\n      ...RuntimeFields\n    }\n  }\n"): (typeof documents)["\n  subscription RuntimeChanged {\n    runtimeChanged {\n      ...RuntimeFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestartRuntime($name: String!) {\n    restartRuntime(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n      runtime {\n        ...RuntimeFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RestartRuntime($name: String!) {\n    restartRuntime(name: $name, confirm: true) {\n      ok\n      error\n      durationMs\n      runtime {\n        ...RuntimeFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceDetail($name: String!, $from: DateTime!, $recentFrom: DateTime!, $to: DateTime!) {\n    service(name: $name) {\n      name\n      displayName\n      kind\n      target\n      source\n      sourcePath\n      status\n      statusSince\n      lastCheckedAt\n      latencyMs\n      lastError\n      paused\n      critical\n      interval\n      intervalMs\n      timeoutMs\n      failureThreshold\n      recoveryThreshold\n      tags\n      dependsOn\n      pingUrl\n      options\n      monitoredSince\n      quickActions {\n        restart\n        restartTarget\n        logs\n      }\n      uptime {\n        last24h {\n          ratio\n        }\n        last7d {\n          ratio\n        }\n        last30d {\n          ratio\n        }\n      }\n      latencySeries(from: $from, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      minuteSeries: latencySeries(from: $recentFrom, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      timeline(from: $from, to: $to) {\n        status\n        startedAt\n        endedAt\n      }\n      recentChecks(first: 20) {\n        ...CheckPageFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query ServiceDetail($name: String!, $from: DateTime!, $recentFrom: DateTime!, $to: DateTime!) {\n    service(name: $name) {\n      name\n      displayName\n      kind\n      target\n      source\n      sourcePath\n      status\n      statusSince\n      lastCheckedAt\n      latencyMs\n      lastError\n      paused\n      critical\n      interval\n      intervalMs\n      timeoutMs\n      failureThreshold\n      recoveryThreshold\n      tags\n      dependsOn\n      pingUrl\n      options\n      monitoredSince\n      quickActions {\n        restart\n        restartTarget\n        logs\n      }\n      uptime {\n        last24h {\n          ratio\n        }\n        last7d {\n          ratio\n        }\n        last30d {\n          ratio\n        }\n      }\n      latencySeries(from: $from, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      minuteSeries: latencySeries(from: $recentFrom, to: $to) {\n        at\n        avgMs\n        p95Ms\n      }\n      timeline(from: $from, to: $to) {\n        status\n        startedAt\n        endedAt\n      }\n      recentChecks(first: 20) {\n        ...CheckPageFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ServiceCheckRecorded($name: String!) {\n    healthCheckRecorded(service: $name) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n"): (typeof documents)["\n  subscription ServiceCheckRecorded($name: String!) {\n    healthCheckRecorded(service: $name) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ServiceStatusChangedFor($name: String!) {\n    serviceStatusChanged(service: $name) {\n      service\n      status\n      reason\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription ServiceStatusChangedFor($name: String!) {\n    serviceStatusChanged(service: $name) {\n      service\n      status\n      reason\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GridStatusChanged($since: DateTime) {\n    serviceStatusChanged(since: $since) {\n      service\n      critical\n      previousStatus\n      status\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription GridStatusChanged($since: DateTime) {\n    serviceStatusChanged(since: $since) {\n      service\n      critical\n      previousStatus\n      status\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GridCheckRecorded($services: [String!]) {\n    healthCheckRecorded(services: $services) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n"): (typeof documents)["\n  subscription GridCheckRecorded($services: [String!]) {\n    healthCheckRecorded(services: $services) {\n      service\n      checkedAt\n      status\n      latencyMs\n      error\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ServiceLogs($name: String!, $lines: Int!) {\n    serviceLogs(name: $name, lines: $lines) {\n      source\n      lines\n    }\n  }\n"): (typeof documents)["\n  query ServiceLogs($name: String!, $lines: Int!) {\n    serviceLogs(name: $name, lines: $lines) {\n      source\n      lines\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ServiceLogLines($name: String!) {\n    serviceLogLines(name: $name) {\n      lines\n      rotated\n    }\n  }\n"): (typeof documents)["\n  subscription ServiceLogLines($name: String!) {\n    serviceLogLines(name: $name) {\n      lines\n      rotated\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FindServices($text: String!) {\n    services(filter: { text: $text }, first: 50) {\n      name\n      displayName\n    }\n  }\n"): (typeof documents)["\n  query FindServices($text: String!) {\n    services(filter: { text: $text }, first: 50) {\n      name\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n"): (typeof documents)["\n  fragment ViewerFields on Viewer {\n    id\n    kind\n    name\n    email\n    role\n    capabilities\n    sessionExpiresAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n"): (typeof documents)["\n  query Session {\n    me {\n      ...ViewerFields\n    }\n    setupStatus {\n      required\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($email: String!, $password: String!) {\n    signIn(email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteSetup($token: String!, $email: String!, $password: String!) {\n    completeSetup(token: $token, email: $email, password: $password) {\n      viewer {\n        ...ViewerFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChecklistFields on StartupChecklist {\n    ready\n    checkedAt\n    failing\n    checks {\n      name\n      label\n      required\n      state\n      error\n      overriddenBy\n      overrideReason\n      overriddenAt\n    }\n  }\n"): (typeof documents)["\n  fragment ChecklistFields on StartupChecklist {\n    ready\n    checkedAt\n    failing\n    checks {\n      name\n      label\n      required\n      state\n      error\n      overriddenBy\n      overrideReason\n      overriddenAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StartupChecklist {\n    startupChecklist {\n      ...ChecklistFields\n    }\n  }\n"): (typeof documents)["\n  query StartupChecklist {\n    startupChecklist {\n      ...ChecklistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StartupChecklistUpdated {\n    startupChecklistUpdated {\n      ...ChecklistFields\n    }\n  }\n"): (typeof documents)["\n  subscription StartupChecklistUpdated {\n    startupChecklistUpdated {\n      ...ChecklistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OverrideStartupCheck($name: String!, $reason: String!) {\n    overrideStartupCheck(name: $name, reason: $reason) {\n      ...ChecklistFields\n    }\n  }\n"): (typeof documents)["\n  mutation OverrideStartupCheck($name: String!, $reason: String!) {\n    overrideStartupCheck(name: $name, reason: $reason) {\n      ...ChecklistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RerunStartupChecklist {\n    rerunStartupChecklist {\n      ...ChecklistFields\n    }\n  }\n"): (typeof documents)["\n  mutation RerunStartupChecklist {\n    rerunStartupChecklist {\n      ...ChecklistFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UpdateRunFields on UpdateRun {\n    id\n    state\n    fromVersion\n    fromCommit\n    toVersion\n    toCommit\n    remote\n    branch\n    drain\n    requestedBy\n    replica\n    startedAt\n    finishedAt\n    failedStep\n    error\n    appliedMigrations\n    steps {\n      name\n      label\n      state\n      startedAt\n      finishedAt\n      detail\n    }\n  }\n"): (typeof documents)["\n  fragment UpdateRunFields on UpdateRun {\n    id\n    state\n    fromVersion\n    fromCommit\n    toVersion\n    toCommit\n    remote\n    branch\n    drain\n    requestedBy\n    replica\n    startedAt\n    finishedAt\n    failedStep\n    error\n    appliedMigrations\n    steps {\n      name\n      label\n      state\n      startedAt\n      finishedAt\n      detail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UpdateCheckFields on UpdateCheck {\n    currentVersion\n    currentCommit\n    latestVersion\n    latestCommit\n    updateAvailable\n    changelogTruncated\n    remote\n    remoteUrl\n    branch\n    checkedAt\n    canUpdate\n    activeRuns\n    commits {\n      commit\n      subject\n      author\n      at\n    }\n  }\n"): (typeof documents)["\n  fragment UpdateCheckFields on UpdateCheck {\n    currentVersion\n    currentCommit\n    latestVersion\n    latestCommit\n    updateAvailable\n    changelogTruncated\n    remote\n    remoteUrl\n    branch\n    checkedAt\n    canUpdate\n    activeRuns\n    commits {\n      commit\n      subject\n      author\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UpdateCheck {\n    updateCheck {\n      ...UpdateCheckFields\n    }\n  }\n"): (typeof documents)["\n  query UpdateCheck {\n    updateCheck {\n      ...UpdateCheckFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UpdateRuns {\n    updateRuns(first: 20) {\n      ...UpdateRunFields\n    }\n  }\n"): (typeof documents)["\n  query UpdateRuns {\n    updateRuns(first: 20) {\n      ...UpdateRunFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UpdateRun($id: Int!, $after: Int!) {\n    updateRun(id: $id) {\n      ...UpdateRunFields\n      lines(after: $after) {\n        seq\n        step\n        line\n      }\n    }\n  }\n"): (typeof documents)["\n  query UpdateRun($id: Int!, $after: Int!) {\n    updateRun(id: $id) {\n      ...UpdateRunFields\n      lines(after: $after) {\n        seq\n        step\n        line\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription UpdateProgress($runId: Int) {\n    updateProgress(runId: $runId) {\n      run {\n        ...UpdateRunFields\n      }\n      lines {\n        seq\n        step\n        line\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription UpdateProgress($runId: Int) {\n    updateProgress(runId: $runId) {\n      run {\n        ...UpdateRunFields\n      }\n      lines {\n        seq\n        step\n        line\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ExecuteUpdate($drain: Boolean!) {\n    executeUpdate(confirm: true, drain: $drain) {\n      success\n      message\n      run {\n        ...UpdateRunFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ExecuteUpdate($drain: Boolean!) {\n    executeUpdate(confirm: true, drain: $drain) {\n      success\n      message\n      run {\n        ...UpdateRunFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlertDetail($id: Int!) {\n    alert(id: $id) {\n      ...AlertListFields\n      openedAt\n      reminders\n      transitions {\n        previousStatus\n        status\n        reason\n        at\n      }\n      deliveries {\n        id\n        channel\n        event\n        messageId\n        state\n        attempts\n        maxAttempts\n        nextAttemptAt\n        createdAt\n        sentAt\n        lastError\n        log {\n          attempt\n          startedAt\n          latencyMs\n          ok\n          statusCode\n          error\n          detail\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AlertDetail($id: Int!) {\n    alert(id: $id) {\n      ...AlertListFields\n      openedAt\n      reminders\n      transitions {\n        previousStatus\n        status\n        reason\n        at\n      }\n      deliveries {\n        id\n        channel\n        event\n        messageId\n        state\n        attempts\n        maxAttempts\n        nextAttemptAt\n        createdAt\n        sentAt\n        lastError\n        log {\n          attempt\n          startedAt\n          latencyMs\n          ok\n          statusCode\n          error\n          detail\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlertServiceLookup($name: String!) {\n    service(name: $name) {\n      name\n    }\n    services(filter: { text: $name }, first: 50) {\n      name\n      displayName\n    }\n  }\n"): (typeof documents)["\n  query AlertServiceLookup($name: String!) {\n    service(name: $name) {\n      name\n    }\n    services(filter: { text: $name }, first: 50) {\n      name\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MaintenanceWindows($first: Int!) {\n    maintenanceWindows(includeEnded: true, first: $first) {\n      id\n      name\n      services\n      tags\n      all\n      startsAt\n      endsAt\n      rrule\n      duration\n      reason\n      endWhenHealthy\n      endedAt\n      active\n      currentOrNextStart\n      currentOrNextEnd\n      source\n      createdBy\n      createdAt\n    }\n    services(first: 1000) {\n      name\n      displayName\n    }\n  }\n"): (typeof documents)["\n  query MaintenanceWindows($first: Int!) {\n    maintenanceWindows(includeEnded: true, first: $first) {\n      id\n      name\n      services\n      tags\n      all\n      startsAt\n      endsAt\n      rrule\n      duration\n      reason\n      endWhenHealthy\n      endedAt\n      active\n      currentOrNextStart\n      currentOrNextEnd\n      source\n      createdBy\n      createdAt\n    }\n    services(first: 1000) {\n      name\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndMaintenanceWindow($id: Int!) {\n    endMaintenanceWindow(id: $id) {\n      id\n      endedAt\n    }\n  }\n"): (typeof documents)["\n  mutation EndMaintenanceWindow($id: Int!) {\n    endMaintenanceWindow(id: $id) {\n      id\n      endedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMaintenanceWindow($id: Int!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteMaintenanceWindow($id: Int!) {\n    deleteMaintenanceWindow(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UptimeTimeline($from: DateTime!, $to: DateTime!, $first: Int!, $offset: Int!) {\n    uptimeTimeline(from: $from, to: $to, first: $first, offset: $offset) {\n      service {\n        name\n        displayName\n        status\n        paused\n      }\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n      uptime\n    }\n  }\n"): (typeof documents)["\n  query UptimeTimeline($from: DateTime!, $to: DateTime!, $first: Int!, $offset: Int!) {\n    uptimeTimeline(from: $from, to: $to, first: $first, offset: $offset) {\n      service {\n        name\n        displayName\n        status\n        paused\n      }\n      windows {\n        status\n        startedAt\n        endedAt\n      }\n      uptime\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      entries {\n        id\n        at\n        actorType\n        actorId\n        actorLabel\n        action\n        targetType\n        targetId\n        input\n        outcome\n        errorCode\n        errorMessage\n        clientAddress\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($filter: AuditLogFilter, $first: Int, $after: String) {\n    auditLog(filter: $filter, first: $first, after: $after) {\n      entries {\n        id\n        at\n        actorType\n        actorId\n        actorLabel\n        action\n        targetType\n        targetId\n        input\n        outcome\n        errorCode\n        errorMessage\n        clientAddress\n      }\n      endCursor\n      hasNextPage\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AlertChannelFields on AlertChannel {\n    name\n    kind\n    settings\n    secretsSet\n    source\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment AlertChannelFields on AlertChannel {\n    name\n    kind\n    settings\n    secretsSet\n    source\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlertChannels {\n    alertChannels {\n      ...AlertChannelFields\n    }\n    alertChannelKinds {\n      kind\n      description\n      secretFields\n    }\n  }\n"): (typeof documents)["\n  query AlertChannels {\n    alertChannels {\n      ...AlertChannelFields\n    }\n    alertChannelKinds {\n      kind\n      description\n      secretFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAlertChannel($name: String!) {\n    deleteAlertChannel(name: $name)\n  }\n"): (typeof documents)["\n  mutation DeleteAlertChannel($name: String!) {\n    deleteAlertChannel(name: $name)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestAlertChannel($name: String!) {\n    testAlertChannel(name: $name) {\n      channel\n      messageId\n      ok\n      statusCode\n      latencyMs\n      error\n      detail\n    }\n  }\n"): (typeof documents)["\n  mutation TestAlertChannel($name: String!) {\n    testAlertChannel(name: $name) {\n      channel\n      messageId\n      ok\n      statusCode\n      latencyMs\n      error\n      detail\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AdminServiceFields on Service {\n    name\n    displayName\n    kind\n    target\n    options\n    interval\n    timeoutMs\n    degradedLatencyMs\n    failureThreshold\n    recoveryThreshold\n    critical\n    tags\n    dependsOn\n    source\n    sourcePath\n    paused\n    status\n  }\n"): (typeof documents)["\n  fragment AdminServiceFields on Service {\n    name\n    displayName\n    kind\n    target\n    options\n    interval\n    timeoutMs\n    degradedLatencyMs\n    failureThreshold\n    recoveryThreshold\n    critical\n    tags\n    dependsOn\n    source\n    sourcePath\n    paused\n    status\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminServices($first: Int!) {\n    services(first: $first) {\n      ...AdminServiceFields\n    }\n    count: healthOverview(first: 0) {\n      totalCount\n    }\n  }\n"): (typeof documents)["\n  query AdminServices($first: Int!) {\n    services(first: $first) {\n      ...AdminServiceFields\n    }\n    count: healthOverview(first: 0) {\n      totalCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      role\n      capabilities\n      status\n      createdBy\n      createdAt\n      expiresAt\n      lastUsedAt\n      revokedAt\n      workspaces\n    }\n  }\n"): (typeof documents)["\n  query ApiTokens {\n    apiTokens {\n      id\n      name\n      prefix\n      role\n      capabilities\n      status\n      createdBy\n      createdAt\n      expiresAt\n      lastUsedAt\n      revokedAt\n      workspaces\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      status\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiToken($id: ID!) {\n    revokeApiToken(id: $id) {\n      id\n      status\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users {\n    users {\n      id\n      email\n      role\n      disabled\n      createdAt\n      lastSignInAt\n      workspaces\n    }\n    roles {\n      role\n      capabilities\n    }\n  }\n"): (typeof documents)["\n  query Users {\n    users {\n      id\n      email\n      role\n      disabled\n      createdAt\n      lastSignInAt\n      workspaces\n    }\n    roles {\n      role\n      capabilities\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserWorkspaces($id: ID!, $workspaces: [String!]) {\n    setUserWorkspaces(id: $id, workspaces: $workspaces) {\n      id\n      workspaces\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserWorkspaces($id: ID!, $workspaces: [String!]) {\n    setUserWorkspaces(id: $id, workspaces: $workspaces) {\n      id\n      workspaces\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {\n    setUserDisabled(id: $id, disabled: $disabled) {\n      id\n      disabled\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {\n    setUserDisabled(id: $id, disabled: $disabled) {\n      id\n      disabled\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;