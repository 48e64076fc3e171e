/** The body of a page whose capability comes in a later issue: it says plainly what will appear there. */
import type { JSX } from 'solid-js';
import { PageHeader } from './PageHeader.tsx';

export function Placeholder(props: { title: string; testid: string; summary: string; heading?: string; children: JSX.Element }) {
  return (
    <>
      <PageHeader title={props.title} description={props.summary} />
      <section class="card placeholder" data-testid={props.testid}>
        <h2>{props.heading ?? 'Not here yet'}</h2>
        {props.children}
      </section>
    </>
  );
}
