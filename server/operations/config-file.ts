/**
 * Operations' section of the config file (server/config-file.ts): `operations` (the catalog of
 * operation types) and `startup` (the checklist's required files and optional checks).
 */
import type { ConfigSection } from '../config-file.ts';
import { parseCatalog, type OperationPolicy } from './catalog.ts';
import { parseChecklistSettings, type ChecklistSettings } from './checklist.ts';

export interface OperationsConfig {
  /** `operations.types`: the operation catalog. */
  types: OperationPolicy[];
  /** `startup`: files the start-up checklist requires, and checks that are only informative. */
  startup: ChecklistSettings;
}

export const operationsSection: ConfigSection<OperationsConfig> = {
  keys: ['operations', 'startup'],
  parse({ values }, problems) {
    const operations = values.operations ?? {};
    let types: OperationPolicy[] = [];
    if (typeof operations !== 'object' || Array.isArray(operations)) problems.push('operations: must be a mapping (types)');
    else {
      const { types: entries, ...others } = operations as Record<string, unknown>;
      for (const key of Object.keys(others)) problems.push(`operations: unknown key ${JSON.stringify(key.slice(0, 60))} (expected types)`);
      types = parseCatalog(entries, 'operations.types', problems);
    }
    return { types, startup: parseChecklistSettings(values.startup, problems) };
  },
};
