/**
 * The start-up checklist: one query, then live from `startupChecklistUpdated`; an admin's override
 * of a failing check and an operator's "run checks now" return the new checklist, shown at once.
 */
import { createSignal, onCleanup } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { graphql } from '../graphql';
import type { ChecklistFieldsFragment } from '../graphql/graphql.ts';
import { client } from './urql.ts';
import { onReconnected } from './connection.ts';
import { formError, type FormError } from './errors.ts';

graphql(`
  fragment ChecklistFields on StartupChecklist {
    ready
    checkedAt
    failing
    checks {
      name
      label
      required
      state
      error
      overriddenBy
      overrideReason
      overriddenAt
    }
  }
`);

const StartupChecklistDoc = graphql(`
  query StartupChecklist {
    startupChecklist {
      ...ChecklistFields
    }
  }
`);

const StartupChecklistUpdatedDoc = graphql(`
  subscription StartupChecklistUpdated {
    startupChecklistUpdated {
      ...ChecklistFields
    }
  }
`);

const OverrideStartupCheckDoc = graphql(`
  mutation OverrideStartupCheck($name: String!, $reason: String!) {
    overrideStartupCheck(name: $name, reason: $reason) {
      ...ChecklistFields
    }
  }
`);

const RerunStartupChecklistDoc = graphql(`
  mutation RerunStartupChecklist {
    rerunStartupChecklist {
      ...ChecklistFields
    }
  }
`);

export type Checklist = ChecklistFieldsFragment;
export type StartupCheck = Checklist['checks'][number];

export interface ChecklistModel {
  checklist: () => Checklist | null;
  error: () => FormError | null;
  /** Overrides a failing check; returns the server's refusal, or null when it took. */
  override: (name: string, reason: string) => Promise<FormError | null>;
  rerun: () => Promise<FormError | null>;
}

export function createStartupChecklist(): ChecklistModel {
  const [state, setState] = createStore<{ checklist: Checklist | null }>({ checklist: null });
  // Keyed by check name: a live update keeps each check's row (and an override being typed) in place.
  const setChecklist = (checklist: Checklist) => setState('checklist', reconcile(checklist, { key: 'name', merge: true }));
  const [error, setError] = createSignal<FormError | null>(null);

  const load = async () => {
    const result = await client.query(StartupChecklistDoc, {}).toPromise();
    if (result.data) setChecklist(result.data.startupChecklist);
    setError(formError(result.error));
  };
  const updates = client.subscription(StartupChecklistUpdatedDoc, {}).subscribe((result) => {
    if (result.data) setChecklist(result.data.startupChecklistUpdated);
  });
  onCleanup(() => updates.unsubscribe());
  void load();
  onReconnected(() => void load());

  return {
    checklist: () => state.checklist,
    error,
    override: async (name, reason) => {
      const result = await client.mutation(OverrideStartupCheckDoc, { name, reason: reason.trim() }).toPromise();
      if (result.data) setChecklist(result.data.overrideStartupCheck);
      return formError(result.error);
    },
    rerun: async () => {
      const result = await client.mutation(RerunStartupChecklistDoc, {}).toPromise();
      if (result.data) setChecklist(result.data.rerunStartupChecklist);
      return formError(result.error);
    },
  };
}
