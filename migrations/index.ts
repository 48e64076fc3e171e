/** The migrations Lookout applies, in order. `npm run migration:create` regenerates this list. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261122080934_initial as M0 } from './Migration20261122080934_initial.ts';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261122080934_initial', class: M0 },
];
