/**
 * The Overview grid's one query: the worst services first, a page of them with what their cards
 * show, and the counts and tags of all. The page asks its first page before any code loads
 * (lib/early-answers.ts, with the variables' defaults); bench/overview and bench/dashboard time the
 * same fields.
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
  query HealthOverview($filter: ServiceFilter, $first: Int = 200) {
    healthOverview(filter: $filter, orderBy: WORST_FIRST, first: $first) {
      generatedAt
      configError
      totalCount
      tags
      summary {
        total
        healthy
        degraded
        down
        pending
        paused
        criticalDown
        criticalDegraded
      }
      services {
        ...ServiceCardFields
      }
    }
  }
`);
