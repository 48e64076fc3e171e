/**
 * The System page's Host card: CPU, memory, disk, uptime, queue depth and active runs of the host
 * the answering replica runs on, live from `systemHealthUpdated` (a sample every 5 s), over its
 * 24 h charts (HostCharts).
 */
import { createSignal, For, onCleanup, Show } from 'solid-js';
import { A } from '@solidjs/router';
import { graphql } from '../../graphql';
import type { SystemHealthFieldsFragment } from '../../graphql/graphql.ts';
import { client } from '../../lib/urql.ts';
import { onReconnected } from '../../lib/connection.ts';
import { formError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { HostCharts } from './HostCharts.tsx';

graphql(`
  fragment SystemHealthFields on SystemHealth {
    replica
    sampledAt
    uptime
    cpu {
      usage
      cores
    }
    memory {
      used
      total
      percentage
    }
    disk {
      used
      total
      percentage
      path
    }
    queue {
      depth
      running
      activeRuns {
        id
        type
        workspace
        worker
        startedAt
      }
    }
  }
`);

const SystemHealthDoc = graphql(`
  query SystemHealth {
    systemHealth {
      ...SystemHealthFields
    }
  }
`);

const SystemHealthUpdatedDoc = graphql(`
  subscription SystemHealthUpdated {
    systemHealthUpdated {
      ...SystemHealthFields
    }
  }
`);

export type Health = SystemHealthFieldsFragment;

/** "7.8 GiB": bytes in binary units, as free(1) and df -h show them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** "3 d 4 h", "2 h 5 min", "42 s". */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min`;
  return `${seconds} s`;
}

/** The tone of a percentage: the host check's default thresholds (90 % degraded). */
const tone = (percent: number) => (percent > 90 ? 'var(--bad)' : percent > 75 ? 'var(--warn)' : 'var(--ok)');

function Meter(props: { label: string; testid: string; percent: number; detail: string }) {
  return (
    <div class="stat" data-testid={props.testid} data-value={props.percent}>
      <div class="stat__label">{props.label}</div>
      <div class="stat__value stat__value--mono">{props.percent.toFixed(1)} %</div>
      <div role="meter" aria-label={props.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={props.percent} style={{ height: '6px', 'border-radius': '3px', background: 'var(--border)', overflow: 'hidden' }}>
        <div style={{ width: `${Math.min(100, props.percent)}%`, height: '100%', background: tone(props.percent) }} />
      </div>
      <div class="stat__detail">{props.detail}</div>
    </div>
  );
}

function Figure(props: { label: string; testid: string; value: string | number; detail?: string }) {
  return (
    <div class="stat" data-testid={props.testid} data-value={props.value}>
      <div class="stat__label">{props.label}</div>
      <div class="stat__value stat__value--mono">{props.value}</div>
      <Show when={props.detail}>
        <div class="stat__detail">{props.detail}</div>
      </Show>
    </div>
  );
}

export function HostCard() {
  const [health, setHealth] = createSignal<Health | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  /** How many samples arrived live: the e2e test watches it move. */
  const [received, setReceived] = createSignal(0);

  const load = async () => {
    const result = await client.query(SystemHealthDoc, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) setHealth(result.data.systemHealth);
    setError(formError(result.error)?.message ?? null);
  };
  const updates = client.subscription(SystemHealthUpdatedDoc, {}).subscribe((result) => {
    if (result.data) {
      setHealth(result.data.systemHealthUpdated);
      setReceived((n) => n + 1);
    }
  });
  onCleanup(() => updates.unsubscribe());
  void load();
  onReconnected(() => void load());

  return (
    <section class="card" data-testid="host-card" data-samples={received()}>
      <div class="chart-head">
        <h2>Host</h2>
        <Show when={health()}>{(h) => <span class="muted" data-testid="host-sampled-at">{h().replica} · {formatDateTime(h().sampledAt)}</span>}</Show>
      </div>
      <Show when={error()}>
        <p class="form-error" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={health()} fallback={<p class="muted">Sampling the host…</p>}>
        {(h) => (
          <>
            <div style={{ display: 'grid', 'grid-template-columns': 'repeat(auto-fill, minmax(150px, 1fr))', gap: '14px 18px' }}>
              <Meter label="CPU" testid="host-cpu" percent={h().cpu.usage} detail={`${h().cpu.cores} cores`} />
              <Meter label="Memory" testid="host-memory" percent={h().memory.percentage} detail={`${formatBytes(h().memory.used)} of ${formatBytes(h().memory.total)}`} />
              <Meter label="Disk" testid="host-disk" percent={h().disk.percentage} detail={`${formatBytes(h().disk.used)} of ${formatBytes(h().disk.total)}`} />
              <Figure label="Uptime" testid="host-uptime" value={formatUptime(h().uptime)} detail="this Lookout process" />
              <Figure label="Queue depth" testid="host-queue-depth" value={h().queue?.depth ?? '—'} detail={h().queue ? 'runs waiting' : 'database did not answer'} />
              <Figure label="Active runs" testid="host-active-runs" value={h().queue?.running ?? '—'} />
            </div>
            <Show when={h().queue?.activeRuns.length}>
              <ul class="muted" data-testid="host-active-list" style={{ margin: 0, 'padding-left': '18px', 'overflow-wrap': 'anywhere' }}>
                <For each={h().queue!.activeRuns}>
                  {(run) => (
                    <li>
                      <A href={`/system/ops/runs/${run.id}`}>{run.type}</A> in {run.workspace}
                      {run.worker ? ` on ${run.worker}` : ''}, since {formatDateTime(run.startedAt)}
                    </li>
                  )}
                </For>
              </ul>
            </Show>
            <HostCharts replica={h().replica} />
          </>
        )}
      </Show>
    </section>
  );
}
