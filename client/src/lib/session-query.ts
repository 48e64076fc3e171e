/** Who is using the dashboard: the query the dashboard asks first, on every page (see main.tsx). */
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
