/** Who is using the dashboard: the query asked first, on every page (by the page itself: lib/early-answers.ts). */
import { graphql } from '../graphql';

graphql(`
  fragment ViewerFields on Viewer {
    id
    kind
    name
    email
    role
    capabilities
    sessionExpiresAt
  }
`);

export const SessionQuery = graphql(`
  query Session {
    me {
      ...ViewerFields
    }
    setupStatus {
      required
    }
  }
`);
