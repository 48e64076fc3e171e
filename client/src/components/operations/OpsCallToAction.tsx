/**
 * The operations pages' calls to action. A list offers exactly one, in its header and again in its
 * empty state: "Go to runbooks" on Runs, "Show all operations" on Failures and Stuck. The detail
 * page offers both as its way out (quiet), beside the triage actions.
 */
import { A } from '@solidjs/router';
import { ALL_OPERATIONS_HREF, RUNBOOKS_URL } from '../../lib/operations.ts';

type Variant = 'primary' | 'quiet';

/** External: the team's runbooks (VITE_RUNBOOKS_URL), in a new tab. */
export function RunbooksLink(props: { variant?: Variant }) {
  return (
    <a
      class={`button button--${props.variant ?? 'primary'}`}
      href={RUNBOOKS_URL}
      target="_blank"
      rel="noopener noreferrer"
      data-cta="runbooks"
      data-testid="cta-runbooks"
    >
      Go to runbooks
    </a>
  );
}

export function AllOperationsLink(props: { variant?: Variant }) {
  return (
    <A class={`button button--${props.variant ?? 'primary'}`} href={ALL_OPERATIONS_HREF} data-cta="all-operations" data-testid="cta-all-operations">
      Show all operations
    </A>
  );
}
