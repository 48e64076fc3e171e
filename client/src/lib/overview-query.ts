/**
 * The Overview grid's one query: every service with what its card shows. The page asks it before
 * any code loads (lib/early-answers.ts); bench/overview and bench/dashboard time the same fields.
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
