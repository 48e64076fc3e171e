/**
 * The Overview grid's one query: every service with what its card shows. Apart from the grid's
 * code (service-grid.ts) so that the entry script can ask it before that code has loaded.
 */
import { graphql } from '../graphql';

graphql(`
  fragment ServiceCardFields on Service {
    name
    displayName
    target
    status
    statusSince
    lastCheckedAt
    latencyMs
    lastError
    uptime24h
    recentLatencies
    critical
    tags
    paused
  }
`);

export const HealthOverviewQuery = graphql(`
  query HealthOverview {
    healthOverview {
      generatedAt
      configError
      services {
        ...ServiceCardFields
      }
    }
  }
`);
