/** Any address the dashboard does not know. */
import { Placeholder } from '../components/Placeholder.tsx';

export function NotFoundPage() {
  return (
    <Placeholder title="Not found" testid="not-found" summary="There is no page at this address." heading="Nothing here">
      <p>
        Check the address, or go back to the <a href="/">Overview</a>.
      </p>
    </Placeholder>
  );
}
