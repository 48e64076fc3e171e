/**
 * Admin → API tokens: who can call the API without a browser and in which workspaces; create one
 * (secret once), revoke. Tokens are immutable: a different role or limit means a new token.
 */
import { For, Show, createSignal } from 'solid-js';
import { createMutation, createQuery } from '@urql/solid';
import { graphql } from '../../graphql';
import type { ApiTokensQuery } from '../../graphql/graphql.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { AdminTabs } from '../../components/admin/AdminTabs.tsx';
import { TokenCreateForm } from '../../components/admin/TokenCreateForm.tsx';
import { NewTokenSecret } from '../../components/admin/NewTokenSecret.tsx';
import { Badge, tokenTone } from '../../components/Badge.tsx';
import { FormErrorMessage } from '../../components/Forms.tsx';
import { WorkspaceLimitList } from '../../components/admin/WorkspaceLimitField.tsx';
import { InlineConfirm, RowError } from '../../components/InlineConfirm.tsx';
import { onReconnected } from '../../lib/connection.ts';
import { formError, type FormError } from '../../lib/errors.ts';
import { capabilityLabel, formatAgo, formatDateTime, roleLabel } from '../../lib/format.ts';

const ApiTokensQueryDoc = graphql(`
  query ApiTokens {
    apiTokens {
      id
      name
      prefix
      role
      capabilities
      status
      createdBy
      createdAt
      expiresAt
      lastUsedAt
      revokedAt
      workspaces
    }
  }
`);

const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
      status
      revokedAt
    }
  }
`);

type Token = ApiTokensQuery['apiTokens'][number];

const COLUMNS = 9;

export function TokensPage() {
  const [tokens, refetch] = createQuery({ query: ApiTokensQueryDoc });
  const refresh = () => refetch();
  onReconnected(refresh);
  const [created, setCreated] = createSignal<{ name: string; secret: string } | null>(null);

  return (
    <>
      <PageHeader title="Admin" description="API tokens, users, services and the audit trail of every change." />
      <AdminTabs />
      <Show when={created()}>
        {(token) => <NewTokenSecret name={token().name} secret={token().secret} onDismiss={() => setCreated(null)} />}
      </Show>
      <section class="card">
        <h2>Create an API token</h2>
        <p class="muted">
          For automation, CI and workers. A token acts with the capabilities of its role, in every workspace or only the ones you
          choose. It cannot be changed once created: for another role, expiry or workspaces, create a new token and revoke the old one.
        </p>
        <TokenCreateForm
          onCreated={(token) => {
            setCreated(token);
            refresh();
          }}
        />
      </section>
      <section class="card card--flush">
        <div class="card__head">
          <h2>API tokens</h2>
          <span class="muted">{tokens.data ? `${tokens.data.apiTokens.length} in total` : ''}</span>
        </div>
        <FormErrorMessage error={formError(tokens.error)} />
        <table class="table" data-testid="tokens-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Role / capabilities</th>
              <th>Workspaces</th>
              <th>Status</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            <For
              each={tokens.data?.apiTokens}
              fallback={
                <tr>
                  <td colSpan={COLUMNS} class="table__empty">
                    {tokens.fetching ? 'Loading…' : 'No API tokens yet.'}
                  </td>
                </tr>
              }
            >
              {(token) => <TokenRow token={token} onChanged={refresh} />}
            </For>
          </tbody>
        </table>
      </section>
    </>
  );
}

function TokenRow(props: { token: Token; onChanged: () => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [error, setError] = createSignal<FormError | null>(null);
  const [revoking, revoke] = createMutation(RevokeApiTokenMutation);

  const onConfirm = async () => {
    const result = await revoke({ id: props.token.id });
    setConfirming(false);
    setError(formError(result.error));
    props.onChanged();
  };

  return (
    <>
      <tr data-testid="token-row" data-token-name={props.token.name} data-status={props.token.status}>
        <td class="strong token-name">{props.token.name}</td>
        <td class="mono">{props.token.prefix}…</td>
        <td>
          <Show when={props.token.role} fallback={<span class="muted">custom</span>}>
            <span class="role">{roleLabel(props.token.role)}</span>
          </Show>
          <ul class="caps caps--list" title={props.token.capabilities.join('\n')}>
            <For each={props.token.capabilities}>{(capability) => <li>{capabilityLabel(capability)}</li>}</For>
          </ul>
        </td>
        <td>
          <WorkspaceLimitList workspaces={props.token.workspaces} testid="token-workspaces" />
        </td>
        <td>
          <Badge tone={tokenTone(props.token.status)} testid="token-status">
            {props.token.status}
          </Badge>
        </td>
        <td>
          <div class="nowrap" title={props.token.createdAt}>
            {formatDateTime(props.token.createdAt)}
          </div>
          <div class="caps" data-testid="token-created-by">
            by {props.token.createdBy ?? 'the system'}
          </div>
        </td>
        <td class="nowrap">{props.token.expiresAt ? formatDateTime(props.token.expiresAt) : <span class="muted">never</span>}</td>
        <td class="nowrap" title={props.token.lastUsedAt ?? undefined}>
          {formatAgo(props.token.lastUsedAt)}
        </td>
        <td class="table__actions">
          <Show when={props.token.status === 'ACTIVE'}>
            <Show
              when={confirming()}
              fallback={
                <button type="button" class="button button--danger-quiet button--small" data-testid="token-revoke" onClick={() => setConfirming(true)}>
                  Revoke
                </button>
              }
            >
              <InlineConfirm
                question={<>Revoke “{props.token.name}”?</>}
                confirmLabel="Revoke"
                busy={revoking.fetching}
                onConfirm={() => void onConfirm()}
                onCancel={() => setConfirming(false)}
                testid="token-revoke-confirm"
                cancelTestid="token-revoke-cancel"
              />
            </Show>
          </Show>
        </td>
      </tr>
      <RowError error={error()} columns={COLUMNS} testid="token-row-error" />
    </>
  );
}
