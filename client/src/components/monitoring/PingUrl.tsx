/** A heartbeat service's ping URL (only operators and admins receive it), with how to use it. */
export function PingUrl(props: { url: string }) {
  return (
    <div class="ping-url" data-testid="ping-url">
      <input class="mono" readOnly value={props.url} aria-label="Ping URL" onFocus={(e) => e.currentTarget.select()} />
      <span class="field__hint">
        POST here from the job when it runs (<code>curl -fsS -X POST {props.url}</code>); append <code>/fail</code> to report a failure.
      </span>
    </div>
  );
}
